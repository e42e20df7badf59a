"""The referral pages: boxes, the case's Referrals section and form, the referral page and its steps, downloads.

The receiving side reads the delivered message only: a field outside the disclosure profile is
on no page, in no printout and in no search. Every step is a POST that calls one service; a
refusal re-renders the page with the message and the right status, and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carnet.accounts.models import User
from carnet.audit.models import AuditEntry
from carnet.cases.models import Case
from carnet.referrals.models import FollowUpReport, Referral, ReferralAttachment, ReferralEvent, ReferralNote, Status
from carnet.referrals.profiles import Outcome, Purpose
from carnet.referrals.services import (
    Upload,
    note_post,
    referral_accept,
    referral_acknowledge,
    referral_request_information,
)
from tests.cases.factories import open_case, synthetic_identity
from tests.matrix.referrals_pages import OBJECT_ROWS, OBJECT_STATES
from tests.referrals.factories import days, draft_referral, returnable_case, sent_referral

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
Users = dict[str, User]

CONTACTS = "+370 600 00000 (test)"  # the child's contacts: never shared by any profile


def _minimal(users: Users, **overrides: Any) -> Referral:
    """A referral for information with the "minimal" profile: no name, no date of birth, no documents."""
    case = open_case(users["caseworker-se"])
    values: dict[str, Any] = {"purpose": Purpose.INFORMATION_REQUEST, "profile": "minimal"}
    values.update(overrides)
    return sent_referral(users, case, **values)


def _text(response: Any) -> str:
    return response.content.decode()


def _state(referral: Referral) -> tuple[Any, ...]:
    """What a refused step must leave as it was."""
    fresh = Referral.objects.get(pk=referral.pk)
    return (
        fresh.status,
        fresh.version,
        fresh.receiving_case_id,
        fresh.assigned_to_id,
        ReferralEvent.objects.filter(referral=referral).count(),
        ReferralNote.objects.filter(referral=referral).count(),
        Case.objects.count(),
    )


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- Boxes -------------------------------------------------------------------------------------


def test_the_outbox_and_the_inbox_list_a_sent_referral_with_counts(client_as: ClientAs, demo_users: Users) -> None:
    # given a referral sent from Sweden to Lithuania
    referral = sent_referral(demo_users)

    # when ncp-se opens the outbox
    response = client_as("ncp-se").get("/en/referrals/sent/")
    # then it is listed with its country, purpose and status; the counts show one sent
    assert response.status_code == 200
    page = _text(response)
    assert referral.reference in page
    assert "Lithuania" in page
    assert "Return preparation" in page
    assert [(r["value"], r["count"]) for r in response.context["status_counts"]] == [("sent", 1)]
    assert response.context["total"] == 1

    # when ncp-lt opens the inbox
    response = client_as("ncp-lt").get("/en/referrals/")
    # then the same referral is there, from Sweden, without the Swedish case number
    assert response.status_code == 200
    page = _text(response)
    assert referral.reference in page
    assert "Sweden" in page
    assert referral.source_case.number not in page
    assert [(r["value"], r["count"]) for r in response.context["status_counts"]] == [("sent", 1)]
    assert response.context["overdue_count"] == 0
    # and ncp-lt's outbox is empty
    assert client_as("ncp-lt").get("/en/referrals/sent/").context["page"].paginator.count == 0


def test_a_member_sees_an_empty_inbox_and_anonymous_is_sent_to_sign_in(client_as: ClientAs, demo_users: Users) -> None:
    # given a sent referral
    referral = sent_referral(demo_users)
    # when a network member opens the boxes, then they are empty
    for path in ("/en/referrals/", "/en/referrals/sent/"):
        response = client_as("member-fi").get(path)
        assert response.status_code == 200
        assert response.context["page"].paginator.count == 0
        assert referral.reference not in _text(response)
    # and anonymous visitors are asked to sign in
    assert client_as("anonymous").get("/en/referrals/").status_code == 302


def test_the_inbox_filters_by_status_and_overdue(client_as: ClientAs, demo_users: Users) -> None:
    # given one referral acknowledged and one overdue (its deadline passed without an answer)
    acknowledged = sent_referral(demo_users)
    referral_acknowledge(actor=demo_users["ncp-lt"], referral=acknowledged)
    overdue = _minimal(demo_users)
    Referral.objects.filter(pk=overdue.pk).update(respond_by=days(-1))
    client = client_as("ncp-lt")

    # when filtered by status, then only the acknowledged one shows
    response = client.get("/en/referrals/", {"status": "acknowledged"})
    assert [r.pk for r in response.context["page"]] == [acknowledged.pk]
    # when filtered by overdue, then only the overdue one, with its badge
    response = client.get("/en/referrals/", {"overdue": "on"})
    assert [r.pk for r in response.context["page"]] == [overdue.pk]
    assert response.context["overdue_count"] == 1
    assert 'class="badge overdue"' in _text(response)
    # when filtered by purpose, then only that purpose
    response = client.get("/en/referrals/", {"purpose": Purpose.INFORMATION_REQUEST})
    assert [r.pk for r in response.context["page"]] == [overdue.pk]


def test_inbox_search_finds_a_name_only_when_the_profile_shared_it(client_as: ClientAs, demo_users: Users) -> None:
    # given a referral with the "minimal" profile (no name) and one with "identification" (the name)
    minimal = _minimal(demo_users)
    client = client_as("ncp-lt")

    # when ncp-lt searches the inbox by the child's exact name, then the minimal referral is not found
    response = client.get("/en/referrals/", {"q": "Testa Syntheticova"})
    assert response.context["page"].paginator.count == 0

    # when a referral shares the name, then the search finds it (and only it)
    identification = sent_referral(
        demo_users, open_case(demo_users["caseworker-se"]), purpose=Purpose.FAMILY_TRACING, profile="identification"
    )
    response = client.get("/en/referrals/", {"q": "Testa Syntheticova"})
    assert [r.pk for r in response.context["page"]] == [identification.pk]
    # and by reference, the minimal one is found
    response = client.get("/en/referrals/", {"q": minimal.reference})
    assert [r.pk for r in response.context["page"]] == [minimal.pk]


# --- What the receiving side sees ---------------------------------------------------------------


def test_the_receiving_side_sees_only_the_fields_of_the_minimal_profile(client_as: ClientAs, demo_users: Users) -> None:
    # given a referral for information with the minimal profile
    referral = _minimal(demo_users)
    client = client_as("ncp-lt")

    # when ncp-lt opens it
    response = client.get(f"/en/referrals/{referral.pk}/")
    # then the shared fields are shown in words, and nothing outside the profile
    assert response.status_code == 200
    page = _text(response)
    shared = page.split('id="shared-heading"')[1].split('id="timeline-heading"')[0]
    assert "Citizenships" in shared
    assert "Lithuania" in shared
    assert "Languages" in shared
    assert "Lithuanian" in shared
    for absent in ("Testa", "Syntheticova", "Tessa", "2011", CONTACTS, "Date of birth", "Return plan", "Risk level"):
        assert absent not in page, absent
    assert referral.source_case.number not in page

    # and the printable version carries the same: no name
    printed = client.get(f"/en/referrals/{referral.pk}/pdf/", {"format": "html"})
    assert printed.status_code == 200
    text = _text(printed)
    assert referral.reference in text
    assert "Confidential. Printed from carnet by ncp-lt on" in text
    for absent in ("Testa", "Syntheticova", CONTACTS):
        assert absent not in text


def test_the_receiving_side_sees_the_return_profile_but_never_the_contacts(client_as: ClientAs, demo_users: Users) -> None:
    # given a return referral (profile "return": name, determination, return plan)
    referral = sent_referral(demo_users)
    # when ncp-lt opens it
    page = _text(client_as("ncp-lt").get(f"/en/referrals/{referral.pk}/"))
    # then the child's name, the determination with its reasons and the return plan are shown with their labels
    assert "Testa Syntheticova" in page
    assert "Return to the country of origin" in page
    assert "Grandmother safe and willing; school place ready" in page
    assert "Demo child protection service" in page
    assert "Consent of the child and the guardian" in page
    assert "The child and the appointed guardian" in page
    # and never the contacts, nor the Swedish case number, nor a link to the Swedish case
    assert CONTACTS not in page
    assert referral.source_case.number not in page
    assert f"/cases/{referral.source_case.pk}/" not in page


def test_the_sending_side_sees_what_it_shared_and_its_case(client_as: ClientAs, demo_users: Users) -> None:
    referral = sent_referral(demo_users)
    page = _text(client_as("caseworker-se").get(f"/en/referrals/{referral.pk}/"))
    assert "This is what the receiving country received about the child" in page
    assert f'href="/en/cases/{referral.source_case.pk}/"' in page
    assert "Testa Syntheticova" in page


def test_the_pdf_is_a_pdf_and_is_audited_as_an_export(client_as: ClientAs, demo_users: Users) -> None:
    referral = sent_referral(demo_users)
    response = client_as("ncp-lt").get(f"/en/referrals/{referral.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == f'attachment; filename="{referral.reference}.pdf"'
    assert AuditEntry.objects.filter(action="referral.export", object_id=str(referral.pk), actor_username="ncp-lt").count() == 1


def test_the_referral_page_renders_in_russian(client_as: ClientAs, demo_users: Users) -> None:
    referral = sent_referral(demo_users)
    for username in ("ncp-lt", "ncp-se"):
        response = client_as(username).get(f"/ru/referrals/{referral.pk}/")
        assert response.status_code == 200
        assert '<html lang="ru">' in _text(response)
    assert client_as("ncp-lt").get("/ru/referrals/").status_code == 200


# --- The case's Referrals section and the form ------------------------------------------------------


def _form_data(**overrides: str) -> dict[str, str]:
    data = {
        "to_country": "LT",
        "purpose": Purpose.RETURN_PREPARATION,
        "urgency": "urgent",
        "respond_by": "",
        "legal_basis": "consent",
        "legal_basis_decided_by": "The child and the guardian",
        "legal_basis_decided_on": days(-1).isoformat(),
        "profile": "return",
        "note": "Please prepare the return.",
    }
    data.update(overrides)
    return data


def test_the_case_section_lists_referrals_and_offers_the_form(client_as: ClientAs, demo_users: Users) -> None:
    case = returnable_case(demo_users)
    referral = draft_referral(demo_users, case)
    response = client_as("ncp-se").get(f"/en/referrals/case/{case.pk}/")
    assert response.status_code == 200
    page = _text(response)
    assert referral.reference in page
    assert f'href="/en/referrals/case/{case.pk}/new/"' in page
    assert 'aria-current="page">Referrals</a>' in page


def test_a_referral_is_saved_as_a_draft(client_as: ClientAs, demo_users: Users) -> None:
    # given a returnable case
    case = returnable_case(demo_users)
    client = client_as("ncp-se")
    # when ncp-se opens the form, then every profile shows its fields
    page = _text(client.get(f"/en/referrals/case/{case.pk}/new/"))
    assert "Minimal: no name, no date of birth" in page
    assert "Best-interests determination" in page
    assert '<option value="RU">' not in page  # no operational NCP: not offered
    assert '<option value="SE">' not in page  # the case's own country
    # when they fill it in and save
    response = client.post(f"/en/referrals/case/{case.pk}/new/", _form_data())
    # then a draft exists with what they chose, the deadline from the urgency, and they land on its page
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/referrals/{referral.pk}/"
    assert (referral.status, referral.to_country.code, referral.profile, referral.urgency) == ("draft", "LT", "return", "urgent")
    assert referral.respond_by == days(7)
    page = _text(client.get(response["Location"]))
    assert f"Draft referral {referral.reference} saved." in page
    assert "Nothing has been shared yet." in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"to_country": "RU"}, "to_country", "Russia has no operational national contact point"),
        ({"to_country": "DE"}, "to_country", "Germany has no operational national contact point"),
        ({"legal_basis": ""}, "legal_basis", "A referral needs a legal basis"),
        ({"legal_basis_decided_by": ""}, "legal_basis_decided_by", "Say who gave the consent"),
        ({"purpose": Purpose.INFORMATION_REQUEST, "profile": "return"}, "profile", "does not allow sharing"),
        ({"profile": "everything"}, "profile", "Choose what is shared from the list."),
    ],
    ids=["russia", "germany", "no-legal-basis", "no-decider", "profile-too-wide", "unknown-profile"],
)
def test_a_refused_referral_says_why_and_saves_nothing(
    overrides: dict[str, str], field: str, message: str, client_as: ClientAs, demo_users: Users
) -> None:
    case = returnable_case(demo_users)
    response = client_as("ncp-se").post(f"/en/referrals/case/{case.pk}/new/", _form_data(**overrides))
    assert response.status_code == 400
    assert any(message in str(error) for error in response.context["form"].errors[field])
    assert message in _text(response).replace("&#x27;", "'")
    assert Referral.objects.count() == 0


def test_only_those_who_may_edit_the_case_get_the_form(client_as: ClientAs, demo_users: Users) -> None:
    case = returnable_case(demo_users)
    assert client_as("caseworker-lt").get(f"/en/referrals/case/{case.pk}/new/").status_code == 404
    assert client_as("ncp-lt").post(f"/en/referrals/case/{case.pk}/new/", _form_data()).status_code == 404
    assert Referral.objects.count() == 0


# --- The possible-match check ----------------------------------------------------------------------


def test_the_match_check_answers_possible_match_no_match_or_nothing_to_compare(client_as: ClientAs, demo_users: Users) -> None:
    # given a Swedish case and a Lithuanian case of the same child (same name and date of birth)
    case = open_case(demo_users["caseworker-se"])
    open_case(demo_users["caseworker-lt"])
    client = client_as("ncp-se")
    # when ncp-se asks Lithuania, then the answer is a possible match at Lithuania's NCP, on the form page
    response = client.post(f"/en/referrals/case/{case.pk}/match/", {"country": "LT"})
    assert response.status_code == 200
    assert "Possible match at the national contact point of Lithuania." in _text(response)
    # when they ask Latvia, then none is known
    response = client.post(f"/en/referrals/case/{case.pk}/match/", {"country": "LV"})
    assert "No match known in Latvia." in _text(response)
    # with htmx, only the fragment comes back
    response = client.post(f"/en/referrals/case/{case.pk}/match/", {"country": "LT"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert _text(response).lstrip().startswith('<div id="match-check">')
    # a country without an operational NCP is refused with the reason
    response = client.post(f"/en/referrals/case/{case.pk}/match/", {"country": "RU"})
    assert response.status_code == 400
    assert "Russia has no operational national contact point" in _text(response)
    # a case with only a pseudonym-free alias and no date of birth or document has nothing to compare
    bare = open_case(demo_users["caseworker-se"], identity=synthetic_identity(given_names="", family_name="", date_of_birth=None))
    response = client.post(f"/en/referrals/case/{bare.pk}/match/", {"country": "LT"})
    assert "Nothing to compare: the case has no name with a date of birth and no document number." in _text(response)


def test_only_the_ncp_checks_for_a_match(client_as: ClientAs, demo_users: Users) -> None:
    case = open_case(demo_users["caseworker-se"])
    before = AuditEntry.objects.filter(action="referral.match_check").count()
    assert client_as("caseworker-se").post(f"/en/referrals/case/{case.pk}/match/", {"country": "LT"}).status_code == 403
    assert client_as("ncp-lt").post(f"/en/referrals/case/{case.pk}/match/", {"country": "LT"}).status_code == 404
    assert AuditEntry.objects.filter(action="referral.match_check").count() == before


# --- The steps -------------------------------------------------------------------------------------------


def test_a_caseworkers_draft_is_approved_and_sent_by_the_ncp(client_as: ClientAs, demo_users: Users) -> None:
    # given a draft by caseworker-se
    referral = draft_referral(demo_users, by="caseworker-se")
    worker = client_as("caseworker-se")
    page = _text(worker.get(f"/en/referrals/{referral.pk}/"))
    assert f'action="/en/referrals/{referral.pk}/request-approval/"' in page
    assert f'action="/en/referrals/{referral.pk}/send/"' not in page
    # when they ask the NCP to approve it
    response = worker.post(f"/en/referrals/{referral.pk}/request-approval/")
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).approval_requested_at is not None
    # then ncp-se sees "Approve and send" and sends it
    ncp = client_as("ncp-se")
    assert "Approve and send" in _text(ncp.get(f"/en/referrals/{referral.pk}/"))
    response = ncp.post(f"/en/referrals/{referral.pk}/send/")
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == Status.SENT
    # and sending twice is a clear refusal that changes nothing
    before = _state(referral)
    response = ncp.post(f"/en/referrals/{referral.pk}/send/")
    assert response.status_code == 409
    assert "This referral has been sent and waits for the receiving country. Nothing was changed." in _text(response)
    assert _state(referral) == before


def test_acknowledge_ask_answer_accept_then_accepting_twice_is_refused(client_as: ClientAs, demo_users: Users) -> None:
    referral = sent_referral(demo_users)
    lt, se = client_as("ncp-lt"), client_as("caseworker-se")
    url = f"/en/referrals/{referral.pk}"

    # acknowledge
    response = lt.post(f"{url}/acknowledge/")
    assert (response.status_code, response["Location"]) == (302, f"{url}/")
    assert Referral.objects.get(pk=referral.pk).status == Status.ACKNOWLEDGED
    # ask for information (a question is required)
    before = _state(referral)
    response = lt.post(f"{url}/request-information/", {"question": "  "})
    assert response.status_code == 400
    assert "Write what information you need." in _text(response)
    assert _state(referral) == before
    response = lt.post(f"{url}/request-information/", {"question": "Which school did the child attend?"})
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == Status.INFO_REQUESTED
    # the sending side answers
    page = _text(se.get(f"{url}/"))
    assert "Which school did the child attend?" in page
    response = se.post(f"{url}/provide-information/", {"answer": "School no. 5 in Vilnius, grade 7."})
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == Status.ACKNOWLEDGED
    # accept, assigning caseworker-lt: a Lithuanian case is opened and linked on the page
    response = lt.post(f"{url}/accept/", {"assign_to": "caseworker-lt", "existing_case": ""})
    assert response.status_code == 302
    accepted = Referral.objects.select_related("receiving_case__country").get(pk=referral.pk)
    assert accepted.status == Status.ACCEPTED
    assert accepted.receiving_case is not None
    assert accepted.receiving_case.country.code == "LT"
    assert accepted.assigned_to == demo_users["caseworker-lt"]
    page = _text(lt.get(f"{url}/"))
    assert f"Referral {referral.reference} accepted. The child&#x27;s case in your country is {accepted.receiving_case.number}." in page
    assert f'href="/en/cases/{accepted.receiving_case.pk}/"' in page
    # the sending side never sees the Lithuanian case number
    assert accepted.receiving_case.number not in _text(se.get(f"{url}/"))
    # accepting twice: 409, the message, nothing changed
    before = _state(referral)
    response = lt.post(f"{url}/accept/", {"assign_to": "", "existing_case": ""})
    assert response.status_code == 409
    assert "This referral has already been accepted. Nothing was changed." in _text(response)
    assert _state(referral) == before


def test_decline_needs_a_reason(client_as: ClientAs, demo_users: Users) -> None:
    referral = sent_referral(demo_users)
    client = client_as("ncp-lt")
    before = _state(referral)
    response = client.post(f"/en/referrals/{referral.pk}/decline/", {"reason": ""})
    assert response.status_code == 400
    assert "Say why the referral is declined" in _text(response)
    assert _state(referral) == before
    response = client.post(f"/en/referrals/{referral.pk}/decline/", {"reason": "The family could not be reached."})
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == Status.DECLINED
    # the sending side sees the reason on the timeline
    assert "The family could not be reached." in _text(client_as("ncp-se").get(f"/en/referrals/{referral.pk}/"))


def test_assign_start_complete_and_report_a_visit(client_as: ClientAs, demo_users: Users) -> None:
    referral = sent_referral(demo_users)
    referral_accept(actor=demo_users["ncp-lt"], referral=referral)
    client = client_as("ncp-lt")
    url = f"/en/referrals/{referral.pk}"
    # assign to someone who is not Lithuanian staff: refused
    before = _state(referral)
    response = client.post(f"{url}/assign/", {"username": "caseworker-se"})
    assert response.status_code == 400
    assert "Assign the referral to a caseworker, supervisor or the NCP of Lithuania." in _text(response)
    assert _state(referral) == before
    assert client.post(f"{url}/assign/", {"username": "caseworker-lt"}).status_code == 302
    # the assignee starts and completes the work
    worker = client_as("caseworker-lt")
    assert worker.post(f"{url}/start/").status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == Status.IN_PROGRESS
    response = worker.post(f"{url}/complete/", {"outcome": "", "note": ""})
    assert response.status_code == 400
    assert "Choose the outcome from the list." in _text(response)
    assert worker.post(f"{url}/complete/", {"outcome": Outcome.RETURNED_IN_CARE, "note": "With the grandmother."}).status_code == 302
    assert Referral.objects.get(pk=referral.pk).outcome == Outcome.RETURNED_IN_CARE
    # a visit in the future is refused; a past one is reported back
    response = worker.post(f"{url}/follow-ups/", {"visited_on": days(1).isoformat(), "result": "Fine"})
    assert response.status_code == 400
    assert "A visit cannot have taken place in the future." in _text(response)
    response = worker.post(f"{url}/follow-ups/", {"visited_on": timezone.localdate().isoformat(), "result": "Child at school, well."})
    assert response.status_code == 302
    assert FollowUpReport.objects.filter(referral=referral).count() == 1
    # the sending side reads the report
    assert "Child at school, well." in _text(client_as("ncp-se").get(f"{url}/"))


def test_the_sender_withdraws_with_a_reason(client_as: ClientAs, demo_users: Users) -> None:
    referral = sent_referral(demo_users)
    client = client_as("ncp-se")
    before = _state(referral)
    assert client.post(f"/en/referrals/{referral.pk}/withdraw/", {"reason": ""}).status_code == 400
    assert _state(referral) == before
    # the receiving NCP cannot withdraw it
    assert client_as("ncp-lt").post(f"/en/referrals/{referral.pk}/withdraw/", {"reason": "No"}).status_code == 403
    assert _state(referral) == before
    assert client.post(f"/en/referrals/{referral.pk}/withdraw/", {"reason": "The child has been found in Sweden."}).status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == Status.WITHDRAWN


def test_a_message_with_an_allowed_attachment_is_posted_and_downloaded(client_as: ClientAs, demo_users: Users) -> None:
    referral = sent_referral(demo_users)
    client = client_as("ncp-lt")
    upload = SimpleUploadedFile("school.txt", "Справка из школы (synthetic)\n".encode(), content_type="text/plain")
    response = client.post(
        f"/en/referrals/{referral.pk}/messages/", {"body": "The school's letter.", "kind": "correspondence", "file": upload}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/en/referrals/{referral.pk}/#thread-heading"
    attachment = ReferralAttachment.objects.get()
    # the other side reads it and downloads the file, which the browser must save, not render
    page = _text(client_as("ncp-se").get(f"/en/referrals/{referral.pk}/"))
    assert "The school&#x27;s letter." in page
    link = f"/en/referrals/{referral.pk}/attachments/{attachment.pk}/"
    assert link in page
    download = client_as("ncp-se").get(link)
    assert download.status_code == 200
    assert download.content == "Справка из школы (synthetic)\n".encode()
    assert download["Content-Disposition"] == 'attachment; filename="school.txt"'
    assert download["X-Content-Type-Options"] == "nosniff"
    # someone on neither side gets the same 404 as for a file that does not exist
    assert client_as("caseworker-lt").get(link).status_code == 404


def test_an_attachment_of_a_kind_outside_the_profile_is_refused(client_as: ClientAs, demo_users: Users) -> None:
    # given a referral with the minimal profile (letters only)
    referral = _minimal(demo_users)
    client = client_as("ncp-lt")
    # the page offers only the profile's kinds
    page = _text(client.get(f"/en/referrals/{referral.pk}/"))
    assert '<option value="correspondence">' in page
    assert '<option value="identity_document">' not in page
    # when a copy of an identity document is posted anyway
    before = _state(referral)
    upload = SimpleUploadedFile("passport.txt", b"synthetic passport copy\n", content_type="text/plain")
    response = client.post(f"/en/referrals/{referral.pk}/messages/", {"body": "Passport", "kind": "identity_document", "file": upload})
    # then it is refused with the profile's name, and nothing was stored
    assert response.status_code == 400
    assert "which does not include documents of this kind" in _text(response)
    assert _state(referral) == before
    assert ReferralAttachment.objects.count() == 0


def test_the_timeline_shows_every_step_to_both_sides(client_as: ClientAs, demo_users: Users) -> None:
    referral = sent_referral(demo_users)
    referral_acknowledge(actor=demo_users["ncp-lt"], referral=referral)
    referral_request_information(actor=demo_users["ncp-lt"], referral=referral, question="Grade?")
    note_post(actor=demo_users["ncp-lt"], referral=referral, body="Hello", uploads=[Upload("correspondence", "a.txt", b"a\n")])
    for username in ("caseworker-se", "ncp-lt"):
        page = _text(client_as(username).get(f"/en/referrals/{referral.pk}/"))
        timeline = page.split('id="timeline-heading"')[1].split('id="thread-heading"')[0]
        kinds = re.findall(r'<th scope="row">([^<]+)</th>', timeline)
        assert kinds == ["Draft created", "Sent", "Delivered", "Acknowledged", "Information requested"], username
        assert "Grade?" in timeline


# --- Who may open what (the object rows of tests/matrix/referrals_pages.py) ---------------------------------


def _object_path(template: str, referral: Referral, attachment: ReferralAttachment | None = None) -> str:
    return template.format(referral=referral.pk, attachment=attachment.pk if attachment else "")


@pytest.mark.parametrize("name", ["referrals:detail", "referrals:pdf", "referrals:attachment"])
def test_who_may_open_a_sent_referral(name: str, client_as: ClientAs, demo_users: Users) -> None:
    # given a referral sent from Sweden to Lithuania, with an attachment on its thread
    referral = sent_referral(demo_users)
    posted = note_post(actor=demo_users["ncp-se"], referral=referral, body="Letter", uploads=[Upload("correspondence", "l.txt", b"l\n")])
    row = OBJECT_ROWS[name]
    path = _object_path(row.path, referral, posted.attachments[0])
    # then each demo account gets the row's answer
    actual = {role: client_as(role).get(path).status_code for role in row.expect}
    assert actual == row.expect


STEP_BODIES: dict[str, dict[str, str]] = {
    "referrals:request_information": {"question": "Matrix question?"},
    "referrals:provide_information": {"answer": "Matrix answer."},
    "referrals:accept": {"assign_to": "", "existing_case": ""},
    "referrals:decline": {"reason": "Matrix reason"},
    "referrals:assign": {"username": "caseworker-lt"},
    "referrals:complete": {"outcome": Outcome.INFORMATION_PROVIDED, "note": ""},
    "referrals:follow_up": {"visited_on": timezone.localdate().isoformat(), "result": "Matrix visit"},
    "referrals:withdraw": {"reason": "Matrix reason"},
    "referrals:note_post": {"body": "Matrix message", "kind": ""},
}
STEPS = sorted(name for name, row in OBJECT_ROWS.items() if row.method == "POST")


def _referral_in(state: str, users: Users) -> Referral:
    """A referral from Sweden to Lithuania (a return) in the state a step needs."""
    if state == "draft":
        return draft_referral(users)
    if state == "draft_by_caseworker":
        return draft_referral(users, by="caseworker-se")
    referral = sent_referral(users)
    if state == "information_requested":
        referral_request_information(actor=users["ncp-lt"], referral=referral, question="Matrix question?")
    elif state == "accepted":
        referral_accept(actor=users["ncp-lt"], referral=referral)
    return referral


@pytest.mark.parametrize("name", STEPS)
def test_who_may_take_a_step_on_a_referral(name: str, client_as: ClientAs, demo_users: Users) -> None:
    # given a referral from Sweden to Lithuania in the state the step needs
    row = OBJECT_ROWS[name]
    state = OBJECT_STATES.get(name, "sent")
    referral = _referral_in(state, demo_users)
    body = STEP_BODIES.get(name, {})
    allowed = [role for role, status in row.expect.items() if status == 302 and role != "anonymous"]
    # when everyone else tries the step, then they get the row's answer and nothing changed
    before = _state(referral)
    for role, status in row.expect.items():
        if role in allowed:
            continue
        assert client_as(role).post(_object_path(row.path, referral), body).status_code == status, role
        assert _state(referral) == before, role
    # and each one allowed takes it (on a referral of their own in that state)
    for role in allowed:
        fresh = _referral_in(state, demo_users)
        before = _state(fresh)
        assert client_as(role).post(_object_path(row.path, fresh), body).status_code == 302, role
        assert _state(fresh) != before, role


def test_every_object_row_is_checked() -> None:
    checked = {"referrals:detail", "referrals:pdf", "referrals:attachment", *STEPS}
    assert checked == set(OBJECT_ROWS)


def test_the_inbox_reads_in_a_fixed_number_of_queries(client_as: ClientAs, demo_users: Users) -> None:
    # given one referral in ncp-lt's inbox, then three
    client = client_as("ncp-lt")
    _minimal(demo_users)
    client.get("/en/referrals/")  # warm the session and the caches
    with CaptureQueriesContext(connection) as one:
        assert client.get("/en/referrals/").status_code == 200
    _minimal(demo_users)
    _minimal(demo_users)
    with CaptureQueriesContext(connection) as three:
        assert client.get("/en/referrals/").context["page"].paginator.count == 3
    # then listing more referrals takes no more queries
    assert len(three) == len(one)


def test_accepting_can_link_an_existing_case_of_the_receiving_country(client_as: ClientAs, demo_users: Users) -> None:
    # given a referral to Lithuania, and a Lithuanian case that already concerns the child
    referral = sent_referral(demo_users)
    existing = open_case(demo_users["caseworker-lt"])
    client = client_as("ncp-lt")
    cases_before = Case.objects.count()
    # when ncp-lt gives a case number they cannot see, then it is refused and nothing changes
    before = _state(referral)
    response = client.post(f"/en/referrals/{referral.pk}/accept/", {"assign_to": "", "existing_case": "LT-0000-99999"})
    assert response.status_code == 400
    assert "No case with this number that you can see." in _text(response)
    assert _state(referral) == before
    # when they give the existing case's number, then it is linked and no new case is opened
    response = client.post(f"/en/referrals/{referral.pk}/accept/", {"assign_to": "", "existing_case": existing.number})
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).receiving_case_id == existing.pk
    assert Case.objects.count() == cases_before


def test_a_follow_up_on_a_referral_that_is_not_a_return_is_refused_with_422(client_as: ClientAs, demo_users: Users) -> None:
    # given an accepted referral for information (not a return: no follow-up form is offered)
    referral = _minimal(demo_users)
    referral_accept(actor=demo_users["ncp-lt"], referral=referral)
    client = client_as("ncp-lt")
    assert f"/en/referrals/{referral.pk}/follow-ups/" not in _text(client.get(f"/en/referrals/{referral.pk}/"))
    # when a visit is posted anyway, then it is refused as a rule of referrals, and nothing is stored
    before = _state(referral)
    response = client.post(f"/en/referrals/{referral.pk}/follow-ups/", {"visited_on": timezone.localdate().isoformat(), "result": "Seen"})
    assert response.status_code == 422
    assert "Follow-up visits are reported on return referrals only." in _text(response)
    assert _state(referral) == before
    assert FollowUpReport.objects.count() == 0


def test_a_damaged_attachment_is_never_handed_out(demo_users: dict[str, User], client_as: Callable[[str], Client]) -> None:
    # given a letter on the thread whose stored bytes no longer match the checksum recorded when it was sent
    referral = sent_referral(demo_users)
    posted = note_post(actor=demo_users["ncp-se"], referral=referral, body="Letter", uploads=[Upload("correspondence", "l.txt", b"l\n")])
    attachment = posted.attachments[0]
    ReferralAttachment.objects.filter(pk=attachment.pk).update(sha256="0" * 64)
    downloads = AuditEntry.objects.filter(action="referral.attachment.download").count()
    # when ncp-lt downloads it
    response = client_as("ncp-lt").get(f"/en/referrals/{referral.pk}/attachments/{attachment.pk}/", follow=True)
    # then they are taken back to the referral with the reason, no file is sent, and no download is logged
    assert response.redirect_chain == [(f"/en/referrals/{referral.pk}/", 302)]
    assert "The attachment is damaged" in response.content.decode()
    assert AuditEntry.objects.filter(action="referral.attachment.download").count() == downloads
