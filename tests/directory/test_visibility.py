"""The rules of carnet.directory.visibility.cards_for, one by one: who sees which contact field, and why.

Every channel (pages, search, vCard, CSV/XLSX, API) reads contacts only through these cards,
so these rules are the whole of "who sees a contact". Expiry of a grant is tested by putting
``expires_at`` in the past, as time passing would.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carnet.accounts.models import Role, User
from carnet.accounts.services import membership_grant
from carnet.core.models import Country
from carnet.directory.models import ContactConsent, ContactRequest, Person, Visibility
from carnet.directory.visibility import Why, card_for, cards_for

pytestmark = pytest.mark.django_db

EMAIL = "eva.expert@example.invalid"
PHONE = "+37251234567"
PHONE_SHOWN = "+372 5123 4567"  # as carnet formats a phone number (international format)
ADDRESS = "Synthetic street 1, Tallinn"
ALL = {"email": EMAIL, "phone": PHONE_SHOWN, "address": ADDRESS}
NOTHING: dict[str, str | None] = {"email": None, "phone": None, "address": None}


def make_person(*, user: User | None = None, country: str = "EE", name: str = "Eva Expert (test)", **fields: Any) -> Person:
    values = {"email": EMAIL, "phone": PHONE, "address": ADDRESS, **fields}
    return Person.objects.create(user=user, full_name=name, country=Country.objects.get(code=country), **values)


def consent(
    person: Person, fields: list[str], audience: str, *, days_ago: int = 1, until_in: int | None = None, withdrawn: bool = False
) -> None:
    today = timezone.localdate()
    ContactConsent.objects.create(
        person=person,
        fields=fields,
        audience=audience,
        given_on=today - timedelta(days=days_ago),
        valid_until=None if until_in is None else today + timedelta(days=until_in),
        withdrawn_at=timezone.now() if withdrawn else None,
        recorded_by=User.objects.get(username="secretariat"),
    )


def fresh(user: User) -> User:
    """The same account without the grants cached on the object (a new request)."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def expert(demo_users: dict[str, User]) -> Person:
    """expert-ee's entry: every contact field restricted (the default)."""
    return make_person(user=demo_users["expert-ee"])


# --- Self, and the restricted default ---------------------------------------------------------------


def test_the_person_sees_all_their_own_contacts(expert: Person, demo_users: dict[str, User]) -> None:
    card = card_for(demo_users["expert-ee"], expert)
    assert card.values() == ALL
    assert card.hidden == ()
    assert card.why == dict.fromkeys(ALL, Why.SELF)


@pytest.mark.parametrize(
    "username", ["member-fi", "caseworker-se", "caseworker-lt", "supervisor-se", "researcher", "secretariat", "sysadmin"]
)
def test_restricted_contacts_are_hidden_from_members_secretariat_and_sysadmin(
    username: str, expert: Person, demo_users: dict[str, User]
) -> None:
    card = card_for(demo_users[username], expert)
    assert card.values() == NOTHING
    assert card.hidden == ("email", "phone", "address")
    assert card.can_request is True
    assert card.why == {}


def test_anonymous_sees_nothing_restricted(expert: Person) -> None:
    card = card_for(AnonymousUser(), expert)
    assert card.values() == NOTHING
    assert card.hidden == ("email", "phone", "address")
    assert card_for(None, expert).values() == NOTHING


def test_an_empty_field_is_not_hidden_just_empty(demo_users: dict[str, User]) -> None:
    person = make_person(address="", phone="")
    card = card_for(demo_users["member-fi"], person)
    assert card.values() == NOTHING
    assert card.hidden == ("email",)


# --- The roles that see restricted contacts, in any country ------------------------------------------


@pytest.mark.parametrize("username", ["ncp-lt", "ncp-se", "coordinator-lt"])
def test_ncps_and_coordinators_of_any_country_see_restricted_contacts(username: str, expert: Person, demo_users: dict[str, User]) -> None:
    card = card_for(demo_users[username], expert)
    assert card.values() == ALL
    assert card.hidden == ()
    assert card.why == dict.fromkeys(ALL, Why.ROLE)


@pytest.mark.parametrize("country", ["DK", None], ids=["national", "regional"])
def test_the_task_force_expert_group_sees_restricted_contacts(country: str | None, expert: Person, demo_users: dict[str, User]) -> None:
    user = User.objects.create_user(username="tfoc-member", email="tfoc@example.invalid", password="x" * 20)  # noqa: S106
    membership_grant(actor=None, user=user, role=Role.EXPERT_GROUP, country=Country.objects.get(code=country) if country else None)
    card = card_for(fresh(user), expert)
    assert card.values() == ALL
    assert card.why == dict.fromkeys(ALL, Why.ROLE)


