"""English and Russian are complete: no empty or unchecked Russian string, and the compiled catalogue is current."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[1] / "src" / "carnet" / "locale"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))


def test_there_is_a_russian_catalogue() -> None:
    assert LOCALE / "ru" / "LC_MESSAGES" / "django.po" in CATALOGUES


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_every_string_is_translated(po_path: Path) -> None:
    catalogue = polib.pofile(str(po_path))
    empty = [e.msgid for e in catalogue if not e.obsolete and not (e.msgstr or all(e.msgstr_plural.values()) and e.msgstr_plural)]
    fuzzy = [e.msgid for e in catalogue if "fuzzy" in e.flags]
    assert empty == []
    assert fuzzy == []
    assert not catalogue.metadata_is_fuzzy


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_compiled_catalogue_matches_the_source(po_path: Path) -> None:
    # the .mo file is committed (no gettext needed to run carnet): it must say what the .po says
    source = {(e.msgid, e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in polib.pofile(str(po_path)) if not e.obsolete}
    compiled = {(e.msgid, e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in polib.mofile(str(po_path.with_suffix(".mo")))}
    assert source - compiled == set(), "run `make messages` to recompile"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_placeholders_survive_translation(po_path: Path) -> None:
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]|\{\{ ?\w+ ?\}\}")
    broken = []
    for entry in polib.pofile(str(po_path)):
        wanted = set(placeholder.findall(entry.msgid)) | set(placeholder.findall(entry.msgid_plural or ""))
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if text and set(placeholder.findall(text)) != wanted and not (entry.msgid_plural and set(placeholder.findall(text)) <= wanted):
                broken.append(entry.msgid)
    assert broken == []
