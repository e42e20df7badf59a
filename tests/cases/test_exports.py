"""Exports: a printable case file per purpose and a caseload CSV; permission-checked, audited, watermarked, minimal."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from base64 import b64encode

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from carnet.audit.models import AuditEntry
from carnet.cases.models import Case
from carnet.cases.services import case_anonymise
from carnet.cases.services_exports import (
    CSV_FIELDS,
    IDENTITY_FIELDS,
    PURPOSE_FIELDS,
    ExportPurpose,
    case_export_print,
    caseload_export_csv,
    spreadsheet_safe,
)
from tests.cases.factories import open_case, synthetic_identity

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(demo_users) -> Case:
    return open_case(demo_users["caseworker-se"], identity=synthetic_identity(contacts="Hidden Street 9, Malmo"))


def _exports() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="case.export").order_by("seq"))


# --- What each purpose carries ---------------------------------------------------------------


def test_every_purpose_has_a_field_set_and_statistics_carries_no_identity() -> None:
    assert set(PURPOSE_FIELDS) == set(ExportPurpose.values)
    assert PURPOSE_FIELDS[ExportPurpose.STATISTICS] & IDENTITY_FIELDS == frozenset()
    assert set(CSV_FIELDS) & IDENTITY_FIELDS == set()
    assert CSV_FIELDS == ("number", "pseudonym", "status", "risk_level", "age_band", "country", "opened_on")
    # contacts (whereabouts) are never exported, whatever the purpose
    assert all("contacts" not in fields for fields in PURPOSE_FIELDS.values())


@pytest.mark.parametrize(
    ("purpose", "present", "absent"),
    [
        ("court", ["Testa Syntheticova", "Tessa", "Citizenships"], ["Hidden Street", "Languages spoken", "Return plan"]),
        (
            "receiving_authority",
            ["Testa Syntheticova", "Languages spoken", "Return plan", "Care plan"],
            ["Hidden Street", "Tessa", "Route"],
        ),
        ("statistics", ["Forms of exploitation"], ["Testa", "Syntheticova", "Tessa", "Hidden Street", "2011", "Case team"]),
    ],
)
def test_the_printable_case_file_carries_only_its_purposes_fields(client_as, case: Case, purpose: str, present, absent) -> None:
    response = client_as("caseworker-se").get(f"/en/cases/{case.pk}/export/?purpose={purpose}&format=html")
    html = response.content.decode()
    assert response.status_code == 200
    assert case.number in html
    for text in present:
        assert text in html, text
    for text in absent:
        assert text not in html, text


def test_the_printable_case_file_is_inline_watermarked_and_audited(client_as, case: Case) -> None:
    response = client_as("supervisor-se").get(f"/en/cases/{case.pk}/export/?purpose=court&format=html")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Disposition"] == f'inline; filename="{case.number}-court.html"'
    # the watermark names who and when, in the repeating header and footer of every printed page
    watermarks = re.findall(r'<p class="watermark"[^>]*>([^<]*)</p>', html)
    assert len(watermarks) == 2
    assert watermarks[0] == watermarks[1]
    assert re.fullmatch(
        r"Confidential\. Exported from carnet by supervisor-se on \d{4}-\d{2}-\d{2} \d{2}:\d{2} \S+ for: Court or tribunal proceedings\.",
        watermarks[0],
    )
    assert '<thead><tr><td><p class="watermark"' in html
    assert '<tfoot><tr><td><p class="watermark"' in html
    # the one inline stylesheet is allowed by its hash, and nothing else inline is
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style is not None
    digest = b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "style=" not in html
    # and the export is in the audit log with its purpose, the identity read too
    assert [(e.actor_username, e.object_id, e.purpose) for e in _exports()] == [
        ("supervisor-se", str(case.pk), "court: printable case file")
    ]
    assert AuditEntry.objects.filter(action="child.identity.read", purpose="export: court").count() == 1


def test_a_statistics_print_does_not_decrypt_the_identity(demo_users, case: Case) -> None:
    export = case_export_print(actor=demo_users["caseworker-se"], case=case, purpose="statistics")
    assert export.identity is None
    assert not AuditEntry.objects.filter(action="child.identity.read", purpose__startswith="export").exists()
    assert [e.purpose for e in _exports()] == ["statistics: printable case file"]


def test_without_a_purpose_the_page_asks_for_one_and_exports_nothing(client_as, case: Case) -> None:
    for language in ("en", "ru"):
        response = client_as("caseworker-se").get(f"/{language}/cases/{case.pk}/export/")
        html = response.content.decode()
        assert response.status_code == 200
        assert f'lang="{language}"' in html
        assert 'name="purpose"' in html
        assert "<legend>" in html
    assert _exports() == []


def test_an_unknown_purpose_is_refused(client_as, demo_users, case: Case) -> None:
    response = client_as("caseworker-se").get(f"/en/cases/{case.pk}/export/?purpose=curiosity")
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    with pytest.raises(ValidationError) as raised:
        case_export_print(actor=demo_users["caseworker-se"], case=case, purpose="curiosity")
    assert set(raised.value.message_dict) == {"purpose"}
    assert _exports() == []


@pytest.mark.parametrize("username", ["caseworker-lt", "ncp-lt", "secretariat", "sysadmin"])
def test_outsiders_cannot_export_a_case(client_as, demo_users, case: Case, username: str) -> None:
    assert client_as(username).get(f"/en/cases/{case.pk}/export/?purpose=court").status_code == 404
    with pytest.raises(PermissionDenied):
        case_export_print(actor=demo_users[username], case=case, purpose="court")
    assert _exports() == []
    assert not AuditEntry.objects.filter(action="child.identity.read").exclude(actor_username="caseworker-se").exists()


def test_an_anonymised_case_cannot_be_exported(demo_users, case: Case) -> None:
    case_anonymise(case=case)
    case.refresh_from_db()
    with pytest.raises(PermissionDenied):
        case_export_print(actor=demo_users["caseworker-se"], case=case, purpose="statistics")
    assert _exports() == []


# --- The caseload CSV --------------------------------------------------------------------------


def _rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("SE-2026-00001", "SE-2026-00001"),
        ("Wren-12", "Wren-12"),
        (None, ""),
    ],
)
def test_formulas_are_neutralised(value, safe) -> None:
    assert spreadsheet_safe(value) == safe


def test_the_caseload_csv_has_the_watermark_the_columns_and_no_identity(client_as, demo_users) -> None:
    owner = demo_users["caseworker-se"]
    first = open_case(owner, pseudonym='=HYPERLINK("http://evil.example","click")')
    second = open_case(owner)
    open_case(demo_users["caseworker-lt"])  # another country's case: not in this caseload
    response = client_as("caseworker-se").get("/ru/cases/export/caseload/?purpose=statistics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="caseload-statistics-\d{8}-\d{4}\.csv"', response["Content-Disposition"])
    rows = _rows(response.content)
    # the first row is the watermark, the second the headers, then one row per case
    assert len(rows[0]) == 1
    assert rows[0][0].startswith("# ")
    assert "caseworker-se" in rows[0][0]
    assert len(rows[1]) == len(CSV_FIELDS)
    body = {row[0]: row for row in rows[2:]}
    assert set(body) == {first.number, second.number}
    assert body[first.number][1] == '\'=HYPERLINK("http://evil.example","click")'
    assert body[second.number][1:] == [second.child.pseudonym, "open", "medium", second.child.age_band, "SE", second.opened_on.isoformat()]
    text = response.content.decode("utf-8-sig")
    assert "Syntheticova" not in text
    assert "2011-04-02" not in text


def test_the_caseload_csv_is_audited_per_case_and_as_a_whole(demo_users) -> None:
    owner = demo_users["caseworker-se"]
    cases = [open_case(owner), open_case(owner)]
    export = caseload_export_csv(actor=owner, purpose="court")
    assert export.count == 2
    entries = _exports()
    assert sorted(e.object_id for e in entries if e.object_id) == sorted(str(c.pk) for c in cases)
    assert {e.purpose for e in entries if e.object_id} == {"court: caseload CSV"}
    assert [e.purpose for e in entries if not e.object_id] == ["court: caseload CSV, 2 cases"]
    # whatever the purpose, the columns are the same non-identifying ones
    assert _rows(export.content.encode())[1] == ["Case number", "Pseudonym", "Status", "Risk", "Age band", "Country", "Opened"]


def test_the_caseload_csv_leaves_out_anonymised_and_break_glass_cases(demo_users) -> None:
    owner = demo_users["caseworker-se"]
    kept = open_case(owner)
    gone = open_case(owner)
    case_anonymise(case=gone)
    export = caseload_export_csv(actor=owner, purpose="statistics")
    assert [row[0] for row in _rows(export.content.encode())[2:]] == [kept.number]


def test_the_csv_needs_a_purpose_and_people_without_a_caseload_cannot_export(client_as, demo_users) -> None:
    chooser = client_as("caseworker-se").get("/en/cases/export/caseload/")
    assert chooser.status_code == 200
    assert 'name="purpose"' in chooser.content.decode()
    assert client_as("caseworker-se").get("/en/cases/export/caseload/?purpose=nosy").status_code == 400
    for username in ("secretariat", "sysadmin", "researcher", "member-fi"):
        assert client_as(username).get("/en/cases/export/caseload/?purpose=statistics").status_code == 403
        with pytest.raises(PermissionDenied):
            caseload_export_csv(actor=demo_users[username], purpose="statistics")
    assert client_as("anonymous").get("/en/cases/export/caseload/?purpose=statistics").status_code == 302
    assert _exports() == []


def test_the_records_page_offers_the_export_to_those_who_may(client_as, case: Case) -> None:
    html = client_as("caseworker-se").get(f"/en/cases/{case.pk}/records/").content.decode()
    assert f'action="/en/cases/{case.pk}/export/"' in html


def test_the_case_file_downloads_as_a_pdf_and_is_audited(client_as, case: Case) -> None:
    response = client_as("caseworker-se").get(f"/en/cases/{case.pk}/export/?purpose=receiving_authority")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{case.number}-receiving_authority.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert [e.purpose for e in _exports()] == ["receiving_authority: printable case file"]
