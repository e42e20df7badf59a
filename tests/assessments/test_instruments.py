"""Instruments as data: import a file as a new version, export it back, publish, retire; pages, API and command."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from carnet.assessments.instruments import (
    InstrumentFileInvalid,
    export_text,
    format_path,
    instrument_import,
    parse_file,
    read_instrument_file,
    validate_document,
    version_document,
    version_publish,
    version_retire,
)
from carnet.assessments.models import Answer, Domain, Instrument, InstrumentVersion, Level, VersionStatus
from carnet.assessments.schema import instrument_json_schema
from carnet.audit.models import AuditEntry
from carnet.core.errors import Conflict
from tests.assessments.factories import life_domains, take_reading
from tests.cases.factories import open_case

pytestmark = pytest.mark.django_db

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "instrument.schema.json"


def _counts() -> tuple[int, int, int, int]:
    return (Instrument.objects.count(), InstrumentVersion.objects.count(), Domain.objects.count(), Level.objects.count())


def _seed_data() -> dict[str, Any]:
    """Version 1 of the seed's instrument as file data (a valid document to start from)."""
    return version_document(life_domains()).model_dump(mode="json")


def _small(slug: str = "feelings") -> dict[str, Any]:
    """A small, valid instrument in English and Russian: two domains of two levels."""

    def text(en: str, ru: str) -> dict[str, dict[str, str]]:
        return {"en": {"text": en, "status": "approved"}, "ru": {"text": ru, "status": "draft"}}

    return {
        "format": "carnet-instrument/1",
        "slug": slug,
        "languages": ["en", "ru"],
        "names": {
            "en": {"text": "How I feel", "description": "Two questions.", "status": "approved"},
            "ru": {"text": "Как я себя чувствую", "status": "draft"},
        },
        "notes": "First version.",
        "domains": [
            {
                "key": "sleep",
                "names": {"en": {"text": "Sleep"}, "ru": {"text": "Сон"}},
                "levels": [
                    {"score": 2, "colour": "green", "statements": text("I sleep well", "Я хорошо сплю")},
                    {"score": 1, "colour": "red", "risk_flag": True, "statements": text("I cannot sleep", "Я не могу спать")},
                ],
            },
            {
                "key": "school",
                "names": {"en": {"text": "School"}, "ru": {"text": "Школа"}},
                "levels": [
                    {"score": 2, "colour": "green", "statements": text("I like school", "Мне нравится школа")},
                    {"score": 1, "colour": "amber", "statements": text("I skip school", "Я прогуливаю")},
                ],
            },
        ],
    }


# --- the file format ------------------------------------------------------------------------------


def test_the_committed_json_schema_is_the_one_the_code_checks_against() -> None:
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == instrument_json_schema()


def test_paths_name_the_place_in_the_file() -> None:
    assert format_path(("domains", 3, "levels", 1, "statements", "ru")) == "domains[3].levels[1].statements.ru"
    assert format_path(("slug",)) == "slug"
    assert format_path(()) == "(the whole file)"


def test_a_missing_translation_is_reported_with_its_path() -> None:
    # given the seed's instrument without the Russian of the second level of the fourth domain
    data = _seed_data()
    del data["domains"][3]["levels"][1]["statements"]["ru"]
    # when it is checked
    with pytest.raises(InstrumentFileInvalid) as caught:
        validate_document(data)
    # then the problem names its path
    assert [str(p) for p in caught.value.problems] == ["domains[3].levels[1].statements.ru: Field required"]


