"""Instruments as data: import a file as a new version, export a version back, publish and retire versions.

"Editing" an instrument means importing a new version. A published version is never
changed: its domains, levels and statements stay as they were for every reading taken with
it. Importing is all-or-nothing: the whole file is checked first and every problem is
reported with its path in the file (``domains[3].levels[1].statements.ru: Field
required``); a file with any problem stores nothing.

The instrument's own name and description belong to the instrument, not to a version (the
model keeps them there): importing a version updates them for the languages in the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError as SchemaError

from carnet.accounts.models import Role
from carnet.accounts.roles import has_role
from carnet.assessments.models import Domain, Instrument, InstrumentVersion, Level, VersionStatus
from carnet.assessments.policies import AssessmentAction, AssessmentPolicy
from carnet.assessments.schema import FORMAT, DomainFile, InstrumentFile, InstrumentName, LevelFile, Name, Text
from carnet.audit.services import record
from carnet.cases.policies import CASE_OPENERS
from carnet.core.errors import Conflict, DomainError

MAX_FILE_BYTES = 1024 * 1024
READER_ROLES = (*CASE_OPENERS, Role.COORDINATOR)

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an instrument file: where (a path into the file) and what."""

    location: Location
    message: str

    @property
    def path(self) -> str:
        return format_path(self.location)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def format_path(location: Location) -> str:
    """``("domains", 3, "levels", 1, "statements", "ru")`` -> ``domains[3].levels[1].statements.ru``."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or _("(the whole file)")


class InstrumentFileInvalid(DomainError):
    """The file does not describe a valid instrument version; nothing was stored."""

    status = 422
    code = "invalid_instrument"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(
            _("The instrument file is not valid: %(problems)s") % {"problems": "; ".join(str(problem) for problem in self.problems)}
        )


# --- who may see and manage instruments -----------------------------------------------------------


def can_manage(actor: Any) -> bool:
    return AssessmentPolicy.can(actor, AssessmentAction.MANAGE_INSTRUMENTS)


def can_read(actor: Any) -> bool:
    """The secretariat manages instruments; whoever works with readings (case roles, national coordinators) may read them."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    return can_manage(actor) or has_role(actor, *READER_ROLES)


def _require_manage(actor: Any) -> None:
    if actor is not None and not can_manage(actor):
        raise PermissionDenied


def versions_for(actor: Any) -> QuerySet[InstrumentVersion]:
    """The versions ``actor`` may see: all for the secretariat, published and retired ones for readers, none otherwise."""
    versions = InstrumentVersion.objects.select_related("instrument").prefetch_related("instrument__translations")
    if can_manage(actor):
        return versions.order_by("instrument__slug", "-number")
    if can_read(actor):
        return versions.exclude(status=VersionStatus.DRAFT).order_by("instrument__slug", "-number")
    return versions.none()


def version_get_for(actor: Any, slug: str, number: int) -> InstrumentVersion:
    """One version with its domains and levels, or 404 (missing and "not for you" look the same)."""
    levels = Level.objects.prefetch_related("translations").order_by("position")
    domains = Domain.objects.prefetch_related("translations", Prefetch("levels", queryset=levels)).order_by("position")
    version = (
        versions_for(actor).prefetch_related(Prefetch("domains", queryset=domains)).filter(instrument__slug=slug, number=number).first()
    )
    if version is None:
        raise Http404
    return version


