"""Contact sharing: consent, visibility checked against consent, contact requests, grants — services, pages, API.

The person is expert-ee's directory entry in Estonia with every contact restricted; member-fi asks
for it; expert-ee (or Estonia's NCP, made here: the demo accounts have none) answers. Every refusal
is checked to change nothing, write no audit entry and send no e-mail; no e-mail ever carries a
contact value.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from carnet.accounts.models import Role, User
from carnet.accounts.services import membership_grant
from carnet.audit.models import AuditEntry
from carnet.core.errors import Conflict
from carnet.core.models import Country
from carnet.directory import selectors
from carnet.directory import services_contacts as contacts
from carnet.directory.models import ContactConsent, ContactRequest, Person
from carnet.directory.visibility import card_for
from tests.directory.test_visibility import ADDRESS, EMAIL, PHONE, PHONE_SHOWN, make_person
from tests.fixtures import ROLES
from tests.matrix import directory_contacts as matrix

pytestmark = pytest.mark.django_db

REASON = "I am organising a training on identification in Helsinki and would like to invite the expert (test)."
CONTACT_VALUES = (EMAIL, PHONE, PHONE_SHOWN, ADDRESS)
REFUSED = (PermissionDenied, ValidationError, Conflict)


@pytest.fixture
def users(demo_users: dict[str, User]) -> dict[str, User]:
    """The demo accounts, and Estonia's NCP (ncp-ee), who decides for Estonian people."""
    ncp_ee = User.objects.create_user(username="ncp-ee", email="ncp-ee@demo.carnet.invalid", password="x" * 20)  # noqa: S106
    membership_grant(actor=None, user=ncp_ee, role=Role.NCP, country=Country.objects.get(code="EE"))
    TOTP.activate(ncp_ee, generate_totp_secret())  # an NCP has a second factor, as the demo NCPs do
    return {**demo_users, "ncp-ee": ncp_ee}


@pytest.fixture
def expert(users: dict[str, User]) -> Person:
    return make_person(user=users["expert-ee"])


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def snapshot() -> tuple[Any, ...]:
    """Everything contact sharing may change: any difference after a refusal is a bug."""
    return (
        list(Person.objects.order_by("pk").values_list("pk", "email_visibility", "phone_visibility", "address_visibility")),
        list(ContactConsent.objects.order_by("pk").values_list("pk", "withdrawn_at")),
        list(ContactRequest.objects.order_by("pk").values_list("pk", "status", "decided_by", "expires_at", "decline_reason")),
        AuditEntry.objects.exclude(action__startswith="auth.").count(),  # signing the client in is audited too
    )


def assert_refused(act: Callable[[], Any], error: type[Exception], message: str | None = None) -> Exception:
    before = snapshot()
    with pytest.raises(error) as caught:
        act()
    assert snapshot() == before
    if message is not None:
        text = (
            caught.value.message if isinstance(caught.value, Conflict) else " ".join(getattr(caught.value, "messages", [str(caught.value)]))
        )
        assert message in text
    return caught.value


