"""The caseload and the case overview, as a caseworker uses them, in English and Russian."""

from __future__ import annotations

import pytest

from carnet.audit.models import AuditEntry
from carnet.cases.identity import read_identity
from carnet.cases.models import Case, Flag
from carnet.cases.models.codes import FlagKind
from carnet.cases.services import flag_raise
from tests.cases.factories import open_case

pytestmark = pytest.mark.django_db


def test_opening_a_case_through_the_form(client_as, demo_users):
    client = client_as("caseworker-se")
    response = client.post(
        "/en/cases/new/",
        {
            "country": "SE", "opened_on": "2026-02-01", "given_names": "Formy", "family_name": "Fieldling",
            "sex": "female", "date_of_birth": "2012-05-05", "risk_level": "high", "legal_basis": "legal_mandate",
        },
    )  # fmt: skip
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/cases/{case.pk}/"
    assert read_identity(case.child).full_name == "Formy Fieldling"
    assert case.risk_level == "high"


def test_the_open_form_refuses_a_birth_after_opening_and_keeps_what_was_typed(client_as):
    response = client_as("caseworker-se").post(
        "/ru/cases/new/",
        {
            "country": "SE",
            "opened_on": "2026-02-01",
            "given_names": "Later",
            "date_of_birth": "2026-03-01",
            "sex": "unknown",
            "risk_level": "low",
            "legal_basis": "legal_mandate",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert Case.objects.count() == 0
    assert 'value="Later"' in html
    assert 'lang="ru"' in html


def test_the_caseload_shows_pseudonyms_never_names(client_as, demo_users):
    case = open_case(demo_users["caseworker-se"])
    html = client_as("caseworker-se").get("/en/cases/").content.decode()
    assert case.number in html
    assert case.child.pseudonym in html
    assert "Syntheticova" not in html


def test_the_caseload_searches_a_name_and_finds_the_case(client_as, demo_users):
    case = open_case(demo_users["caseworker-se"])
    html = client_as("ncp-se").get("/en/cases/", {"q": "tessa"}).content.decode()
    assert case.number in html
    html = client_as("ncp-se").get("/en/cases/", {"q": "nobody"}).content.decode()
    assert case.number not in html


def test_the_caseload_filters_by_flag(client_as, demo_users):
    flagged, plain = open_case(demo_users["caseworker-se"]), open_case(demo_users["caseworker-se"])
    flag_raise(actor=demo_users["caseworker-se"], case=flagged, kind=FlagKind.SELF_HARM, reason="synthetic")
    html = client_as("caseworker-se").get("/en/cases/", {"flag": "self_harm"}).content.decode()
    assert flagged.number in html
    assert plain.number not in html


@pytest.mark.parametrize(("lang", "heading"), [("en", "The child"), ("ru", "Ребёнок")])
def test_the_overview_shows_the_identity_to_the_team_and_audits_it(lang, heading, client_as, demo_users):
    case = open_case(demo_users["caseworker-se"])
    html = client_as("supervisor-se").get(f"/{lang}/cases/{case.pk}/").content.decode()
    assert "Testa Syntheticova" in html
    assert heading in html
    assert AuditEntry.objects.filter(action="child.identity.read", actor_username="supervisor-se").count() == 1
    assert AuditEntry.objects.filter(action="case.view", actor_username="supervisor-se", purpose="overview").count() == 1


@pytest.mark.parametrize("username", ["caseworker-lt", "ncp-lt", "secretariat", "sysadmin"])
def test_outsiders_get_404_and_leave_no_identity_read(username, client_as, demo_users):
    case = open_case(demo_users["caseworker-se"])
    for lang in ("en", "ru"):
        assert client_as(username).get(f"/{lang}/cases/{case.pk}/").status_code == 404
    assert not AuditEntry.objects.filter(action="child.identity.read", actor_username=username).exists()


def test_a_stale_identity_form_says_who_saved_first(client_as, demo_users):
    case = open_case(demo_users["caseworker-se"])
    data = {"given_names": "A", "family_name": "B", "sex": "unknown", "version": case.version}
    assert client_as("supervisor-se").post(f"/en/cases/{case.pk}/identity/", data).status_code == 302
    response = client_as("caseworker-se").post(f"/en/cases/{case.pk}/identity/", {**data, "given_names": "C"})
    assert response.status_code == 409
    assert "supervisor-se saved this case" in response.content.decode()
    case.child.refresh_from_db()
    assert read_identity(case.child).given_names == "A"


def test_removing_a_flag_of_another_case_is_not_found(client_as, demo_users):
    mine = open_case(demo_users["caseworker-se"])
    theirs = open_case(demo_users["caseworker-lt"])
    flag = flag_raise(actor=demo_users["caseworker-lt"], case=theirs, kind=FlagKind.OTHER, reason="x")
    # through a case of one's own, with a flag id of another case
    response = client_as("caseworker-se").post(f"/en/cases/{mine.pk}/flags/{flag.pk}/remove/", {"reason": "not mine"})
    assert response.status_code == 400
    # directly on the other country's case
    assert client_as("caseworker-se").post(f"/en/cases/{theirs.pk}/flags/{flag.pk}/remove/", {"reason": "x"}).status_code == 404
    assert Flag.objects.get(pk=flag.pk).removed_at is None


def test_break_glass_page_does_not_reveal_whether_a_case_exists(client_as, demo_users):
    case = open_case(demo_users["caseworker-lt"])
    client = client_as("ncp-se")
    for number in (case.number, "LT-2026-99999"):
        response = client.post("/en/cases/break-glass/", {"number": number, "reason": "a long enough reason to ask"})
        assert response.status_code == 200
        assert "There is no case with this number that you may open in an emergency." in response.content.decode()


def test_approving_an_override_is_for_a_supervisor_of_the_case_only(client_as, demo_users):
    from django.utils import timezone

    from carnet.cases.services import legal_basis_record

    case = open_case(demo_users["caseworker-se"])
    entry = legal_basis_record(
        actor=demo_users["caseworker-se"], case=case, basis="legal_mandate", given_by="court", scope="all",
        recorded_on=timezone.localdate(), override_reason="guardian refuses; risk of re-trafficking",
    )  # fmt: skip
    expected = {
        "anonymous": 302,
        "caseworker-lt": 404,
        "ncp-lt": 404,
        "secretariat": 404,
        "sysadmin": 404,
        "caseworker-se": 403,
        "ncp-se": 403,
    }
    for username, status in expected.items():
        assert client_as(username).post(f"/en/cases/{case.pk}/legal-basis/{entry.pk}/approve/").status_code == status, username
        entry.refresh_from_db()
        assert entry.override_approved_by is None
    assert client_as("supervisor-se").post(f"/en/cases/{case.pk}/legal-basis/{entry.pk}/approve/").status_code == 302
    entry.refresh_from_db()
    assert entry.override_approved_by == demo_users["supervisor-se"]


PNG_1x1 = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_the_childs_photo_is_encrypted_and_shown_to_the_team_only(client_as, demo_users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = open_case(demo_users["caseworker-se"])
    # outsiders cannot set it
    upload = SimpleUploadedFile("p.png", PNG_1x1, content_type="image/png")
    assert client_as("caseworker-lt").post(f"/en/cases/{case.pk}/photo/", {"photo": upload}).status_code == 404
    case.child.refresh_from_db()
    assert case.child.photo_enc is None
    # the owner sets it; it is stored encrypted
    upload = SimpleUploadedFile("p.png", PNG_1x1, content_type="image/png")
    assert client_as("caseworker-se").post(f"/en/cases/{case.pk}/photo/", {"photo": upload}).status_code == 302
    case.child.refresh_from_db()
    assert b"IHDR" not in bytes(case.child.photo_enc)
    expected = {
        "anonymous": 302,
        "caseworker-se": 200,
        "supervisor-se": 200,
        "ncp-se": 200,
        "caseworker-lt": 404,
        "ncp-lt": 404,
        "secretariat": 404,
        "sysadmin": 404,
    }
    for username, status in expected.items():
        response = client_as(username).get(f"/en/cases/{case.pk}/photo/")
        assert response.status_code == status, username
        if status == 200:
            assert response.content == PNG_1x1
            assert response["Content-Type"] == "image/png"
            assert response["Cache-Control"] == "no-store"
    assert AuditEntry.objects.filter(action="child.identity.read", purpose="photo").count() == 3


def test_a_photo_that_is_not_an_image_is_refused(client_as, demo_users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = open_case(demo_users["caseworker-se"])
    upload = SimpleUploadedFile("p.png", b"%PDF-1.4 not an image", content_type="image/png")
    response = client_as("caseworker-se").post(f"/ru/cases/{case.pk}/photo/", {"photo": upload})
    assert response.status_code == 400
    assert "PNG" in response.content.decode()
    case.child.refresh_from_db()
    assert case.child.photo_enc is None