def test_every_problem_is_reported_at_once() -> None:
    data = _small()
    data["domains"][1]["key"] = "sleep"  # twice
    data["domains"][0]["levels"][1]["score"] = 2  # twice in a domain
    data["domains"][0]["levels"][0]["colour"] = "purple"  # not a colour
    data["domains"][1]["names"]["lt"] = {"text": "Mokykla"}  # not a language of the file
    data["languages"].append("xx")
    # structure first: the colour is a schema error, reported alone with its path
    with pytest.raises(InstrumentFileInvalid) as caught:
        validate_document(data)
    assert [p.path for p in caught.value.problems] == ["domains[0].levels[0].colour"]
    # then, with the structure right, every rule of the content
    data["domains"][0]["levels"][0]["colour"] = "green"
    with pytest.raises(InstrumentFileInvalid) as caught:
        validate_document(data)
    assert [p.path for p in caught.value.problems] == [
        "languages[2]",
        "names.xx",
        "domains[0].names.xx",
        "domains[0].levels[0].statements.xx",
        "domains[0].levels[1].score",
        "domains[0].levels[1].statements.xx",
        "domains[1].key",
        "domains[1].names.xx",
        "domains[1].names.lt",
        "domains[1].levels[0].statements.xx",
        "domains[1].levels[1].statements.xx",
    ]


@pytest.mark.parametrize(
    ("content", "filename", "problem"),
    [
        (b"{not json", "x.json", "(the whole file): Not valid JSON at line 1, column 2"),
        (b"slug: [unclosed", "x.yaml", "(the whole file): Not valid YAML at line 1"),
        (b"slug: a\nslug: b\n", "x.yaml", "(the whole file): Not valid YAML at line 2"),
        (b"\xff\xfe\x00", "x.yaml", "(the whole file): The file is not UTF-8 text."),
        (b"- a list\n", "x.yaml", "(the whole file): Input should be a valid dictionary"),
    ],
    ids=["bad-json", "bad-yaml", "duplicate-key", "not-utf8", "not-a-mapping"],
)
def test_unreadable_files_are_refused_with_a_reason(content: bytes, filename: str, problem: str) -> None:
    with pytest.raises(InstrumentFileInvalid) as caught:
        read_instrument_file(content, filename)
    assert str(caught.value.problems[0]).startswith(problem)


def test_yaml_keeps_no_as_a_word() -> None:
    # "no" is a language code (Norwegian), not "false"
    assert parse_file(b"names:\n  no: {text: Navn}\nrisk_flag: true\n", "x.yml") == {"names": {"no": {"text": "Navn"}}, "risk_flag": True}


# --- import ---------------------------------------------------------------------------------------


def test_importing_a_file_creates_a_draft_version_with_every_text_and_its_status(demo_users) -> None:
    # when the secretariat imports a new instrument
    version = instrument_import(actor=demo_users["secretariat"], document=validate_document(_small()))
    # then it is version 1, a draft, with its domains, levels and translations in order
    assert (version.instrument.slug, version.number, version.status, version.notes) == (
        "feelings",
        1,
        VersionStatus.DRAFT,
        "First version.",
    )
    domains = list(version.domains.order_by("position"))
    assert [(d.key, d.position) for d in domains] == [("sleep", 1), ("school", 2)]
    sleep = domains[0]
    assert sleep.safe_translation_getter("name", language_code="ru") == "Сон"
    levels = list(sleep.levels.order_by("position"))
    assert [(lv.position, lv.score, lv.colour, lv.risk_flag) for lv in levels] == [(1, 2, "green", False), (2, 1, "red", True)]
    statement = levels[1].translations.get(language_code="ru")
    assert (statement.statement, statement.status) == ("Я не могу спать", "draft")
    instrument = Instrument.objects.get(slug="feelings")
    assert instrument.translations.get(language_code="en").description == "Two questions."
    # and the import is audited
    assert AuditEntry.objects.filter(action="assessment.instrument.import", purpose="feelings v1").count() == 1


def test_a_file_with_a_problem_stores_nothing(demo_users) -> None:
    before = _counts()
    data = _small()
    del data["domains"][1]["levels"][1]["statements"]["ru"]
    with pytest.raises(InstrumentFileInvalid):
        instrument_import(actor=demo_users["secretariat"], document=validate_document(data))
    assert _counts() == before