def test_an_ended_ncp_membership_no_longer_sees(expert: Person, demo_users: dict[str, User]) -> None:
    ncp = demo_users["ncp-lt"]
    ncp.memberships.update(valid_from=timezone.now() - timedelta(days=2), valid_until=timezone.now() - timedelta(minutes=1))
    assert card_for(fresh(ncp), expert).values() == NOTHING


# --- Public and members: only with a current consent -------------------------------------------------


def test_public_with_a_public_consent_is_seen_by_everyone(demo_users: dict[str, User]) -> None:
    person = make_person(email_visibility=Visibility.PUBLIC)
    consent(person, ["email"], Visibility.PUBLIC)
    for viewer in (AnonymousUser(), demo_users["member-fi"], demo_users["secretariat"]):
        card = card_for(viewer, person)
        assert card.values() == {"email": EMAIL, "phone": None, "address": None}
        assert card.why == {"email": Why.PUBLIC}
        assert card.hidden == ("phone", "address")


def test_members_with_a_members_consent_is_seen_by_signed_in_members_only(demo_users: dict[str, User]) -> None:
    person = make_person(phone_visibility=Visibility.MEMBERS)
    consent(person, ["phone"], Visibility.MEMBERS)
    assert card_for(AnonymousUser(), person).phone is None
    for username in ("member-fi", "secretariat", "sysadmin", "researcher"):
        card = card_for(demo_users[username], person)
        assert card.phone == PHONE_SHOWN
        assert card.why == {"phone": Why.MEMBERS}


def test_a_signed_in_user_without_any_membership_is_not_a_member(demo_users: dict[str, User]) -> None:
    person = make_person(phone_visibility=Visibility.MEMBERS)
    consent(person, ["phone"], Visibility.MEMBERS)
    outsider = User.objects.create_user(username="outsider", password="x" * 20)  # noqa: S106
    assert card_for(outsider, person).phone is None


def test_public_with_only_a_members_consent_narrows_to_members(demo_users: dict[str, User]) -> None:
    person = make_person(email_visibility=Visibility.PUBLIC)
    consent(person, ["email"], Visibility.MEMBERS)
    assert card_for(AnonymousUser(), person).email is None
    card = card_for(demo_users["member-fi"], person)
    assert card.email == EMAIL
    assert card.why == {"email": Why.MEMBERS}


def test_members_with_a_public_consent_stays_members(demo_users: dict[str, User]) -> None:
    person = make_person(email_visibility=Visibility.MEMBERS)
    consent(person, ["email"], Visibility.PUBLIC)
    assert card_for(AnonymousUser(), person).email is None
    assert card_for(demo_users["member-fi"], person).email == EMAIL


def test_restricted_with_a_consent_stays_restricted(demo_users: dict[str, User]) -> None:
    person = make_person()
    consent(person, ["email", "phone", "address"], Visibility.PUBLIC)
    assert card_for(demo_users["member-fi"], person).values() == NOTHING


def test_a_consent_for_another_field_does_not_count(demo_users: dict[str, User]) -> None:
    person = make_person(email_visibility=Visibility.MEMBERS)
    consent(person, ["phone"], Visibility.PUBLIC)
    assert card_for(demo_users["member-fi"], person).email is None


def test_another_persons_consent_does_not_count(demo_users: dict[str, User]) -> None:
    person = make_person(email_visibility=Visibility.MEMBERS)
    other = make_person(name="Somebody else", email="other@example.invalid")
    consent(other, ["email"], Visibility.PUBLIC)
    assert card_for(demo_users["member-fi"], person).email is None


@pytest.mark.parametrize(
    ("stored", "consent_kwargs"),
    [
        pytest.param(Visibility.PUBLIC, {"days_ago": 10, "until_in": -1}, id="public-expired-yesterday"),
        pytest.param(Visibility.MEMBERS, {"days_ago": 10, "until_in": -1}, id="members-expired-yesterday"),
        pytest.param(Visibility.PUBLIC, {"withdrawn": True}, id="public-withdrawn"),
        pytest.param(Visibility.MEMBERS, {"withdrawn": True}, id="members-withdrawn"),
        pytest.param(Visibility.PUBLIC, {"days_ago": -1}, id="public-given-tomorrow"),
        pytest.param(Visibility.MEMBERS, {"days_ago": -1}, id="members-given-tomorrow"),
    ],
)
def test_a_consent_that_is_not_current_counts_as_none(stored: str, consent_kwargs: dict[str, Any], demo_users: dict[str, User]) -> None:
    # given a wide stored visibility whose only consent has ended, was withdrawn or is not yet given
    person = make_person(email_visibility=stored, phone_visibility=stored, address_visibility=stored)
    consent(person, ["email", "phone", "address"], Visibility.PUBLIC, **consent_kwargs)
    # then it counts as restricted: hidden from members and the public, still seen by the NCPs and the person
    assert card_for(AnonymousUser(), person).values() == NOTHING
    assert card_for(demo_users["member-fi"], person).values() == NOTHING
    assert card_for(demo_users["secretariat"], person).values() == NOTHING
    assert card_for(demo_users["ncp-lt"], person).values() == ALL