# --- reading a file -------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """Safe YAML with two traps removed.

    ``no``/``yes``/``on``/``off`` stay words (``no`` is Norwegian), and a key given twice is an error.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"the key {key!r} is given twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def parse_file(content: bytes, filename: str = "") -> Any:
    """The data in a JSON or YAML file (by its extension; YAML, a superset of JSON, otherwise)."""
    if len(content) > MAX_FILE_BYTES:
        raise InstrumentFileInvalid([Problem((), _("The file is larger than 1 MB."))])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InstrumentFileInvalid([Problem((), _("The file is not UTF-8 text."))]) from None
    if filename.lower().endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            message = _("Not valid JSON at line %(line)s, column %(column)s: %(reason)s.")
            raise InstrumentFileInvalid(
                [Problem((), message % {"line": error.lineno, "column": error.colno, "reason": error.msg})]
            ) from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506  (_Loader is a SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        if mark is not None:
            message = _("Not valid YAML at line %(line)s, column %(column)s: %(reason)s.")
            raise InstrumentFileInvalid(
                [Problem((), message % {"line": mark.line + 1, "column": mark.column + 1, "reason": reason})]
            ) from None
        raise InstrumentFileInvalid([Problem((), _("Not valid YAML: %(reason)s.") % {"reason": reason})]) from None


def _site_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _check_languages(location: Location, texts: dict[str, Any], languages: Sequence[str]) -> Iterable[Problem]:
    for language in languages:
        if language not in texts:
            yield Problem((*location, language), _("Field required"))
    for language in texts:
        if language not in languages:
            yield Problem((*location, language), _("This language is not listed in the file's languages."))


def validate_document(data: Any) -> InstrumentFile:
    """Check a parsed file completely; every problem is reported with its path. Stores nothing."""
    try:
        document = InstrumentFile.model_validate(data)
    except SchemaError as error:
        raise InstrumentFileInvalid([Problem(tuple(item["loc"]), item["msg"]) for item in error.errors(include_url=False)]) from None
    problems: list[Problem] = []
    site = _site_languages()
    for index, language in enumerate(document.languages):
        if language not in site:
            message = _("carnet is not set up for the language %(language)s (it offers: %(offered)s).")
            problems.append(Problem(("languages", index), message % {"language": language, "offered": ", ".join(site)}))
        if language in document.languages[:index]:
            problems.append(Problem(("languages", index), _("This language is listed twice.")))
    languages = list(dict.fromkeys(document.languages))
    problems += _check_languages(("names",), document.names, languages)
    keys: set[str] = set()
    for d, domain in enumerate(document.domains):
        if domain.key in keys:
            problems.append(Problem(("domains", d, "key"), _("Another domain of this file has the same key.")))
        keys.add(domain.key)
        problems += _check_languages(("domains", d, "names"), domain.names, languages)
        scores: set[int] = set()
        for lv, level in enumerate(domain.levels):
            if level.score in scores:
                problems.append(Problem(("domains", d, "levels", lv, "score"), _("Another level of this domain has the same score.")))
            scores.add(level.score)
            problems += _check_languages(("domains", d, "levels", lv, "statements"), level.statements, languages)
    if problems:
        raise InstrumentFileInvalid(problems)
    return document


def read_instrument_file(content: bytes, filename: str = "") -> InstrumentFile:
    return validate_document(parse_file(content, filename))


# --- import, publish, retire ----------------------------------------------------------------------


def _add_translations(obj: Any, texts: dict[str, dict[str, Any]]) -> None:
    """Store the translations of a row that was just created (straight into parler's table: nothing is cached for it yet)."""
    model = obj._parler_meta.root_model
    model.objects.bulk_create([model(master=obj, language_code=code, **fields) for code, fields in texts.items()])


def _set_instrument_names(instrument: Instrument, document: InstrumentFile, *, created: bool) -> None:
    texts = {code: {"name": n.text, "description": n.description, "status": n.status} for code, n in document.names.items()}
    if created:
        _add_translations(instrument, texts)
        return
    for code, fields in texts.items():  # through parler, so that its cache of the instrument's names follows
        instrument.set_current_language(code)
        for field, value in fields.items():
            setattr(instrument, field, value)
    instrument.save()


@transaction.atomic
def instrument_import(*, actor: Any, document: InstrumentFile, publish: bool = False) -> InstrumentVersion:
    """Store a checked file as a new version of its instrument (a draft, or published with ``publish``).

    ``actor`` is None for the command line (run by whoever operates the installation).
    """
    _require_manage(actor)
    instrument = Instrument.objects.select_for_update().filter(slug=document.slug).first()
    created = instrument is None
    if instrument is None:
        instrument = Instrument(slug=document.slug)
        instrument.save()
    last = instrument.versions.aggregate(last=Max("number"))["last"] or 0
    number = document.version or last + 1
    if number <= last:
        message = _(
            "Version %(number)s of %(slug)s exists already: a new version must be numbered above %(last)s, or leave the number out."
        )
        raise InstrumentFileInvalid([Problem(("version",), message % {"number": number, "slug": document.slug, "last": last})])
    _set_instrument_names(instrument, document, created=created)
    version = InstrumentVersion(instrument=instrument, number=number, status=VersionStatus.DRAFT, notes=document.notes)
    version.full_clean()
    try:
        with transaction.atomic():
            version.save(force_insert=True)
    except IntegrityError:
        raise Conflict(_("Somebody imported a version of this instrument at the same moment: import the file again.")) from None
    for position, domain_file in enumerate(document.domains, start=1):
        domain = Domain(version=version, key=domain_file.key, position=position)
        domain.save()
        _add_translations(
            domain, {code: {"name": domain_file.names[code].text, "status": domain_file.names[code].status} for code in document.languages}
        )
        for level_position, level_file in enumerate(domain_file.levels, start=1):
            level = Level(
                domain=domain, position=level_position, score=level_file.score, colour=level_file.colour, risk_flag=level_file.risk_flag
            )
            level.save()
            statements = level_file.statements
            _add_translations(
                level, {code: {"statement": statements[code].text, "status": statements[code].status} for code in document.languages}
            )
    record(actor=actor, action="assessment.instrument.import", obj=version, purpose=f"{document.slug} v{number}", username="command line")
    if publish:
        _publish(actor, version)
    return version


def _publish(actor: Any, version: InstrumentVersion) -> None:
    version.status, version.published_at = VersionStatus.PUBLISHED, timezone.now()
    version.save(update_fields=["status", "published_at"])
    record(
        actor=actor,
        action="assessment.instrument.publish",
        obj=version,
        purpose=f"{version.instrument.slug} v{version.number}",
        username="command line",
    )


@transaction.atomic
def version_publish(*, actor: Any, version: InstrumentVersion) -> InstrumentVersion:
    """Make a draft version usable for new readings. From now on it never changes."""
    _require_manage(actor)
    version = InstrumentVersion.objects.select_for_update().select_related("instrument").get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise Conflict(_("Only a draft can be published: this version is %(status)s.") % {"status": version.get_status_display()})
    _publish(actor, version)
    return version


@transaction.atomic
def version_retire(*, actor: Any, version: InstrumentVersion) -> InstrumentVersion:
    """Stop a version from being used for new readings; readings taken with it keep it."""
    _require_manage(actor)
    version = InstrumentVersion.objects.select_for_update().select_related("instrument").get(pk=version.pk)
    if version.status == VersionStatus.RETIRED:
        raise Conflict(_("This version is retired already."))
    version.status = VersionStatus.RETIRED
    version.save(update_fields=["status"])
    record(
        actor=actor,
        action="assessment.instrument.retire",
        obj=version,
        purpose=f"{version.instrument.slug} v{version.number}",
        username="command line",
    )
    return version


# --- export ---------------------------------------------------------------------------------------


def translations_of(obj: Any) -> dict[str, Any]:
    return {t.language_code: t for t in obj.translations.all()}


def version_document(version: InstrumentVersion) -> InstrumentFile:
    """A version as an instrument file (what importing that file would create again)."""
    levels = Level.objects.prefetch_related("translations").order_by("position")
    domains = list(
        Domain.objects.filter(version=version).prefetch_related("translations", Prefetch("levels", queryset=levels)).order_by("position")
    )
    instrument = Instrument.objects.prefetch_related("translations").get(pk=version.instrument_id)
    present: set[str] = set()
    for domain in domains:
        present |= set(translations_of(domain))
        for level in domain.levels.all():
            present |= set(translations_of(level))
    order = _site_languages()
    languages = sorted(present, key=lambda code: (order.index(code) if code in order else len(order), code))
    names = translations_of(instrument)
    return InstrumentFile(
        format=FORMAT,
        slug=instrument.slug,
        version=version.number,
        languages=languages,
        names={
            code: InstrumentName(text=names[code].name, description=names[code].description, status=names[code].status)
            for code in languages
            if code in names
        },
        notes=version.notes,
        domains=[
            DomainFile(
                key=domain.key,
                names={code: Name(text=t.name, status=t.status) for code, t in translations_of(domain).items()},
                levels=[
                    LevelFile(
                        score=level.score,
                        colour=level.colour,
                        risk_flag=level.risk_flag,
                        statements={code: Text(text=t.statement, status=t.status) for code, t in translations_of(level).items()},
                    )
                    for level in domain.levels.all()
                ],
            )
            for domain in domains
        ],
    )


def _ordered(document: InstrumentFile) -> dict[str, Any]:
    """The file's data with each language mapping in the order of ``languages`` (stable, readable diffs)."""
    data = document.model_dump(mode="json")
    order = {code: index for index, code in enumerate(document.languages)}

    def by_language(mapping: dict[str, Any]) -> dict[str, Any]:
        return dict(sorted(mapping.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))

    data["names"] = by_language(data["names"])
    for domain in data["domains"]:
        domain["names"] = by_language(domain["names"])
        for level in domain["levels"]:
            level["statements"] = by_language(level["statements"])
    return data


def export_text(document: InstrumentFile, fmt: str = "yaml") -> str:
    """The file's text, as YAML (the default: easier to read and translate) or JSON."""
    data = _ordered(document)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "yaml":
        return str(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120))
    raise ValueError(f"unknown export format {fmt!r}")
