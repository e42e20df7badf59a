"""The referrals API: the journey from Sweden to Lithuania, what the receiving side sees, bad input, and who may do what."""

from __future__ import annotations

import base64
import enum
import json
import typing
from datetime import timedelta
from typing import Any

import pytest
from django.urls import get_resolver
from django.utils import timezone
from pydantic import BaseModel

from carnet.accounts.services import token_create
from carnet.audit.models import AuditEntry
from carnet.cases.models import Case
from carnet.referrals.api.core import API_ENUMS
from carnet.referrals.models import FollowUpReport, Referral, ReferralEvent, ReferralNote, Status
from carnet.referrals.services import (
    Upload,
    note_post,
    referral_accept,
    referral_acknowledge,
    referral_request_information,
)
from tests.cases.factories import open_case, synthetic_identity
from tests.fixtures import ROLES
from tests.matrix.referrals_api import API as REFERRAL_API
from tests.referrals.factories import draft_referral, returnable_case, sent_referral

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals"
PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
OUTSIDERS = ["caseworker-lt", "coordinator-lt", "secretariat", "researcher", "expert-ee", "member-fi", "sysadmin"]


def post(client, path: str, body: dict[str, Any] | None = None, **headers: str):
    return client.post(path, data=json.dumps(body if body is not None else {}), content_type="application/json", **headers)


def today() -> str:
    return timezone.localdate().isoformat()


def new_body(case: Case, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "case_id": str(case.pk),
        "to_country": "LT",
        "purpose": "return_preparation",
        "legal_basis": "consent",
        "legal_basis_decided_by": "The child and the appointed guardian",
        "legal_basis_decided_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
        "note": "Please prepare the return.",
    }
    body.update(overrides)
    return body


def information_request(users, **overrides: Any) -> Referral:
    """A referral sent from a plain Swedish case of caseworker-se, asking Lithuania for information (profile "minimal")."""
    case = open_case(users["caseworker-se"])
    values = {"purpose": "information_request", "legal_basis": "legal_mandate", **overrides}
    return sent_referral(users, case, **values)


def field_names(response) -> list[str]:
    return sorted({error["field"] for error in response.json()["errors"]})


def snapshot(referral: Referral | None = None) -> tuple[Any, ...]:
    """Everything a denied request must leave as it was."""
    counts = (Referral.objects.count(), Case.objects.count(), ReferralEvent.objects.count(), ReferralNote.objects.count())
    counts += (FollowUpReport.objects.count(), AuditEntry.objects.count())
    if referral is None:
        return counts
    fresh = Referral.objects.get(pk=referral.pk)
    return (*counts, fresh.status, fresh.version, fresh.assigned_to_id, fresh.receiving_case_id)


# --- The journey ----------------------------------------------------------------------------------