def test_a_version_number_that_exists_already_is_refused_and_nothing_changes(demo_users) -> None:
    # given a file for the seed's instrument that claims to be version 1 and renames it
    data = _seed_data()
    data["names"]["en"]["text"] = "Renamed"
    before = _counts()
    # when it is imported
    with pytest.raises(InstrumentFileInvalid) as caught:
        instrument_import(actor=demo_users["secretariat"], document=validate_document(data))
    # then it names the version, and nothing is stored, not even the new name
    assert caught.value.problems[0].path == "version"
    assert _counts() == before
    assert Instrument.objects.get(slug="life-domains").translations.get(language_code="en").name != "Renamed"


def test_only_the_secretariat_imports(demo_users) -> None:
    before = _counts()
    for username in ("caseworker-se", "ncp-se", "coordinator-lt", "sysadmin"):
        with pytest.raises(PermissionDenied):
            instrument_import(actor=demo_users[username], document=validate_document(_small()))
    assert _counts() == before


def test_editing_makes_a_new_version_and_past_readings_keep_theirs(demo_users) -> None:
    # given a reading taken with version 1, at the red level of "running away"
    worker = demo_users["caseworker-se"]
    reading = take_reading(worker, open_case(worker), {"running-away": 1})
    v1_before = export_text(version_document(life_domains()))
    # when the secretariat "edits" the instrument: a new file with a changed statement, published
    data = _seed_data()
    data.pop("version")
    data["notes"] = "Kinder words."
    data["domains"][7]["levels"][2]["statements"]["en"]["text"] = "I stay away from home for long periods"
    v2 = instrument_import(actor=demo_users["secretariat"], document=validate_document(data), publish=True)
    # then it is version 2, published, with the new words
    assert (v2.number, v2.status) == (2, VersionStatus.PUBLISHED)
    assert version_document(v2).domains[7].levels[2].statements["en"].text == "I stay away from home for long periods"
    # and version 1 and the reading are exactly as they were
    assert export_text(version_document(life_domains())) == v1_before
    reading.refresh_from_db()
    assert reading.version_id == life_domains().pk
    answer = Answer.objects.select_related("level").get(reading=reading, domain__key="running-away")
    assert answer.level.translations.get(language_code="en").statement == (
        "I run away for long periods of time and I stay with risky people or sleep rough"
    )


# --- export and round trip ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_the_seed_exports_and_reads_back_to_the_same_document(fmt: str) -> None:
    document = version_document(life_domains())
    text = export_text(document, fmt)
    assert read_instrument_file(text.encode(), f"life-domains.{fmt}") == document
    # the seed's nine domains, three levels each, in English and Russian
    assert (len(document.domains), {len(d.levels) for d in document.domains}, document.languages) == (9, {3}, ["en", "ru"])
    assert document.domains[7].levels[2].risk_flag is True


def test_an_exported_version_imported_again_is_the_same_instrument_one_version_up(demo_users) -> None:
    # given the seed's version 1 exported, without its number
    original = version_document(life_domains())
    data = yaml.safe_load(export_text(original))
    data.pop("version")
    # when it is imported
    version = instrument_import(actor=demo_users["secretariat"], document=read_instrument_file(yaml.safe_dump(data).encode(), "x.yaml"))
    # then exporting the new version gives the same file, numbered 2
    assert version_document(version) == original.model_copy(update={"version": 2})


# --- publish and retire ---------------------------------------------------------------------------


def test_a_draft_is_published_once_and_can_be_retired(demo_users) -> None:
    secretariat = demo_users["secretariat"]
    version = instrument_import(actor=secretariat, document=validate_document(_small()))
    published = version_publish(actor=secretariat, version=version)
    assert (published.status, published.published_at is not None) == (VersionStatus.PUBLISHED, True)
    with pytest.raises(Conflict):
        version_publish(actor=secretariat, version=version)
    retired = version_retire(actor=secretariat, version=version)
    assert retired.status == VersionStatus.RETIRED
    with pytest.raises(Conflict):
        version_retire(actor=secretariat, version=version)
    with pytest.raises(PermissionDenied):
        version_retire(actor=demo_users["ncp-se"], version=life_domains())
    assert life_domains().status == VersionStatus.PUBLISHED


