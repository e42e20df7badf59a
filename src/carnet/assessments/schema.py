"""The instrument file: what a JSON or YAML file must hold to become a new version of an instrument.

These pydantic models *are* the format. ``docs/instrument.schema.json`` is generated from
them (``instrument_json_schema()``; a test keeps the committed copy in step), the import
validates against them, and the export writes them. Checks that a schema cannot express
(every text in every language the file declares, keys and scores unique) are made by
:func:`carnet.assessments.instruments.validate_document`, which reports every problem with
its path in the file, e.g. ``domains[3].levels[1].statements.ru: Field required``.

No ``from __future__ import annotations``: the API reads these models at import time.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from carnet.assessments.models import Colour, TranslationStatus

FORMAT = "carnet-instrument/1"
SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
LANGUAGE = r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Text(_Strict):
    """A text in one language, with how far its translation has come."""

    text: str = Field(min_length=1, max_length=500)
    status: TranslationStatus = Field(TranslationStatus.DRAFT, description="draft, reviewed or approved (by the national reviewers).")


class Name(_Strict):
    text: str = Field(min_length=1, max_length=200)
    status: TranslationStatus = TranslationStatus.DRAFT


class InstrumentName(_Strict):
    text: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    status: TranslationStatus = TranslationStatus.DRAFT


class LevelFile(_Strict):
    """One statement of a domain. The list order is the order on screen; ``score`` ranks them (highest = fine, 1 = at risk)."""

    score: int = Field(ge=1, le=20)
    colour: Colour
    risk_flag: bool = Field(False, description="A worker must act when a child chooses this level (a risk alert is raised).")
    statements: dict[str, Text] = Field(description="The statement per language, in the first person, as the child reads it.")


class DomainFile(_Strict):
    key: str = Field(min_length=1, max_length=50, pattern=SLUG, description="Stable across versions: action plans refer to it.")
    names: dict[str, Name]
    levels: list[LevelFile] = Field(min_length=2, max_length=10)


class InstrumentFile(_Strict):
    """A version of an instrument, as a file: import it to add the version, export a version to get it back."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        title="carnet instrument",
    )

    format: Literal["carnet-instrument/1"] = Field("carnet-instrument/1", description="The version of this file format.")
    slug: str = Field(min_length=1, max_length=50, pattern=SLUG, description="The instrument's code; an existing one gets a new version.")
    version: int | None = Field(
        None,
        ge=1,
        le=32767,
        description="Number of the version. Exported for reference; on import it must be newer than every existing one.",
    )
    languages: list[str] = Field(
        min_length=1, max_length=20, description="Every name and statement must be given in each of these languages (codes such as en, ru)."
    )
    names: dict[str, InstrumentName]
    notes: str = Field("", max_length=500, description="What changed in this version.")
    domains: list[DomainFile] = Field(min_length=1, max_length=30)


def instrument_json_schema() -> dict[str, Any]:
    """The JSON Schema of the instrument file, as committed in docs/instrument.schema.json."""
    schema = InstrumentFile.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    for definition in schema.get("$defs", {}).values():
        for prop in ("statements", "names"):
            if prop in definition.get("properties", {}):
                definition["properties"][prop]["propertyNames"] = {"pattern": LANGUAGE}
    schema["properties"]["names"]["propertyNames"] = {"pattern": LANGUAGE}
    schema["properties"]["languages"]["items"]["pattern"] = LANGUAGE
    return schema