def test_the_whole_journey_from_sweden_to_lithuania(client_as, demo_users):
    se, lt, worker = client_as("ncp-se"), client_as("ncp-lt"), client_as("caseworker-se")
    case = returnable_case(demo_users)

    # given ncp-se drafts a return referral of a Swedish case to Lithuania
    created = post(se, URL, new_body(case))
    assert created.status_code == 201, created.content
    draft = created.json()
    assert (draft["status"], draft["side"], draft["to_country"], draft["from_country"]) == ("draft", "sender", "LT", "SE")
    assert draft["case"] == {"id": str(case.pk), "number": case.number}
    assert draft["shared"] is None
    assert draft["profile"]["name"] == "return"
    assert draft["actions"] == ["send", "withdraw"]
    referral_id = draft["id"]
    # a draft is not in Lithuania's inbox
    assert lt.get(URL).json()["count"] == 0

    # when ncp-se sends it
    sent = post(se, f"{URL}/{referral_id}/send")
    assert sent.status_code == 200, sent.content
    assert sent.json()["status"] == "sent"

    # then it is in ncp-lt's inbox, without the sender's case
    inbox = lt.get(URL, {"box": "inbox"}).json()
    assert inbox["count"] == 1
    row = inbox["items"][0]
    assert (row["id"], row["reference"], row["side"], row["status"], row["case"]) == (
        referral_id,
        draft["reference"],
        "receiver",
        "sent",
        None,
    )
    assert case.number not in json.dumps(inbox)
    assert lt.get(f"{URL}/counts", {"box": "inbox"}).json() == {
        "box": "inbox",
        "by_status": {s: (1 if s == "sent" else 0) for s in Status.values},
        "overdue": 0,
        "total": 1,
    }

    # and its detail shows what the return profile shares, and what ncp-lt may do
    detail = lt.get(f"{URL}/{referral_id}").json()
    assert detail["case"] is None
    assert case.number not in json.dumps(detail)
    assert (detail["shared"]["given_names"], detail["shared"]["family_name"]) == ("Testa", "Syntheticova")
    assert detail["shared"]["return_plan"]["receiving_country"] == "LT"
    assert "contacts" not in detail["shared"]
    assert detail["note"] == "Please prepare the return."
    assert detail["legal_basis"]["basis"] == "consent"
    assert detail["actions"] == ["acknowledge", "request-information", "accept", "decline", "assign", "messages"]

    # when ncp-lt acknowledges and asks for information
    assert post(lt, f"{URL}/{referral_id}/acknowledge").json()["status"] == "acknowledged"
    asked = post(lt, f"{URL}/{referral_id}/request-information", {"question": "Which school did the child attend?"})
    assert asked.status_code == 200
    assert asked.json()["status"] == "info_requested"
    assert asked.json()["actions"] == ["decline", "assign", "messages"]

    # and caseworker-se answers it
    answered = post(worker, f"{URL}/{referral_id}/provide-information", {"answer": "Grade 7 in Vilnius."})
    assert answered.status_code == 200, answered.content
    assert answered.json()["status"] == "acknowledged"

    # when ncp-lt accepts, assigning caseworker-lt
    accepted = post(lt, f"{URL}/{referral_id}/accept", {"assign_to": "caseworker-lt"})
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    referral = Referral.objects.select_related("receiving_case__country").get(pk=referral_id)
    # then a Lithuanian case exists, and is the receiving side's case of the referral
    assert referral.receiving_case is not None
    assert referral.receiving_case.country.code == "LT"
    assert body["case"] == {"id": str(referral.receiving_case.pk), "number": referral.receiving_case.number}
    assert (body["status"], body["assigned_to"]) == ("accepted", "caseworker-lt")

    # when ncp-lt accepts again, then it is a conflict and nothing changes
    before = snapshot(referral)
    again = post(lt, f"{URL}/{referral_id}/accept", {})
    assert again.status_code == 409
    assert again.json() == {"detail": "This referral has already been accepted. Nothing was changed.", "code": "wrong_status"}
    assert snapshot(referral) == before

    # and caseworker-se follows every step on the timeline
    timeline = worker.get(f"{URL}/{referral_id}/timeline")
    assert timeline.status_code == 200
    steps = [(e["kind"], e["status"], e["side"], e["actor"]) for e in timeline.json()]
    assert steps == [
        ("created", "draft", "sender", "ncp-se"),
        ("sent", "sent", "sender", "ncp-se"),
        ("delivered", "sent", "system", "carnet"),
        ("acknowledged", "acknowledged", "receiver", "ncp-lt"),
        ("info_requested", "info_requested", "receiver", "ncp-lt"),
        ("info_provided", "acknowledged", "sender", "caseworker-se"),
        ("accepted", "accepted", "receiver", "ncp-lt"),
    ]
    assert timeline.json()[4]["note"] == "Which school did the child attend?"
    # and the outbox of the sending side names its own case
    outbox = worker.get(URL, {"box": "outbox"}).json()
    assert [(r["id"], r["case"]["number"], r["side"]) for r in outbox["items"]] == [(referral_id, case.number, "sender")]
    # and every step was audited
    actions = set(AuditEntry.objects.filter(object_id=referral_id).values_list("action", flat=True))
    assert {"referral.draft", "referral.send", "referral.acknowledge", "referral.request_information"} <= actions
    assert {"referral.provide_information", "referral.accept", "referral.view", "referral.subject.read"} <= actions


def test_the_receiving_side_sees_only_the_minimal_profile(client_as, demo_users):
    # given a referral that shares the "minimal" profile
    referral = information_request(demo_users, profile="minimal")
    # when ncp-lt reads it
    detail = client_as("ncp-lt").get(f"{URL}/{referral.pk}").json()
    # then the subject carries no name and no date of birth, not even as empty keys
    assert set(detail["shared"]) <= {"sex", "age_band", "citizenships", "languages"}
    for absent in ("given_names", "family_name", "aliases", "date_of_birth", "identity_documents"):
        assert absent not in detail["shared"]
    assert "Testa" not in json.dumps(detail)
    assert [f["code"] for f in detail["profile"]["fields"]] == ["sex", "age_band", "citizenships", "languages"]
    # and the sender's record of what was shared is the same
    assert client_as("ncp-se").get(f"{URL}/{referral.pk}").json()["shared"] == detail["shared"]


def test_declining_needs_a_reason_then_closes_the_referral(client_as, demo_users):
    referral = information_request(demo_users)
    lt = client_as("ncp-lt")
    before = snapshot(referral)
    # when ncp-lt declines without a reason, then 422 names the field and nothing changes
    response = post(lt, f"{URL}/{referral.pk}/decline", {"reason": "  "})
    assert response.status_code == 422
    assert field_names(response) == ["reason"]
    assert "Say why the referral is declined" in response.json()["errors"][0]["reason"]
    assert snapshot(referral) == before
    # when it has a reason, then it is declined and nothing more can be done
    declined = post(lt, f"{URL}/{referral.pk}/decline", {"reason": "No competence for this child."})
    assert declined.status_code == 200
    assert (declined.json()["status"], declined.json()["actions"]) == ("declined", [])
    timeline = client_as("ncp-se").get(f"{URL}/{referral.pk}/timeline").json()
    assert (timeline[-1]["kind"], timeline[-1]["note"]) == ("declined", "No competence for this child.")