# --- the command ----------------------------------------------------------------------------------


def test_the_command_imports_a_yaml_file_and_publishes_it(tmp_path: Path) -> None:
    path = tmp_path / "feelings.yaml"
    path.write_text(yaml.safe_dump(_small(), allow_unicode=True), encoding="utf-8")
    out = io.StringIO()
    call_command("instrument", "import", str(path), "--publish", stdout=out)
    assert out.getvalue().strip() == "Imported feelings version 1 (Published)."
    assert InstrumentVersion.objects.get(instrument__slug="feelings").status == VersionStatus.PUBLISHED


def test_the_command_lists_every_problem_and_imports_nothing(tmp_path: Path) -> None:
    data = _small()
    del data["domains"][0]["names"]["ru"]
    del data["domains"][1]["levels"][0]["statements"]["en"]
    path = tmp_path / "feelings.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    before, err = _counts(), io.StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("instrument", "import", str(path), stderr=err)
    assert err.getvalue().splitlines() == ["domains[0].names.ru: Field required", "domains[1].levels[0].statements.en: Field required"]
    assert _counts() == before


def test_the_command_exports_a_version(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("instrument", "export", "life-domains", "1", "--format", "json", stdout=out)
    assert json.loads(out.getvalue()) == json.loads(export_text(version_document(life_domains()), "json"))
    with pytest.raises(CommandError, match="no version 7"):
        call_command("instrument", "export", "life-domains", "7")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("instrument", "import", str(tmp_path / "missing.yaml"))


# --- pages ----------------------------------------------------------------------------------------


def test_the_list_shows_drafts_to_the_secretariat_only(client_as, demo_users) -> None:
    instrument_import(actor=demo_users["secretariat"], document=validate_document(_small()))
    manager = client_as("secretariat").get("/en/assessments/instruments/")
    reader = client_as("caseworker-se").get("/en/assessments/instruments/")
    assert (manager.status_code, reader.status_code) == (200, 200)
    assert "How I feel" in manager.content.decode()
    assert "Import a new version" in manager.content.decode()
    assert "How I feel" not in reader.content.decode()
    assert "Import a new version" not in reader.content.decode()
    assert "My life: a self-assessment in nine domains" in reader.content.decode()
    assert client_as("member-fi").get("/en/assessments/instruments/").status_code == 403


def test_the_detail_page_shows_every_statement_with_its_translation_status(client_as) -> None:
    response = client_as("caseworker-se").get("/en/assessments/instruments/life-domains/1/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "I run away for long periods of time and I stay with risky people or sleep rough" in page
    assert "Я надолго убегаю, живу у опасных людей или ночую на улице" in page
    assert "Reviewed" in page
    assert client_as("caseworker-se").get("/en/assessments/instruments/life-domains/9/").status_code == 404


def test_a_draft_is_not_found_by_readers(client_as, demo_users) -> None:
    instrument_import(actor=demo_users["secretariat"], document=validate_document(_small()))
    assert client_as("caseworker-se").get("/en/assessments/instruments/feelings/1/").status_code == 404
    assert client_as("secretariat").get("/en/assessments/instruments/feelings/1/").status_code == 200


def test_uploading_a_file_imports_it(client_as) -> None:
    upload = io.BytesIO(yaml.safe_dump(_small(), allow_unicode=True).encode())
    upload.name = "feelings.yaml"
    response = client_as("secretariat").post("/en/assessments/instruments/import/", {"file": upload, "publish": "on"})
    assert response.status_code == 302
    assert response["Location"] == "/en/assessments/instruments/feelings/1/"
    assert InstrumentVersion.objects.get(instrument__slug="feelings").status == VersionStatus.PUBLISHED


def test_uploading_a_bad_file_lists_its_problems_and_stores_nothing(client_as) -> None:
    data = _small()
    del data["domains"][1]["levels"][1]["statements"]["ru"]
    upload = io.BytesIO(json.dumps(data).encode())
    upload.name = "feelings.json"
    before = _counts()
    response = client_as("secretariat").post("/en/assessments/instruments/import/", {"file": upload})
    assert response.status_code == 400
    assert "domains[1].levels[1].statements.ru: Field required" in response.content.decode()
    assert _counts() == before


def test_nobody_else_may_upload(client_as) -> None:
    before = _counts()
    upload = io.BytesIO(json.dumps(_small()).encode())
    upload.name = "feelings.json"
    assert client_as("ncp-se").post("/en/assessments/instruments/import/", {"file": upload}).status_code == 403
    assert _counts() == before


def test_publishing_and_retiring_from_the_page(client_as, demo_users) -> None:
    instrument_import(actor=demo_users["secretariat"], document=validate_document(_small()))
    client = client_as("secretariat")
    assert client.post("/en/assessments/instruments/feelings/1/publish/").status_code == 302
    assert InstrumentVersion.objects.get(instrument__slug="feelings").status == VersionStatus.PUBLISHED
    again = client.post("/en/assessments/instruments/feelings/1/publish/", follow=True)
    assert "Only a draft can be published" in again.content.decode()
    assert client_as("ncp-se").post("/en/assessments/instruments/feelings/1/retire/").status_code == 403
    assert client.post("/en/assessments/instruments/feelings/1/retire/").status_code == 302
    assert InstrumentVersion.objects.get(instrument__slug="feelings").status == VersionStatus.RETIRED


@pytest.mark.parametrize(("fmt", "content_type"), [("yaml", "application/yaml"), ("json", "application/json")])
def test_a_version_downloads_as_a_file(client_as, fmt: str, content_type: str) -> None:
    response = client_as("secretariat").get(f"/en/assessments/instruments/life-domains/1/export.{fmt}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"] == f'attachment; filename="life-domains-v1.{fmt}"'
    assert read_instrument_file(response.content, f"x.{fmt}") == version_document(life_domains())


# --- API ------------------------------------------------------------------------------------------


def test_the_api_lists_what_the_actor_may_see(client_as, demo_users) -> None:
    instrument_import(actor=demo_users["secretariat"], document=validate_document(_small()))
    manager = client_as("secretariat").get("/api/v1/assessments/instruments").json()
    reader = client_as("caseworker-se").get("/api/v1/assessments/instruments").json()
    assert [(v["slug"], v["version"], v["status"]) for v in manager] == [("feelings", 1, "draft"), ("life-domains", 1, "published")]
    assert [(v["slug"], v["version"], v["status"]) for v in reader] == [("life-domains", 1, "published")]
    assert reader[0]["domains"] == 9
    assert client_as("member-fi").get("/api/v1/assessments/instruments").status_code == 403


def test_the_api_imports_a_document(client_as) -> None:
    response = client_as("secretariat").post("/api/v1/assessments/instruments/import", _small(), content_type="application/json")
    assert response.status_code == 201
    assert (response.json()["slug"], response.json()["version"], response.json()["status"]) == ("feelings", 1, "draft")


def test_the_api_names_every_problem_and_stores_nothing(client_as) -> None:
    data = _small()
    del data["domains"][1]["levels"][1]["statements"]["ru"]
    data["domains"][0]["levels"][0]["score"] = 0
    before = _counts()
    response = client_as("secretariat").post("/api/v1/assessments/instruments/import", data, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_instrument"
    assert [e["field"] for e in body["errors"]] == ["domains[0].levels[0].score"]
    assert _counts() == before
    fixed = copy.deepcopy(data)
    fixed["domains"][0]["levels"][0]["score"] = 2
    again = client_as("secretariat").post("/api/v1/assessments/instruments/import", fixed, content_type="application/json").json()
    assert again["errors"] == [{"field": "domains[1].levels[1].statements.ru", "reason": "Field required"}]


def test_the_api_refuses_others_and_stores_nothing(client_as) -> None:
    before = _counts()
    response = client_as("ncp-se").post("/api/v1/assessments/instruments/import", _small(), content_type="application/json")
    assert response.status_code == 403
    assert _counts() == before