def test_a_consent_ending_today_still_counts(demo_users: dict[str, User]) -> None:
    person = make_person(email_visibility=Visibility.MEMBERS)
    consent(person, ["email"], Visibility.MEMBERS, days_ago=5, until_in=0)
    assert card_for(demo_users["member-fi"], person).email == EMAIL


def test_a_consent_given_today_counts(demo_users: dict[str, User]) -> None:
    person = make_person(email_visibility=Visibility.MEMBERS)
    consent(person, ["email"], Visibility.MEMBERS, days_ago=0)
    assert card_for(demo_users["member-fi"], person).email == EMAIL


# --- Contact requests ---------------------------------------------------------------------------------


def _request(person: Person, requester: User, status: str, expires_in: timedelta | None) -> ContactRequest:
    return ContactRequest.objects.create(
        person=person,
        requester=requester,
        reason="To invite the expert to a training (test).",
        status=status,
        expires_at=None if expires_in is None else timezone.now() + expires_in,
    )


def test_an_approved_unexpired_request_shows_everything(expert: Person, demo_users: dict[str, User]) -> None:
    _request(expert, demo_users["member-fi"], ContactRequest.Status.APPROVED, timedelta(days=30))
    card = card_for(demo_users["member-fi"], expert)
    assert card.values() == ALL
    assert card.why == dict.fromkeys(ALL, Why.REQUEST)
    assert card.can_request is False


def test_an_approved_request_stops_showing_once_it_expires(expert: Person, demo_users: dict[str, User]) -> None:
    grant = _request(expert, demo_users["member-fi"], ContactRequest.Status.APPROVED, timedelta(days=30))
    assert card_for(demo_users["member-fi"], expert).values() == ALL
    # when the expiry passes
    grant.expires_at = timezone.now() - timedelta(seconds=1)
    grant.save(update_fields=["expires_at"])
    # then nothing is shown any more
    assert card_for(fresh(demo_users["member-fi"]), expert).values() == NOTHING


def test_an_approved_request_without_expiry_shows_nothing(expert: Person, demo_users: dict[str, User]) -> None:
    _request(expert, demo_users["member-fi"], ContactRequest.Status.APPROVED, None)
    assert card_for(demo_users["member-fi"], expert).values() == NOTHING


@pytest.mark.parametrize("status", [ContactRequest.Status.PENDING, ContactRequest.Status.DECLINED, ContactRequest.Status.WITHDRAWN])
def test_requests_that_are_not_approved_show_nothing(status: str, expert: Person, demo_users: dict[str, User]) -> None:
    _request(expert, demo_users["member-fi"], status, timedelta(days=30))
    assert card_for(demo_users["member-fi"], expert).values() == NOTHING


def test_a_grant_is_for_its_requester_and_its_person_only(expert: Person, demo_users: dict[str, User]) -> None:
    other = make_person(name="Other expert (test)", email="other@example.invalid")
    _request(expert, demo_users["member-fi"], ContactRequest.Status.APPROVED, timedelta(days=30))
    assert card_for(demo_users["researcher"], expert).values() == NOTHING
    assert card_for(demo_users["member-fi"], other).values() == NOTHING


# --- Many people at once -------------------------------------------------------------------------------


def test_cards_keep_the_order_of_the_people(demo_users: dict[str, User]) -> None:
    people = [make_person(name=f"Person {i}", email=f"p{i}@example.invalid") for i in range(3)]
    cards = cards_for(demo_users["ncp-lt"], reversed(people))
    assert [card.person for card in cards] == list(reversed(people))
    assert [card.email for card in cards] == ["p2@example.invalid", "p1@example.invalid", "p0@example.invalid"]


@pytest.mark.parametrize("count", [5, 50])
def test_cards_for_many_people_take_three_queries(count: int, demo_users: dict[str, User]) -> None:
    # given people with consents and a grant, some public, some members, some restricted
    people = []
    for i in range(count):
        person = make_person(name=f"Person {i}", email=f"p{i}@example.invalid", email_visibility=Visibility.MEMBERS)
        consent(person, ["email"], Visibility.MEMBERS)
        people.append(person)
    _request(people[0], demo_users["member-fi"], ContactRequest.Status.APPROVED, timedelta(days=1))
    viewer = fresh(demo_users["member-fi"])
    # when the cards are made; then three queries: the viewer's grants, their contact grants, the consents
    with CaptureQueriesContext(connection) as queries:
        cards = cards_for(viewer, people)
    assert len(queries.captured_queries) == 3
    assert all(card.email is not None for card in cards)
    assert cards[0].why == {"email": Why.MEMBERS, "phone": Why.REQUEST, "address": Why.REQUEST}
    assert cards[1].hidden == ("phone", "address")