def test_assign_start_complete_and_withdraw(client_as, demo_users):
    lt, se = client_as("ncp-lt"), client_as("ncp-se")
    referral = information_request(demo_users)
    assigned = post(lt, f"{URL}/{referral.pk}/assign", {"username": "caseworker-lt"})
    assert (assigned.status_code, assigned.json()["assigned_to"]) == (200, "caseworker-lt")
    wrong = post(lt, f"{URL}/{referral.pk}/assign", {"username": "caseworker-se"})
    assert (wrong.status_code, field_names(wrong)) == (422, ["username"])
    # accepting needs no body
    assert lt.post(f"{URL}/{referral.pk}/accept", content_type="application/json").json()["status"] == "accepted"
    # the assignee works on it
    cw = client_as("caseworker-lt")
    assert cw.get(f"{URL}/{referral.pk}").json()["actions"] == ["start", "complete", "messages"]
    assert post(cw, f"{URL}/{referral.pk}/start").json()["status"] == "in_progress"
    bad = post(cw, f"{URL}/{referral.pk}/complete", {"outcome": "vanished"})
    assert (bad.status_code, field_names(bad)) == (422, ["outcome"])
    completed = post(cw, f"{URL}/{referral.pk}/complete", {"outcome": "information_provided", "note": "Sent the school record."})
    assert (completed.status_code, completed.json()["outcome"], completed.json()["status"]) == (200, "information_provided", "completed")
    # a completed referral cannot be withdrawn
    withdrawn = post(se, f"{URL}/{referral.pk}/withdraw", {"reason": "Too late"})
    assert (withdrawn.status_code, withdrawn.json()["code"]) == (409, "wrong_status")
    # an open one can, by the sending NCP
    other = information_request(demo_users)
    done = post(se, f"{URL}/{other.pk}/withdraw", {"reason": "The child was found in Sweden."})
    assert (done.status_code, done.json()["status"]) == (200, "withdrawn")


def test_a_caseworker_draft_is_sent_after_approval(client_as, demo_users):
    worker, se = client_as("caseworker-se"), client_as("ncp-se")
    case = open_case(demo_users["caseworker-se"])
    created = post(worker, URL, new_body(case, purpose="family_tracing"))
    assert created.status_code == 201, created.content
    referral_id = created.json()["id"]
    assert created.json()["profile"]["name"] == "identification"
    assert created.json()["actions"] == ["approval-request", "withdraw"]
    # the caseworker may not send it
    assert post(worker, f"{URL}/{referral_id}/send").status_code == 403
    asked = post(worker, f"{URL}/{referral_id}/approval-request")
    assert (asked.status_code, asked.json()["approval_requested_at"] is not None, asked.json()["actions"]) == (200, True, ["withdraw"])
    twice = post(worker, f"{URL}/{referral_id}/approval-request")
    assert (twice.status_code, twice.json()["code"]) == (409, "wrong_status")
    # the NCP sends it
    assert se.get(f"{URL}/{referral_id}").json()["actions"] == ["send", "withdraw"]
    assert post(se, f"{URL}/{referral_id}/send").json()["status"] == "sent"


# --- Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("country", ["RU", "DE", "SE", "XX", "ru"])
def test_a_country_without_an_operational_ncp_is_refused(client_as, demo_users, country):
    case, se = returnable_case(demo_users), client_as("ncp-se")
    before = snapshot()
    response = post(se, URL, new_body(case, to_country=country))
    assert response.status_code == 422
    assert field_names(response) == ["to_country"]
    assert snapshot() == before


def test_a_profile_wider_than_the_purpose_is_refused(client_as, demo_users):
    case, se = open_case(demo_users["caseworker-se"]), client_as("ncp-se")
    before = snapshot()
    response = post(se, URL, new_body(case, purpose="information_request", profile="return"))
    assert response.status_code == 422
    assert field_names(response) == ["profile"]
    assert "does not allow sharing" in response.json()["errors"][0]["reason"]
    assert snapshot() == before