def audit(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def assert_no_contact_value_in(messages: list[Any]) -> None:
    for message in messages:
        for value in CONTACT_VALUES:
            assert value not in message.subject
            assert value not in message.body


def ask(users: dict[str, User], person: Person, who: str = "member-fi") -> ContactRequest:
    return contacts.contact_request_create(actor=users[who], person=person, reason=REASON)


def consent(person: Person, actor: User, fields: list[str], audience: str) -> ContactConsent:
    return contacts.consent_record(actor=actor, person=person, fields=fields, audience=audience, given_on=timezone.localdate())


# --- Consent --------------------------------------------------------------------------------------------


def test_the_person_records_a_consent(expert: Person, users: dict[str, User]) -> None:
    today = timezone.localdate()
    given = contacts.consent_record(
        actor=users["expert-ee"],
        person=expert,
        fields=["phone", "email", "phone"],
        audience="members",
        given_on=today,
        valid_until=today + timedelta(days=365),
    )
    assert given.fields == ["email", "phone"]
    assert (given.audience, given.recorded_by, given.withdrawn_at) == ("members", users["expert-ee"], None)
    [entry] = audit("directory.consent_record")
    assert entry.actor_username == "expert-ee"
    assert entry.object_id == str(given.pk)
    assert "email, phone to members" in entry.purpose


def test_the_secretariat_records_a_consent_for_the_person(expert: Person, users: dict[str, User]) -> None:
    given = consent(expert, users["secretariat"], ["address"], "public")
    assert given.recorded_by == users["secretariat"]


@pytest.mark.parametrize("username", ["member-fi", "ncp-lt", "ncp-ee", "sysadmin"])
def test_nobody_else_records_a_consent(username: str, expert: Person, users: dict[str, User]) -> None:
    assert_refused(lambda: consent(expert, users[username], ["email"], "public"), PermissionDenied)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"fields": []}, "fields", "Choose at least one contact field."),
        ({"fields": ["email", "full_name"]}, "fields", "Only e-mail, phone and postal address can be shared."),
        ({"audience": "restricted"}, "audience", "Choose who may see the fields"),
        ({"audience": "everybody"}, "audience", "Choose who may see the fields"),
        ({"given_on": 1}, "given_on", "A consent cannot be given in the future."),
        ({"given_on": -10, "valid_until": -20}, "valid_until", "The consent cannot end before it was given."),
        ({"given_on": -10, "valid_until": -1}, "valid_until", "This date has passed"),
    ],
)
def test_a_consent_that_makes_no_sense_is_refused(
    changes: dict[str, Any], field: str, message: str, expert: Person, users: dict[str, User]
) -> None:
    today = timezone.localdate()
    kwargs: dict[str, Any] = {"fields": ["email"], "audience": "members", "given_on": today, "valid_until": None}
    for key, value in changes.items():
        kwargs[key] = today + timedelta(days=value) if key in ("given_on", "valid_until") else value
    error = assert_refused(lambda: contacts.consent_record(actor=users["expert-ee"], person=expert, **kwargs), ValidationError)
    assert isinstance(error, ValidationError)
    assert any(message in text for text in error.message_dict[field])


def test_withdrawing_a_consent_narrows_what_it_covered_to_restricted(expert: Person, users: dict[str, User]) -> None:
    given = consent(expert, users["expert-ee"], ["email", "phone"], "public")
    contacts.visibility_set(actor=users["expert-ee"], person=expert, field="email", visibility="public")
    contacts.visibility_set(actor=users["expert-ee"], person=expert, field="phone", visibility="members")
    # when it is withdrawn
    withdrawal = contacts.consent_withdraw(actor=users["expert-ee"], consent=given)
    # then both fields are restricted again, and the person is told which
    expert.refresh_from_db()
    assert (expert.email_visibility, expert.phone_visibility, expert.address_visibility) == ("restricted",) * 3
    assert withdrawal.narrowed == {"email": "restricted", "phone": "restricted"}
    assert withdrawal.message() == "The consent was withdrawn. These fields are shown less widely now: E-mail, Phone."
    assert ContactConsent.objects.get(pk=given.pk).withdrawn_at is not None
    [entry] = audit("directory.consent_withdraw")
    assert "email->restricted" in entry.purpose
    assert card_for(fresh(users["member-fi"]), expert).email is None


def test_withdrawing_narrows_only_as_far_as_the_remaining_consent(expert: Person, users: dict[str, User]) -> None:
    consent(expert, users["expert-ee"], ["email"], "members")
    public = consent(expert, users["expert-ee"], ["email"], "public")
    contacts.visibility_set(actor=users["expert-ee"], person=expert, field="email", visibility="public")
    withdrawal = contacts.consent_withdraw(actor=users["expert-ee"], consent=public)
    expert.refresh_from_db()
    assert expert.email_visibility == "members"
    assert withdrawal.narrowed == {"email": "members"}


def test_withdrawing_an_unused_consent_changes_no_visibility(expert: Person, users: dict[str, User]) -> None:
    given = consent(expert, users["expert-ee"], ["email"], "members")
    withdrawal = contacts.consent_withdraw(actor=users["secretariat"], consent=given)
    assert withdrawal.narrowed == {}
    assert "No contact field" in withdrawal.message()


def test_a_consent_is_withdrawn_once_and_only_by_the_person_or_secretariat(expert: Person, users: dict[str, User]) -> None:
    given = consent(expert, users["expert-ee"], ["email"], "members")
    assert_refused(lambda: contacts.consent_withdraw(actor=users["member-fi"], consent=given), PermissionDenied)
    contacts.consent_withdraw(actor=users["expert-ee"], consent=given)
    assert_refused(lambda: contacts.consent_withdraw(actor=users["expert-ee"], consent=given), Conflict, "already withdrawn")