def test_a_referral_without_a_legal_basis_is_refused(client_as, demo_users):
    case, se = returnable_case(demo_users), client_as("ncp-se")
    before = snapshot()
    body = new_body(case)
    for key in ("legal_basis", "legal_basis_decided_by", "legal_basis_decided_on"):
        del body[key]
    response = post(se, URL, body)
    assert response.status_code == 422
    assert field_names(response) == ["legal_basis", "legal_basis_decided_by", "legal_basis_decided_on"]
    assert response.json()["errors"][0]["reason"].startswith("A referral needs a legal basis")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"purpose": "adoption"}, "purpose"),
        ({"urgency": "yesterday"}, "urgency"),
        ({"legal_basis": "because"}, "legal_basis"),
        ({"case_id": "not-a-uuid"}, "case_id"),
        ({"case_id": 12}, "case_id"),
        ({"to_country": "LTU"}, "to_country"),
        ({"note": "x" * 100_000}, "note"),
        ({"legal_basis_decided_by": "x" * 10_000}, "legal_basis_decided_by"),
        ({"legal_basis_decided_on": "2999-01-01"}, "legal_basis_decided_on"),
        ({"legal_basis_decided_on": "yesterday"}, "legal_basis_decided_on"),
        ({"respond_by": "2000-01-01"}, "respond_by"),
        ({"profile": "everything"}, "profile"),
        ({"profile": "p" * 1000}, "profile"),
    ],
)
def test_garbage_in_a_new_referral_is_a_422_naming_the_field(client_as, demo_users, change, field):
    case, se = returnable_case(demo_users), client_as("ncp-se")
    before = snapshot()
    response = post(se, URL, new_body(case, **change))
    assert response.status_code == 422, response.content
    assert field_names(response) == [field]
    assert snapshot() == before


def test_a_case_one_cannot_see_or_that_does_not_exist_is_404(client_as, demo_users):
    case = returnable_case(demo_users)
    assert post(client_as("ncp-lt"), URL, new_body(case)).status_code == 404
    assert post(client_as("ncp-se"), URL, new_body(case, case_id="00000000-0000-0000-0000-000000000000")).status_code == 404
    assert Referral.objects.count() == 0


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("request-information", {"question": "q" * 100_000}),
        ("request-information", {"question": ["a list"]}),
        ("decline", {"reason": None}),
        ("assign", {"username": "u" * 1000}),
        ("accept", {"existing_case": "n" * 1000}),
        ("complete", {"outcome": None}),
    ],
)
def test_garbage_in_a_step_is_a_422_and_changes_nothing(client_as, demo_users, path, body):
    referral, lt = information_request(demo_users), client_as("ncp-lt")
    before = snapshot(referral)
    response = post(lt, f"{URL}/{referral.pk}/{path}", body)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid"
    assert snapshot(referral) == before


def test_accepting_with_a_case_one_cannot_link_is_a_422(client_as, demo_users):
    referral, lt = information_request(demo_users), client_as("ncp-lt")
    before = snapshot(referral)
    response = post(lt, f"{URL}/{referral.pk}/accept", {"existing_case": "LT-0000-NOPE"})
    assert (response.status_code, field_names(response)) == (422, ["existing_case"])
    assert snapshot(referral) == before


@pytest.mark.parametrize(
    "query",
    [
        {"box": "trash"},
        {"status": "lost"},
        {"purpose": "fun"},
        {"overdue": "maybe"},
        {"country": "LTU"},
        {"q": "q" * 1000},
        {"limit": "-1"},
        {"offset": "x"},
    ],
)
def test_garbage_in_the_list_filters_is_a_422(client_as, demo_users, query):
    response = client_as("ncp-lt").get(URL, query)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_list_filters(client_as, demo_users):
    referral = information_request(demo_users)
    lt = client_as("ncp-lt")

    def ids(**query: str) -> list[str]:
        return [r["id"] for r in lt.get(URL, query).json()["items"]]

    assert ids() == [str(referral.pk)]
    assert ids(status="sent", purpose="information_request", country="se") == [str(referral.pk)]
    assert ids(status="accepted") == []
    assert ids(purpose="family_tracing") == []
    assert ids(country="FI") == []
    assert ids(q=referral.reference) == [str(referral.pk)]
    assert ids(q="XB-0000-0000") == []
    assert ids(box="outbox") == []
    # overdue: past the deadline without an answer
    assert ids(overdue="true") == []
    Referral.objects.filter(pk=referral.pk).update(respond_by=timezone.localdate() - timedelta(days=1))
    assert ids(overdue="true") == [str(referral.pk)]
    assert lt.get(URL).json()["items"][0]["overdue"] is True
    assert lt.get(f"{URL}/counts").json()["overdue"] == 1


@pytest.mark.parametrize("ref", ["not-a-uuid", "1", "XB-0000-0000", "' OR 1=1 --"])
def test_a_malformed_referral_id_is_a_422(client_as, demo_users, ref):
    response = client_as("ncp-lt").get(f"{URL}/{ref}")
    assert response.status_code == 422
    assert field_names(response) == ["referral_id"]


# --- Who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize("username", OUTSIDERS)
def test_nobody_else_sees_a_referral(client_as, demo_users, username):
    referral = information_request(demo_users)
    client = client_as(username)
    before = snapshot(referral)
    for suffix in ("", "/timeline", "/messages", "/follow-ups"):
        response = client.get(f"{URL}/{referral.pk}{suffix}")
        assert response.status_code == 404, suffix
        assert response.json() == {"detail": "Not found.", "code": "not_found"}
    for step in ("acknowledge", "accept", "withdraw", "send", "start"):
        assert post(client, f"{URL}/{referral.pk}/{step}", {"reason": "x"}).status_code == 404
    assert post(client, f"{URL}/{referral.pk}/messages", {"body": "Hello"}).status_code == 404
    assert client.get(URL, {"box": "inbox"}).json()["count"] == 0
    assert client.get(URL, {"box": "outbox"}).json()["count"] == 0
    assert snapshot(referral) == before


def test_a_random_referral_id_is_404(client_as, demo_users):
    assert client_as("ncp-lt").get(f"{URL}/00000000-0000-0000-0000-000000000000").status_code == 404


def test_anonymous_callers_get_401(client_as, demo_users):
    referral = information_request(demo_users)
    anonymous = client_as("anonymous")
    for path in (URL, f"{URL}/counts", f"{URL}/profiles", f"{URL}/{referral.pk}"):
        response = anonymous.get(path)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"
    assert post(anonymous, f"{URL}/{referral.pk}/acknowledge").status_code == 401
    assert Referral.objects.get(pk=referral.pk).status == Status.SENT


def test_a_bearer_token_works(client, demo_users):
    referral = information_request(demo_users)
    secret = token_create(actor=None, user=demo_users["ncp-lt"], name="inbox").secret
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["items"]] == [str(referral.pk)]


def test_the_sending_side_may_not_answer_and_the_receiving_side_may_not_withdraw(client_as, demo_users):
    referral = information_request(demo_users)
    clients = {username: client_as(username) for username in ("caseworker-se", "supervisor-se", "ncp-se", "ncp-lt")}
    before = snapshot(referral)
    for username in ("caseworker-se", "supervisor-se", "ncp-se"):
        response = post(clients[username], f"{URL}/{referral.pk}/accept", {})
        assert response.json() == {"detail": "Permission denied.", "code": "forbidden"}
    assert post(clients["ncp-lt"], f"{URL}/{referral.pk}/withdraw", {"reason": "mine now"}).status_code == 403
    assert snapshot(referral) == before
    assert client_as("supervisor-se").get(f"{URL}/{referral.pk}").json()["actions"] == ["messages"]


# --- The thread ------------------------------------------------------------------------------------


def attachment(kind: str, filename: str, content: bytes) -> dict[str, str]:
    return {"kind": kind, "filename": filename, "content_base64": base64.b64encode(content).decode()}


def test_messages_with_an_attachment_both_ways(client_as, demo_users):
    referral = information_request(demo_users)
    se, lt = client_as("ncp-se"), client_as("ncp-lt")
    # when ncp-se writes with a letter attached
    written = post(
        se, f"{URL}/{referral.pk}/messages", {"body": "The letter.", "attachments": [attachment("correspondence", "letter.pdf", PDF_BYTES)]}
    )
    assert written.status_code == 201, written.content
    message = written.json()
    assert (message["side"], message["author"], message["body"]) == ("sender", "ncp-se", "The letter.")
    [sent] = message["attachments"]
    assert (sent["kind"], sent["filename"], sent["content_type"], sent["size"]) == (
        "correspondence",
        "letter.pdf",
        "application/pdf",
        len(PDF_BYTES),
    )
    # then ncp-lt reads it and downloads the file as it was sent
    thread = lt.get(f"{URL}/{referral.pk}/messages").json()
    assert [(m["body"], [a["id"] for a in m["attachments"]]) for m in thread] == [("The letter.", [sent["id"]])]
    download = lt.get(f"{URL}/{referral.pk}/attachments/{sent['id']}")
    assert download.status_code == 200
    assert download.content == PDF_BYTES
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="letter.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert AuditEntry.objects.filter(action="referral.attachment.download", actor_username="ncp-lt").count() == 1
    # and answers
    answer = post(lt, f"{URL}/{referral.pk}/messages", {"body": "Received."})
    assert (answer.status_code, answer.json()["side"]) == (201, "receiver")
    assert [m["body"] for m in se.get(f"{URL}/{referral.pk}/messages").json()] == ["The letter.", "Received."]
    # outsiders and wrong ids get nothing
    assert client_as("caseworker-lt").get(f"{URL}/{referral.pk}/attachments/{sent['id']}").status_code == 404
    assert lt.get(f"{URL}/{referral.pk}/attachments/00000000-0000-0000-0000-000000000000").status_code == 404
    assert lt.get(f"{URL}/{referral.pk}/attachments/nope").status_code == 422
    other = information_request(demo_users)
    assert lt.get(f"{URL}/{other.pk}/attachments/{sent['id']}").status_code == 404