def test_ended_consents_narrow_the_stored_visibility(expert: Person, users: dict[str, User]) -> None:
    given = consent(expert, users["expert-ee"], ["phone"], "members")
    contacts.visibility_set(actor=users["expert-ee"], person=expert, field="phone", visibility="members")
    ContactConsent.objects.filter(pk=given.pk).update(
        given_on=timezone.localdate() - timedelta(days=9), valid_until=timezone.localdate() - timedelta(days=1)
    )
    out = io.StringIO()
    call_command("directory_consents", stdout=out)
    assert out.getvalue() == f"person {expert.pk}: phone -> restricted\nDone: 1 people narrowed.\n"
    expert.refresh_from_db()
    assert expert.phone_visibility == "restricted"
    assert [entry.object_id for entry in audit("directory.visibility_narrow")] == [str(expert.pk)]
    assert contacts.consent_expiry_narrow() == {}


# --- Visibility ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "wanted", "label", "audience"), [
    ("email", "members", "E-mail", "signed-in network members"),
    ("phone", "public", "Phone", "everyone on the public site"),
    ("address", "members", "Postal address", "signed-in network members"),
])  # fmt: skip
def test_a_visibility_wider_than_consent_is_refused(
    field: str, wanted: str, label: str, audience: str, expert: Person, users: dict[str, User]
) -> None:
    error = assert_refused(
        lambda: contacts.visibility_set(actor=users["expert-ee"], person=expert, field=field, visibility=wanted), ValidationError
    )
    assert isinstance(error, ValidationError)
    assert error.message_dict == {
        "visibility": [f"{label} can be shown to {audience} only with Eva Expert (test)’s consent. Record the consent first."]
    }


def test_a_members_consent_allows_members_but_not_public(expert: Person, users: dict[str, User]) -> None:
    consent(expert, users["expert-ee"], ["email"], "members")
    assert contacts.allowed_visibilities(expert) == {"email": ["restricted", "members"], "phone": ["restricted"], "address": ["restricted"]}
    assert_refused(
        lambda: contacts.visibility_set(actor=users["expert-ee"], person=expert, field="email", visibility="public"), ValidationError
    )
    contacts.visibility_set(actor=users["expert-ee"], person=expert, field="email", visibility="members")
    expert.refresh_from_db()
    assert expert.email_visibility == "members"
    [entry] = audit("directory.visibility_set")
    assert entry.purpose == "email: restricted -> members"
    assert card_for(fresh(users["member-fi"]), expert).email == EMAIL


def test_the_secretariat_sets_visibility_within_the_consent(expert: Person, users: dict[str, User]) -> None:
    consent(expert, users["secretariat"], ["phone"], "public")
    contacts.visibility_set(actor=users["secretariat"], person=expert, field="phone", visibility="public")
    expert.refresh_from_db()
    assert expert.phone_visibility == "public"


def test_restricted_needs_no_consent_and_an_unchanged_visibility_writes_nothing(expert: Person, users: dict[str, User]) -> None:
    contacts.visibility_set(actor=users["expert-ee"], person=expert, field="email", visibility="restricted")
    assert audit("directory.visibility_set") == []


@pytest.mark.parametrize(
    ("field", "wanted", "username", "error"),
    [
        ("full_name", "restricted", "expert-ee", ValidationError),
        ("email", "everyone", "expert-ee", ValidationError),
        ("email", "restricted", "member-fi", PermissionDenied),
        ("email", "restricted", "ncp-ee", PermissionDenied),
    ],
)
def test_bad_visibility_requests_change_nothing(
    field: str, wanted: str, username: str, error: type[Exception], expert: Person, users: dict[str, User]
) -> None:
    assert_refused(lambda: contacts.visibility_set(actor=users[username], person=expert, field=field, visibility=wanted), error)


# --- Contact requests ----------------------------------------------------------------------------------