@pytest.mark.parametrize(
    ("attachments", "field", "says"),
    [
        ([attachment("identity_document", "passport.pdf", PDF_BYTES)], "attachments.0.kind", "does not include documents of this kind"),
        (
            [attachment("correspondence", "a.pdf", PDF_BYTES), attachment("medical", "b.pdf", PDF_BYTES)],
            "attachments.1.kind",
            "does not include documents of this kind",
        ),
        ([attachment("correspondence", "photo.png", PDF_BYTES)], "attachments.0.content_base64", "named as PNG but its content is PDF"),
        ([attachment("correspondence", "empty.pdf", b"")], "attachments.0.content_base64", "The file is empty."),
        ([attachment("correspondence", "run.exe", b"MZ\x90\x00")], "attachments.0.content_base64", "Files ending in .exe"),
        (
            [{"kind": "correspondence", "filename": "a.pdf", "content_base64": "%%% not base64 %%%"}],
            "attachments.0.content_base64",
            "base64",
        ),
        ([{"kind": "passport_scan", "filename": "a.pdf", "content_base64": ""}], "attachments.0.kind", ""),
        ([{"kind": "correspondence", "filename": "", "content_base64": ""}], "attachments.0.filename", ""),
        ([attachment("correspondence", "a.pdf", PDF_BYTES)] * 11, "attachments", ""),
    ],
)
def test_a_refused_attachment_says_why_and_stores_nothing(client_as, demo_users, attachments, field, says):
    # given a referral that shares the "minimal" profile: letters only
    referral, se = information_request(demo_users), client_as("ncp-se")
    before = snapshot(referral)
    response = post(se, f"{URL}/{referral.pk}/messages", {"body": "See attached.", "attachments": attachments})
    assert response.status_code == 422, response.content
    assert field_names(response) == [field]
    assert says in response.json()["errors"][0]["reason"]
    assert snapshot(referral) == before


@pytest.mark.parametrize("body", [{"body": ""}, {"body": "x" * 100_000}, {"body": 5}, {}])
def test_a_message_needs_a_body_of_sensible_length(client_as, demo_users, body):
    referral, lt = information_request(demo_users), client_as("ncp-lt")
    before = snapshot(referral)
    response = post(lt, f"{URL}/{referral.pk}/messages", body)
    assert response.status_code == 422
    assert field_names(response) == ["body"]
    assert snapshot(referral) == before


def test_no_message_on_a_draft_or_a_closed_referral(client_as, demo_users):
    draft = draft_referral(demo_users, open_case(demo_users["caseworker-se"]), purpose="information_request")
    assert post(client_as("ncp-se"), f"{URL}/{draft.pk}/messages", {"body": "Hi"}).status_code == 403
    closed = information_request(demo_users)
    post(client_as("ncp-se"), f"{URL}/{closed.pk}/withdraw", {"reason": "Found"})
    response = post(client_as("ncp-lt"), f"{URL}/{closed.pk}/messages", {"body": "Hi"})
    assert (response.status_code, response.json()["code"]) == (409, "wrong_status")
    assert ReferralNote.objects.count() == 0


# --- Follow-up visits ------------------------------------------------------------------------------


def test_follow_up_visits_after_a_return(client_as, demo_users):
    referral = sent_referral(demo_users)
    referral_accept(actor=demo_users["ncp-lt"], referral=referral)
    lt = client_as("ncp-lt")
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    bad = post(lt, f"{URL}/{referral.pk}/follow-ups", {"visited_on": future, "result": "x"})
    assert (bad.status_code, field_names(bad)) == (422, ["visited_on"])
    empty = post(lt, f"{URL}/{referral.pk}/follow-ups", {"visited_on": today(), "result": ""})
    assert (empty.status_code, field_names(empty)) == (422, ["result"])
    reported = post(lt, f"{URL}/{referral.pk}/follow-ups", {"visited_on": today(), "result": "Safe with grandmother, at school."})
    assert reported.status_code == 201, reported.content
    assert (reported.json()["result"], reported.json()["reported_by"]) == ("Safe with grandmother, at school.", "ncp-lt")
    listed = client_as("caseworker-se").get(f"{URL}/{referral.pk}/follow-ups").json()
    assert [(v["visited_on"], v["result"]) for v in listed] == [(today(), "Safe with grandmother, at school.")]
    assert "follow-ups" in lt.get(f"{URL}/{referral.pk}").json()["actions"]


def test_follow_ups_are_for_return_referrals_only(client_as, demo_users):
    referral = information_request(demo_users)
    referral_accept(actor=demo_users["ncp-lt"], referral=referral)
    response = post(client_as("ncp-lt"), f"{URL}/{referral.pk}/follow-ups", {"visited_on": today(), "result": "x"})
    assert (response.status_code, response.json()["code"]) == (422, "invalid")
    assert FollowUpReport.objects.count() == 0


# --- Possible match, reference data -------------------------------------------------------------


def test_the_match_check_finds_a_lithuanian_case_of_the_same_child_and_names_nobody(client_as, demo_users):
    case = open_case(demo_users["caseworker-se"])
    se = client_as("ncp-se")
    # given no Lithuanian case of the child: no match
    response = post(se, f"{URL}/match-check", {"case_id": str(case.pk), "country": "LT"})
    assert response.json() == {
        "country": "LT",
        "possible_match": False,
        "compared": True,
        "answer": "No match at the national contact point of Lithuania.",
    }
    # given Lithuania opened a case for the same synthetic identity
    open_case(demo_users["caseworker-lt"], identity=synthetic_identity())
    response = post(se, f"{URL}/match-check", {"case_id": str(case.pk), "country": "lt"})
    assert response.status_code == 200
    assert response.json() == {
        "country": "LT",
        "possible_match": True,
        "compared": True,
        "answer": "Possible match at the national contact point of Lithuania.",
    }
    for name in ("Testa", "Syntheticova", "2011"):
        assert name not in response.content.decode()
    # a different child in Lithuania is no match
    other = open_case(demo_users["caseworker-se"], identity=synthetic_identity(given_names="Other", family_name="Child"))
    assert post(se, f"{URL}/match-check", {"case_id": str(other.pk), "country": "LT"}).json()["possible_match"] is False
    assert AuditEntry.objects.filter(action="referral.match_check").count() == 3


@pytest.mark.parametrize(("country", "status"), [("RU", 422), ("DE", 422), ("SE", 422), ("XXX", 422), ("", 422)])
def test_the_match_check_refuses_countries_without_an_ncp(client_as, demo_users, country, status):
    case = open_case(demo_users["caseworker-se"])
    response = post(client_as("ncp-se"), f"{URL}/match-check", {"case_id": str(case.pk), "country": country})
    assert response.status_code == status
    assert field_names(response) == ["country"]


def test_the_match_check_is_for_the_ncp_of_the_case(client_as, demo_users):
    case = open_case(demo_users["caseworker-se"])
    body = {"case_id": str(case.pk), "country": "LT"}
    assert post(client_as("caseworker-se"), f"{URL}/match-check", body).status_code == 403
    assert post(client_as("ncp-lt"), f"{URL}/match-check", body).status_code == 404
    assert not AuditEntry.objects.filter(action="referral.match_check").exists()


def test_the_profiles_and_what_each_purpose_allows(client_as, demo_users):
    data = client_as("member-fi").get(f"{URL}/profiles").json()
    assert [p["name"] for p in data["profiles"]] == ["minimal", "identification", "risk", "continuity", "return"]
    minimal = data["profiles"][0]
    assert [f["code"] for f in minimal["fields"]] == ["sex", "age_band", "citizenships", "languages"]
    assert minimal["documents"] == [{"code": "correspondence", "label": "Letter or note"}]
    purposes = {p["purpose"]: p for p in data["purposes"]}
    assert purposes["information_request"]["profiles"] == ["minimal", "identification"]
    assert purposes["information_request"]["default_profile"] == "minimal"
    assert purposes["return_preparation"]["profiles"][-1] == "return"
    assert {u["urgency"]: u["days"] for u in data["urgencies"]} == {"routine": 30, "urgent": 7, "emergency": 2}


def test_counts_of_the_outbox(client_as, demo_users):
    information_request(demo_users)
    draft_referral(demo_users, open_case(demo_users["caseworker-se"]), purpose="information_request")
    counts = client_as("caseworker-se").get(f"{URL}/counts", {"box": "outbox"}).json()
    assert (counts["by_status"]["draft"], counts["by_status"]["sent"], counts["total"], counts["overdue"]) == (1, 1, 2, 0)
    assert client_as("ncp-lt").get(f"{URL}/counts", {"box": "outbox"}).json()["total"] == 0
    assert client_as("ncp-lt").get(f"{URL}/counts", {"box": "nope"}).status_code == 422


# --- The OpenAPI description -------------------------------------------------------------------------


def test_the_api_enums_mirror_the_model_choices():
    for api_enum, choices in API_ENUMS.items():
        assert [member.value for member in api_enum] == list(choices.values), api_enum.__name__


def _named_types(annotation: Any, found: dict[str, set[type]]) -> None:
    if typing.get_origin(annotation) is not None:
        for argument in typing.get_args(annotation):
            _named_types(argument, found)
        return
    if not isinstance(annotation, type) or annotation in found.get(annotation.__name__, set()):
        return
    if issubclass(annotation, enum.Enum | BaseModel) and annotation.__module__.startswith("carnet."):
        found.setdefault(annotation.__name__, set()).add(annotation)
        for field in getattr(annotation, "model_fields", {}).values():
            _named_types(field.annotation, found)