def test_a_member_asks_and_the_person_and_ncp_are_told_without_contacts(
    expert: Person, users: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        asked = ask(users, expert)
    assert (asked.status, asked.requester, asked.reason) == ("pending", users["member-fi"], REASON)
    [entry] = audit("directory.contact_request")
    assert entry.actor_username == "member-fi"
    assert {tuple(m.to) for m in mail.outbox} == {("expert-ee@demo.carnet.invalid",), ("ncp-ee@demo.carnet.invalid",)}
    assert all("Mikko Member (FI) asks to see the contact details of Eva Expert (test)" in m.subject for m in mail.outbox)
    assert all(REASON in m.body and "/en/directory/contact-requests/" in m.body for m in mail.outbox)
    assert_no_contact_value_in(mail.outbox)


def test_nobody_is_told_before_the_commit(expert: Person, users: dict[str, User], django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ask(users, expert)
    assert mail.outbox == []
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    ("username", "reason", "error", "message"),
    [
        ("expert-ee", REASON, PermissionDenied, None),
        ("ncp-lt", REASON, Conflict, "You can already see all of this person’s contact details."),
        ("coordinator-lt", REASON, Conflict, "You can already see all of this person’s contact details."),
        ("member-fi", "   ", ValidationError, "Say why you need these contact details."),
        ("member-fi", "x" * 1001, ValidationError, "Keep the reason to 1000 characters (it has 1001)."),
    ],
)
def test_requests_that_cannot_be_made_change_nothing(
    username: str,
    reason: str,
    error: type[Exception],
    message: str | None,
    expert: Person,
    users: dict[str, User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert_refused(lambda: contacts.contact_request_create(actor=users[username], person=expert, reason=reason), error, message)
    assert mail.outbox == []


def test_one_pending_request_per_pair(expert: Person, users: dict[str, User]) -> None:
    ask(users, expert)
    assert_refused(lambda: ask(users, expert), Conflict, "You have already asked for this person’s contact details")
    ask(users, expert, who="researcher")  # somebody else may ask too


def test_a_person_whose_contacts_are_all_open_to_members_cannot_be_asked(expert: Person, users: dict[str, User]) -> None:
    consent(expert, users["expert-ee"], ["email", "phone", "address"], "members")
    for field in Person.CONTACT_FIELDS:
        contacts.visibility_set(actor=users["expert-ee"], person=expert, field=field, visibility="members")
    assert_refused(lambda: ask(users, expert), Conflict, "already see all")


def test_the_person_approves_and_the_requester_sees_the_contacts_until_expiry(
    expert: Person, users: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    asked = ask(users, expert)
    with django_capture_on_commit_callbacks(execute=True):
        decided = contacts.contact_request_decide(actor=users["expert-ee"], request=asked, approve=True)
    # then the grant lasts 90 days, is audited (who, to whom, until) and the requester is told without the contacts
    assert decided.status == "approved"
    assert decided.decided_by == users["expert-ee"]
    assert decided.expires_at is not None
    assert abs((decided.expires_at - timezone.now()) - timedelta(days=90)) < timedelta(minutes=1)
    [entry] = audit("directory.contact_grant")
    assert entry.actor_username == "expert-ee"
    assert f"contacts of person {expert.pk} to member-fi until {decided.expires_at.isoformat()}" == entry.purpose
    [message] = mail.outbox
    assert message.to == ["member-fi@demo.carnet.invalid"]
    assert message.subject == "You may now see the contact details of Eva Expert (test)"
    assert_no_contact_value_in(mail.outbox)
    card = card_for(fresh(users["member-fi"]), expert)
    assert card.values() == {"email": EMAIL, "phone": PHONE_SHOWN, "address": ADDRESS}
    # and when the grant expires, nothing is shown any more (no job needed)
    ContactRequest.objects.filter(pk=asked.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert card_for(fresh(users["member-fi"]), expert).values() == {"email": None, "phone": None, "address": None}


def test_the_ncp_of_the_persons_country_decides_too(expert: Person, users: dict[str, User]) -> None:
    asked = ask(users, expert)
    decided = contacts.contact_request_decide(actor=users["ncp-ee"], request=asked, approve=True)
    assert decided.decided_by == users["ncp-ee"]


@pytest.mark.parametrize("days", ["7", " 7 "])
def test_the_grant_length_is_read_from_the_environment_at_call_time(
    days: str, expert: Person, users: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARNET_CONTACT_GRANT_DAYS", days)
    decided = contacts.contact_request_decide(actor=users["expert-ee"], request=ask(users, expert), approve=True)
    assert decided.expires_at is not None
    assert abs((decided.expires_at - timezone.now()) - timedelta(days=7)) < timedelta(minutes=1)


def test_the_grant_length_setting_wins(expert: Person, users: dict[str, User], settings: Any) -> None:
    settings.CARNET_CONTACT_GRANT_DAYS = 30
    assert contacts.grant_days() == 30


def test_a_decline_may_say_why_and_the_requester_is_told(
    expert: Person, users: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    asked = ask(users, expert)
    with django_capture_on_commit_callbacks(execute=True):
        decided = contacts.contact_request_decide(actor=users["expert-ee"], request=asked, approve=False, reason="Please write to the NCP.")
    assert (decided.status, decided.decline_reason, decided.expires_at) == ("declined", "Please write to the NCP.", None)
    assert len(audit("directory.contact_decline")) == 1
    [message] = mail.outbox
    assert "Please write to the NCP." in message.body
    assert card_for(fresh(users["member-fi"]), expert).email is None


def test_a_decline_needs_no_reason(expert: Person, users: dict[str, User]) -> None:
    decided = contacts.contact_request_decide(actor=users["ncp-ee"], request=ask(users, expert), approve=False)
    assert (decided.status, decided.decline_reason) == ("declined", "")


@pytest.mark.parametrize("username", ["member-fi", "ncp-lt", "ncp-se", "coordinator-lt", "secretariat", "sysadmin"])
def test_only_the_person_or_their_ncp_decides(username: str, expert: Person, users: dict[str, User]) -> None:
    asked = ask(users, expert)
    assert_refused(lambda: contacts.contact_request_decide(actor=users[username], request=asked, approve=True), PermissionDenied)


def test_only_a_pending_request_is_decided(expert: Person, users: dict[str, User]) -> None:
    asked = ask(users, expert)
    contacts.contact_request_decide(actor=users["expert-ee"], request=asked, approve=False)
    assert_refused(
        lambda: contacts.contact_request_decide(actor=users["ncp-ee"], request=asked, approve=True), Conflict, "already answered"
    )


def test_a_long_decline_reason_is_refused(expert: Person, users: dict[str, User]) -> None:
    asked = ask(users, expert)
    assert_refused(
        lambda: contacts.contact_request_decide(actor=users["expert-ee"], request=asked, approve=False, reason="x" * 501),
        ValidationError,
        "500",
    )


def test_the_requester_withdraws_a_pending_request(expert: Person, users: dict[str, User]) -> None:
    asked = ask(users, expert)
    assert_refused(lambda: contacts.contact_request_withdraw(actor=users["expert-ee"], request=asked), PermissionDenied)
    withdrawn = contacts.contact_request_withdraw(actor=users["member-fi"], request=asked)
    assert withdrawn.status == "withdrawn"
    assert len(audit("directory.contact_request_withdraw")) == 1
    assert_refused(lambda: contacts.contact_request_withdraw(actor=users["member-fi"], request=asked), Conflict)
    assert_refused(lambda: contacts.contact_request_decide(actor=users["expert-ee"], request=asked, approve=True), Conflict)
    ask(users, expert)  # and may ask again


def test_the_person_or_ncp_ends_a_grant_now(expert: Person, users: dict[str, User], django_capture_on_commit_callbacks: Any) -> None:
    asked = ask(users, expert)
    assert_refused(lambda: contacts.contact_grant_revoke(actor=users["expert-ee"], request=asked), Conflict, "no current grant")
    contacts.contact_request_decide(actor=users["expert-ee"], request=asked, approve=True)
    assert_refused(lambda: contacts.contact_grant_revoke(actor=users["member-fi"], request=asked), PermissionDenied)
    with django_capture_on_commit_callbacks(execute=True):
        contacts.contact_grant_revoke(actor=users["ncp-ee"], request=asked)
    assert card_for(fresh(users["member-fi"]), expert).email is None
    [entry] = audit("directory.contact_grant_revoke")
    assert entry.actor_username == "ncp-ee"
    assert mail.outbox[0].to == ["member-fi@demo.carnet.invalid"]
    assert_no_contact_value_in(mail.outbox)
    assert_refused(lambda: contacts.contact_grant_revoke(actor=users["expert-ee"], request=asked), Conflict)


# --- Pages ----------------------------------------------------------------------------------------------


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def page_text(response: Any) -> str:
    return response.content.decode()


def test_the_request_page_names_what_is_hidden_without_values(expert: Person, users: dict[str, User]) -> None:
    response = signed_in(users["member-fi"]).get(f"/en/directory/people/{expert.pk}/contact-request/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Ask for the contact details of Eva Expert (test)" in text
    assert all(label in text for label in ("E-mail", "Phone", "Postal address"))
    assert not any(value in text for value in CONTACT_VALUES)


def test_the_request_page_tells_an_ncp_they_already_see_everything(expert: Person, users: dict[str, User]) -> None:
    response = signed_in(users["ncp-lt"]).get(f"/en/directory/people/{expert.pk}/contact-request/")
    assert response.status_code == 200
    assert "You can already see all of this person’s contact details." in page_text(response)
    assert "<textarea" not in page_text(response)


def test_asking_on_the_page(expert: Person, users: dict[str, User]) -> None:
    client = signed_in(users["member-fi"])
    url = f"/en/directory/people/{expert.pk}/contact-request/"
    # an empty reason: 400, nothing asked
    before = snapshot()
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert snapshot() == before
    # a reason: asked, and on to my requests
    response = client.post(url, {"reason": REASON}, follow=True)
    assert response.redirect_chain == [("/en/directory/contact-requests/", 302)]
    text = page_text(response)
    assert "Your request was sent." in text
    assert "Eva Expert (test)" in text
    assert "Waiting for an answer" in text
    # asking again: 409 with the message, nothing changed
    before = snapshot()
    response = client.post(url, {"reason": REASON})
    assert response.status_code == 409
    assert "You have already asked for this person’s contact details" in page_text(response)
    assert "Nothing was changed." in page_text(response)
    assert snapshot() == before


def test_the_person_and_their_ncp_see_the_request_to_decide_others_do_not(expert: Person, users: dict[str, User]) -> None:
    asked = ask(users, expert)
    for username in ("expert-ee", "ncp-ee"):
        text = page_text(signed_in(users[username]).get("/en/directory/contact-requests/"))
        assert f"/en/directory/contact-requests/{asked.pk}/decide/" in text, username
        assert REASON in text
    for username in ("ncp-lt", "researcher", "secretariat"):
        text = page_text(signed_in(users[username]).get("/en/directory/contact-requests/"))
        assert str(asked.pk) not in text, username
        assert "No request is waiting for your answer." in text


def test_deciding_on_the_page(expert: Person, users: dict[str, User]) -> None:
    asked = ask(users, expert)
    client = signed_in(users["expert-ee"])
    url = f"/en/directory/contact-requests/{asked.pk}/decide/"
    assert client.post(url, {"decision": "maybe"}).status_code == 400
    response = client.post(url, {"decision": "approve"}, follow=True)
    assert "Approved: Mikko Member (FI) can see the contact details of Eva Expert (test) for 90 days." in page_text(response)
    # the grant shows on my contacts and on the requests page
    assert "Mikko Member (FI)" in page_text(client.get("/en/directory/me/contacts/"))
    # a second answer: 409, nothing changed
    before = snapshot()
    response = client.post(url, {"decision": "decline"})
    assert response.status_code == 409
    assert "already answered" in page_text(response)
    assert snapshot() == before
    # the requester sees the status and until when
    text = page_text(signed_in(users["member-fi"]).get("/en/directory/contact-requests/"))
    assert "Approved" in text
    assert "Access until" in text


def test_withdrawing_and_revoking_on_the_pages(expert: Person, users: dict[str, User]) -> None:
    asked = ask(users, expert)
    response = signed_in(users["member-fi"]).post(f"/en/directory/contact-requests/{asked.pk}/withdraw/")
    assert response.status_code == 302
    assert ContactRequest.objects.get(pk=asked.pk).status == "withdrawn"
    again = ask(users, expert)
    contacts.contact_request_decide(actor=users["expert-ee"], request=again, approve=True)
    response = signed_in(users["expert-ee"]).post(f"/en/directory/contact-requests/{again.pk}/revoke/", {"back": "my_contacts"})
    assert response["Location"] == "/en/directory/me/contacts/"
    assert not selectors.grant_active(ContactRequest.objects.get(pk=again.pk))


def test_my_contacts_offers_only_what_the_consent_allows(expert: Person, users: dict[str, User]) -> None:
    client = signed_in(users["expert-ee"])
    text = page_text(client.get("/en/directory/me/contacts/"))
    assert all(value in text for value in (EMAIL, PHONE_SHOWN, ADDRESS))
    assert '<option value="members"' not in text
    assert '<option value="public"' not in text
    assert "No current consent covers this detail" in text
    # a wider visibility than the consent: 400 with the message, nothing changed
    before = snapshot()
    response = client.post("/en/directory/me/contacts/visibility/", {"field": "email", "visibility": "members"})
    assert response.status_code == 400
    assert "E-mail can be shown to signed-in network members only with Eva Expert (test)’s consent. Record the consent first." in page_text(
        response
    )
    assert snapshot() == before
    # the person gives consent for e-mail to members; now members may be chosen
    response = client.post("/en/directory/me/contacts/consents/", {"contact_fields": ["email"], "audience": "members", "valid_until": ""})
    assert response.status_code == 302
    text = page_text(client.get("/en/directory/me/contacts/"))
    assert '<option value="members"' in text
    assert '<option value="public"' not in text
    response = client.post("/en/directory/me/contacts/visibility/", {"field": "email", "visibility": "members"}, follow=True)
    assert "E-mail is now shown to signed-in network members." in page_text(response)
    expert.refresh_from_db()
    assert expert.email_visibility == "members"
    # withdrawing the consent narrows the e-mail again and says so
    given = ContactConsent.objects.get(person=expert)
    response = client.post(f"/en/directory/me/contacts/consents/{given.pk}/withdraw/", follow=True)
    assert "These fields are shown less widely now: E-mail." in page_text(response)
    expert.refresh_from_db()
    assert expert.email_visibility == "restricted"


def test_a_consent_form_without_fields_is_refused(expert: Person, users: dict[str, User]) -> None:
    response = signed_in(users["expert-ee"]).post("/en/directory/me/contacts/consents/", {"audience": "members"})
    assert response.status_code == 400
    assert ContactConsent.objects.count() == 0


def test_my_contacts_without_an_entry(users: dict[str, User]) -> None:
    client = signed_in(users["member-fi"])
    assert "You have no entry in the directory yet." in page_text(client.get("/en/directory/me/contacts/"))
    assert client.post("/en/directory/me/contacts/visibility/", {"field": "email", "visibility": "restricted"}).status_code == 404


def test_someone_elses_consent_is_not_found(expert: Person, users: dict[str, User]) -> None:
    given = consent(expert, users["expert-ee"], ["email"], "members")
    make_person(user=users["member-fi"], country="FI", name="Mikko (test)", email="mikko@example.invalid")
    assert signed_in(users["member-fi"]).post(f"/en/directory/me/contacts/consents/{given.pk}/withdraw/").status_code == 404
    assert signed_in(users["member-fi"]).post(f"/api/v1/directory/me/consents/{given.pk}/withdraw").status_code == 404
    assert ContactConsent.objects.get(pk=given.pk).withdrawn_at is None


# --- API -------------------------------------------------------------------------------------------------


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(path, data=json.dumps(body or {}), content_type="application/json")


def test_the_api_journey(expert: Person, users: dict[str, User]) -> None:
    member, person = signed_in(users["member-fi"]), signed_in(users["expert-ee"])
    # asking: bad input 422 naming the field, unknown person 404, then 201
    response = post(member, f"/api/v1/directory/people/{expert.pk}/contact-requests", {"reason": " "})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "reason", "reason": "Say why you need these contact details.", "type": "value_error"}]
    assert post(member, f"/api/v1/directory/people/{users['member-fi'].pk}/contact-requests", {"reason": REASON}).status_code == 422
    assert (
        post(member, "/api/v1/directory/people/00000000-0000-0000-0000-000000000000/contact-requests", {"reason": REASON}).status_code
        == 404
    )
    response = post(member, f"/api/v1/directory/people/{expert.pk}/contact-requests", {"reason": REASON})
    assert response.status_code == 201
    created = response.json()
    assert (created["status"], created["person_name"], created["active"]) == ("pending", "Eva Expert (test)", False)
    response = post(member, f"/api/v1/directory/people/{expert.pk}/contact-requests", {"reason": REASON})
    assert (response.status_code, response.json()["code"]) == (409, "already_pending")
    # the person sees it to decide, and approves
    listing = person.get("/api/v1/directory/contact-requests").json()
    assert [r["id"] for r in listing["to_decide"]] == [created["id"]]
    assert post(person, f"/api/v1/directory/contact-requests/{created['id']}/decide", {}).status_code == 422
    response = post(person, f"/api/v1/directory/contact-requests/{created['id']}/decide", {"approve": True})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["active"]) == ("approved", True)
    response = post(person, f"/api/v1/directory/contact-requests/{created['id']}/decide", {"approve": False})
    assert (response.status_code, response.json()["code"]) == (409, "wrong_status")
    assert post(member, f"/api/v1/directory/contact-requests/{created['id']}/withdraw").status_code == 409
    assert member.get("/api/v1/directory/contact-requests").json()["asked"][0]["active"] is True
    assert not any(value in json.dumps(listing) for value in CONTACT_VALUES)


def test_the_api_for_my_consents_and_visibility(expert: Person, users: dict[str, User]) -> None:
    client = signed_in(users["expert-ee"])
    response = post(client, "/api/v1/directory/me/visibility", {"field": "phone", "visibility": "public"})
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "visibility",
        "reason": "Phone can be shown to everyone on the public site only with Eva Expert (test)’s consent. Record the consent first.",
        "type": "value_error",
    }
    response = post(client, "/api/v1/directory/me/consents", {"fields": ["phone", "fax"], "audience": "public"})
    assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "fields")
    response = post(client, "/api/v1/directory/me/consents", {"fields": ["phone"], "audience": "public"})
    assert response.status_code == 201
    given = response.json()
    assert (given["fields"], given["given_on"], given["current"]) == (["phone"], timezone.localdate().isoformat(), True)
    assert [c["id"] for c in client.get("/api/v1/directory/me/consents").json()] == [given["id"]]
    response = post(client, "/api/v1/directory/me/visibility", {"field": "phone", "visibility": "public"})
    assert response.status_code == 200
    assert response.json()["visibility"] == {"email": "restricted", "phone": "public", "address": "restricted"}
    response = post(client, f"/api/v1/directory/me/consents/{given['id']}/withdraw")
    assert response.status_code == 200
    assert response.json()["narrowed"] == {"phone": "restricted"}
    assert post(client, f"/api/v1/directory/me/consents/{given['id']}/withdraw").status_code == 409
    assert post(client, "/api/v1/directory/me/visibility", {"field": "phone"}).status_code == 422
    assert client.post("/api/v1/directory/me/visibility", data="{not json", content_type="application/json").status_code in (400, 422)


def test_the_api_without_an_entry(users: dict[str, User]) -> None:
    client = signed_in(users["member-fi"])
    assert client.get("/api/v1/directory/me/consents").json() == []
    response = post(client, "/api/v1/directory/me/consents", {"fields": ["email"], "audience": "members"})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


# --- The matrix's object rows ---------------------------------------------------------------------------


def _own_entry(users: dict[str, User], role: str) -> Person | None:
    if role == "anonymous":
        return None
    existing = Person.objects.filter(user=users[role]).first()
    if existing is not None:
        return existing
    return make_person(user=users[role], country="SE", name=f"{role} (test)", email=f"{role}@people.invalid")


ASKS = {"directory:contact_request_new", "POST /directory/people/{person_id}/contact-requests"}
PENDING = {
    "directory:contact_request_decide",
    "directory:contact_request_withdraw",
    "POST /directory/contact-requests/{request_id}/decide",
    "POST /directory/contact-requests/{request_id}/withdraw",
}
APPROVED = {"directory:contact_grant_revoke"}
OWN_CONSENT = {"directory:my_consent_withdraw", "POST /directory/me/consents/{consent_id}/withdraw"}


def _state(key: str, role: str, users: dict[str, User], expert: Person) -> dict[str, Any]:
    """The objects a row names, for ``role``; the rows about one's own entry get the acting account an entry."""
    if key in ASKS:
        return {"person": expert.pk}
    if key in PENDING:
        return {"request": ask(users, expert).pk}
    if key in APPROVED:
        asked = ask(users, expert)
        contacts.contact_request_decide(actor=users["expert-ee"], request=asked, approve=True)
        return {"request": asked.pk}
    own = _own_entry(users, role)
    if key in OWN_CONSENT:
        return {"consent": consent(own or expert, users["secretariat"], ["email"], "members").pk}
    return {}


def _send(client: Client, method: str, path: str, body: dict[str, object] | None) -> int:
    if path.startswith("/api/"):
        return int(
            getattr(client, method.lower())(
                path, data=json.dumps(body) if body is not None else None, content_type="application/json"
            ).status_code
        )
    return int(getattr(client, method.lower())(path, data=body or {}).status_code)


OBJECT_ROWS = sorted([*(k for k, v in matrix.PAGES.items() if v.objects), *(k for k, v in matrix.API.items() if v.objects)])


@pytest.mark.parametrize("key", OBJECT_ROWS)
def test_object_rows(key: str, users: dict[str, User], expert: Person, client_as: Callable[[str], Client]) -> None:
    row = matrix.PAGES.get(key) or matrix.API[key]
    actual = {}
    for role in ROLES:
        with transaction.atomic():
            state = _state(key, role, users, expert)
            before = snapshot()
            status = _send(client_as(role), row.method, row.path.format(**state), row.body)
            actual[role] = status
            if role == "anonymous" or status in (403, 404, 409):
                assert snapshot() == before, (key, role)
            transaction.set_rollback(True)
    assert actual == row.expect