def test_no_referral_schema_shares_its_name_with_another_in_the_api():
    # OpenAPI components are named by class: two classes of one name would silently describe one with the other
    get_resolver().url_patterns  # noqa: B018  (building the URLs mounts every router)
    from carnet.api.api import api

    found: dict[str, set[type]] = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in [*operation.response_models.values(), *operation.models]:
                    _named_types(model, found)
                    for field in getattr(model, "model_fields", {}).values():
                        _named_types(field.annotation, found)
    shared = {
        name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes)
        for name, classes in found.items()
        if len(classes) > 1 and any(c.__module__.startswith("carnet.referrals") for c in classes)
    }
    assert shared == {}
    assert {"ReferralOut", "ReferralStatus", "ReferralLegalBasis", "ReferralDocumentKind", "DisclosureProfileOut"} <= found.keys()


# --- The permission matrix's object rows ---------------------------------------------------------------

# The status each row's referral is in before each role tries it.
STAGES = {
    "POST /referrals": "case",
    "POST /referrals/match-check": "case",
    "GET /referrals/{referral_id}": "sent",
    "GET /referrals/{referral_id}/timeline": "sent",
    "POST /referrals/{referral_id}/send": "draft",
    "POST /referrals/{referral_id}/approval-request": "caseworker_draft",
    "POST /referrals/{referral_id}/acknowledge": "sent",
    "POST /referrals/{referral_id}/request-information": "sent",
    "POST /referrals/{referral_id}/provide-information": "info_requested",
    "POST /referrals/{referral_id}/accept": "sent",
    "POST /referrals/{referral_id}/decline": "sent",
    "POST /referrals/{referral_id}/assign": "sent",
    "POST /referrals/{referral_id}/start": "accepted",
    "POST /referrals/{referral_id}/complete": "accepted",
    "POST /referrals/{referral_id}/withdraw": "sent",
    "GET /referrals/{referral_id}/messages": "sent",
    "POST /referrals/{referral_id}/messages": "sent",
    "GET /referrals/{referral_id}/attachments/{attachment_id}": "attachment",
    "GET /referrals/{referral_id}/follow-ups": "sent",
    "POST /referrals/{referral_id}/follow-ups": "accepted_return",
}


def test_every_object_row_has_a_stage():
    assert sorted(STAGES) == sorted(k for k, v in REFERRAL_API.items() if v.objects)


def _make(stage: str, users) -> dict[str, Any]:
    """The objects a row names, in the stage the row needs."""
    worker = users["caseworker-se"]
    if stage == "case":
        return {"case": open_case(worker), "referral": None}
    if stage == "accepted_return":
        referral = sent_referral(users)
        referral_accept(actor=users["ncp-lt"], referral=referral)
        return {"referral": referral}
    case = open_case(worker)
    values = {"purpose": "information_request", "legal_basis": "legal_mandate"}
    if stage in ("draft", "caseworker_draft"):
        return {"referral": draft_referral(users, case, by="ncp-se" if stage == "draft" else "caseworker-se", **values)}
    referral = sent_referral(users, case, **values)
    if stage == "info_requested":
        referral_acknowledge(actor=users["ncp-lt"], referral=referral)
        referral_request_information(actor=users["ncp-lt"], referral=referral, question="Which school?")
    if stage == "accepted":
        referral_accept(actor=users["ncp-lt"], referral=referral)
    made: dict[str, Any] = {"referral": referral}
    if stage == "attachment":
        posted = note_post(actor=users["ncp-se"], referral=referral, body="Letter", uploads=[Upload("correspondence", "l.pdf", PDF_BYTES)])
        made["attachment"] = posted.attachments[0]
    return made


def _fill(value: Any, made: dict[str, Any]) -> Any:
    if isinstance(value, str):
        names = {"case": made.get("case") and made["case"].pk, "today": today()}
        return value.format(**{k: v for k, v in names.items() if v is not None}) if "{" in value else value
    return value


@pytest.mark.parametrize("name", sorted(STAGES))
def test_referral_object_rows(name, client_as, demo_users):
    row = REFERRAL_API[name]
    made: dict[str, Any] = {}
    actual = {}
    for role in ROLES:
        # given the row's object in the stage it needs (made afresh after a success)
        if not made:
            made = _make(STAGES[name], demo_users)
        referral = made.get("referral")
        path = row.path.format(referral=referral.pk if referral else "", attachment=made["attachment"].pk if "attachment" in made else "")
        client = client_as(role)  # signing in is audited: before the snapshot
        before = snapshot(referral)
        # when the role tries the operation
        if row.method == "GET":
            response = client.get(path)
        else:
            response = post(client, path, {k: _fill(v, made) for k, v in (row.body or {}).items()})
        actual[role] = response.status_code
        # then a denial changed nothing; a success is reflected in the answer
        if response.status_code >= 400:
            assert snapshot(referral) == before, role
        elif row.method == "POST":
            made = {}
    assert actual == row.expect
