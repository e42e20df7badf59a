"""People of the directory: the services that write them, the selectors that find them, and their pages."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from carnet.accounts.models import User
from carnet.audit.models import AuditEntry
from carnet.core.models import Country, Priority
from carnet.directory import demo
from carnet.directory.models import NetworkRole, NetworkRoleKind, Organisation, Person, Topic, Visibility
from carnet.directory.selectors import PeopleFilters, people_search_for, person_get_for, topic_groups
from carnet.directory.services import (
    BAD_PHONE,
    DUPLICATE,
    network_role_end,
    network_role_grant,
    person_create,
    person_update,
)
from carnet.directory.visibility import card_for
from tests.fixtures import ROLES
from tests.matrix.directory import API, OBJECT_ROWS, PAGES

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(demo_users: dict[str, User]) -> dict[str, Person]:
    """The demo directory (people for the demo accounts and the synthetic ones), by full name."""
    demo.load(out=io.StringIO())
    return {person.full_name: person for person in Person.objects.all()}


def _country(code: str) -> Country:
    return Country.objects.get(code=code)


def _data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "full_name": "Test Person",
        "position": "Analyst",
        "country": _country("LV"),
        "email": "test.person@example.invalid",
        "phone": "+371 2555 0199",
        "languages": ["lv", "EN"],
    }
    data.update(changes)
    return data


# Services ----------------------------------------------------------------------------------------------------------------


def test_person_create_starts_restricted_and_is_audited(demo_users: dict[str, User]) -> None:
    # when the secretariat adds a person
    person = person_create(actor=demo_users["secretariat"], data=_data())
    # then every contact is restricted, the languages are clean codes, and the audit says so
    person.refresh_from_db()
    assert (person.email_visibility, person.phone_visibility, person.address_visibility) == (Visibility.RESTRICTED,) * 3
    assert person.languages == ["lv", "en"]
    assert person.phone.as_e164 == "+37125550199"
    assert AuditEntry.objects.filter(action="directory.person.create", object_id=str(person.pk)).count() == 1


@pytest.mark.parametrize("username", ["member-fi", "ncp-lt", "expert-ee", "sysadmin"])
def test_only_the_secretariat_creates_people(demo_users: dict[str, User], username: str) -> None:
    with pytest.raises(PermissionDenied):
        person_create(actor=demo_users[username], data=_data())
    assert not Person.objects.filter(full_name="Test Person").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"phone": "+000 123"}, "phone", str(BAD_PHONE)),
        ({"phone": "12345"}, "phone", str(BAD_PHONE)),
        ({"languages": ["english"]}, "languages", "“english” is not a language code: use two-letter ISO 639-1 codes such as en, ru or lt."),
        ({"full_name": "  "}, "full_name", "This field cannot be blank."),
    ],
    ids=["email", "phone-fake-code", "phone-no-country", "language", "name"],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(
    demo_users: dict[str, User], changes: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        person_create(actor=demo_users["secretariat"], data=_data(**changes))
    assert caught.value.message_dict[field] == [message]
    assert Person.objects.count() == 0


def test_every_bad_field_is_reported_at_once(demo_users: dict[str, User]) -> None:
    with pytest.raises(ValidationError) as caught:
        person_create(actor=demo_users["secretariat"], data=_data(email="x", phone="1"))
    assert set(caught.value.message_dict) == {"email", "phone"}


@pytest.mark.parametrize(
    "changes",
    [
        {"full_name": "Other Name", "email": "TEST.person@example.invalid"},
        {"full_name": "TEST  PERSÖN", "email": ""},
        {"full_name": "test person", "email": "another@example.invalid"},
    ],
    ids=["same-email-other-case", "same-name-diacritics", "same-name-case"],
)
def test_a_duplicate_person_is_refused(demo_users: dict[str, User], changes: dict[str, object]) -> None:
    person_create(actor=demo_users["secretariat"], data=_data())
    with pytest.raises(ValidationError) as caught:
        person_create(actor=demo_users["secretariat"], data=_data(**changes))
    assert caught.value.messages == [str(DUPLICATE)]
    assert Person.objects.count() == 1


def test_the_same_name_in_another_country_is_another_person(demo_users: dict[str, User]) -> None:
    person_create(actor=demo_users["secretariat"], data=_data())
    person_create(actor=demo_users["secretariat"], data=_data(country=_country("EE"), email=""))
    assert Person.objects.count() == 2


def test_a_person_updates_their_own_details_but_not_others(directory: dict[str, Person], demo_users: dict[str, User]) -> None:
    eva = directory["Eva Expert"]
    # when expert-ee changes their position, it changes and is audited by field name only
    person_update(actor=demo_users["expert-ee"], person=eva, data={"position": "Senior specialist"})
    eva.refresh_from_db()
    assert eva.position == "Senior specialist"
    entry = AuditEntry.objects.filter(action="directory.person.update", object_id=str(eva.pk)).get()
    assert entry.purpose == "position"
    # and member-fi may not change them
    with pytest.raises(PermissionDenied):
        person_update(actor=demo_users["member-fi"], person=eva, data={"position": "Changed"})
    # and nobody but the secretariat links a person to another account
    with pytest.raises(PermissionDenied):
        person_update(actor=demo_users["expert-ee"], person=eva, data={"user": demo_users["member-fi"]})
    # and nobody writes a visibility through this service
    with pytest.raises(ValueError, match="email_visibility"):
        person_update(actor=demo_users["secretariat"], person=eva, data={"email_visibility": Visibility.PUBLIC})
    eva.refresh_from_db()
    assert (eva.position, eva.email_visibility) == ("Senior specialist", Visibility.RESTRICTED)


def test_an_update_to_another_persons_email_is_a_duplicate(directory: dict[str, Person], demo_users: dict[str, User]) -> None:
    with pytest.raises(ValidationError) as caught:
        person_update(actor=demo_users["secretariat"], person=directory["Mikko Member"], data={"email": directory["Eva Expert"].email})
    assert caught.value.messages == [str(DUPLICATE)]


def test_network_roles_are_granted_and_ended_by_the_secretariat(directory: dict[str, Person], demo_users: dict[str, User]) -> None:
    mikko = directory["Mikko Member"]
    audited = AuditEntry.objects.filter(action__in=["directory.role.grant", "directory.role.end"], object_id=str(mikko.pk))
    before = audited.count()
    with pytest.raises(PermissionDenied):
        network_role_grant(actor=demo_users["ncp-lt"], person=mikko, kind=NetworkRoleKind.TFTHB_MEMBER, country=_country("FI"))
    role = network_role_grant(actor=demo_users["secretariat"], person=mikko, kind=NetworkRoleKind.TFTHB_MEMBER, country=_country("FI"))
    assert people_search_for(actor=demo_users["member-fi"], filters=PeopleFilters(role="tfthb_member")).filter(pk=mikko.pk).exists()
    with pytest.raises(ValidationError):
        network_role_grant(actor=demo_users["secretariat"], person=mikko, kind="king", country=None)
    network_role_end(actor=demo_users["secretariat"], role=role)
    # an ended role no longer counts (it ends today; from tomorrow it is past)
    NetworkRole.objects.filter(pk=role.pk).update(until="2000-01-01")
    assert not people_search_for(actor=demo_users["member-fi"], filters=PeopleFilters(role="tfthb_member")).filter(pk=mikko.pk).exists()
    assert audited.count() == before + 2


# Selectors ---------------------------------------------------------------------------------------------------------------


def _names(actor: User, **filters: str) -> set[str]:
    return {p.full_name for p in people_search_for(actor=actor, filters=PeopleFilters(**filters))}


def test_search_never_matches_a_contact_field(directory: dict[str, Person], demo_users: dict[str, User]) -> None:
    eva = directory["Eva Expert"]
    # given expert-ee's e-mail, phone and address, hidden from member-fi
    assert card_for(demo_users["member-fi"], eva).hidden == ("email", "phone", "address")
    # when member-fi searches for them, nobody is found (not even by ncp-lt, who could see them: search is by name)
    for username in ("member-fi", "ncp-lt"):
        for value in (eva.email, "eva.expert", str(eva.phone), "5555 0101", "Näidise"):
            assert _names(demo_users[username], q=value) == set(), (username, value)
    # while the name, the position and the organisation find them
    assert "Eva Expert" in _names(demo_users["member-fi"], q="eva expert")
    assert "Eva Expert" in _names(demo_users["member-fi"], q="protection specialist")
    assert "Eva Expert" in _names(demo_users["member-fi"], q="rights NGO")


def test_filters(directory: dict[str, Person], demo_users: dict[str, User]) -> None:
    member = demo_users["member-fi"]
    assert _names(member, country="lt") == {"Nikolai Contact-Point", "Kristina Coordinator", "Tomas Pavyzdys"}
    assert _names(member, role="ncp") == {
        "Nora Contact-Point",
        "Nikolai Contact-Point",
        "Freja Testesen",
        "Kadri Näidis",
        "Aino Esimerkki",
        "Sigrún Dæmisdóttir",
        "Ilze Paraugs",
        "Ingrid Eksempel",
        "Anna Przykładowa",
    }
    assert _names(member, role="trained_expert", country="EE") == {"Eva Expert"}
    assert _names(member, topic="barnahus") == {"Freja Testesen", "Sigrún Dæmisdóttir", "Jón Dæmason"}
    assert _names(member, language="is") == {"Sigrún Dæmisdóttir", "Jón Dæmason"}
    assert _names(member, language="e") == set()  # a code, not a substring of one
    assert _names(member, priority="children-in-institutions", country="EE") == {"Mart Katse"}
    assert _names(member, organisation="demo-ncp-lt") == {"Nikolai Contact-Point"}


def test_nobody_outside_the_network_finds_anyone(directory: dict[str, Person]) -> None:
    outsider = User.objects.create_user(username="outsider", password="x" * 20)  # noqa: S106  (a test password)
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    for actor in (outsider, AnonymousUser()):
        assert not people_search_for(actor=actor, filters=PeopleFilters()).exists()
        with pytest.raises(Http404):
            person_get_for(actor=actor, person_id=directory["Eva Expert"].pk)


def test_topic_groups_are_the_five_priorities_with_their_people(directory: dict[str, Person]) -> None:
    groups = topic_groups()
    assert [g.priority.number for g in groups] == [1, 2, 3, 4, 5]
    institutions = next(g for g in groups if g.priority.slug == "children-in-institutions")
    assert {p.full_name for p in institutions.people} >= {"Kristina Coordinator", "Mart Katse", "Søren Prøvesen", "Sam Secretariat"}
    assert {t.slug for t in institutions.topics} == {"family-based-care", "monitoring-institutions"}


# Pages -------------------------------------------------------------------------------------------------------------------


def test_a_page_of_people_costs_the_same_number_of_queries_whatever_its_size(
    directory: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    client = client_as("member-fi")
    client.get("/en/directory/people/?country=IS")  # warm up (session, caches)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/en/directory/people/?country=IS").status_code == 200
    with CaptureQueriesContext(connection) as many:
        response = client.get("/en/directory/people/")
    assert response.status_code == 200
    assert len(response.context["entries"]) == 25
    assert len(many) == len(few)


def test_the_people_page_shows_what_the_card_allows(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    eva = directory["Eva Expert"]
    # member-fi sees the name, "hidden" and a way to ask (when the contact requests' page exists), never the values
    page = client_as("member-fi").get("/en/directory/people/?q=Eva").content.decode()
    assert "Eva Expert" in page
    assert "E-mail: hidden" in page
    assert eva.email not in page
    # ncp-lt sees them
    page = client_as("ncp-lt").get("/en/directory/people/?q=Eva").content.decode()
    assert eva.email in page
    assert "+372 5555 0101" in page
    # a public e-mail (consented) is shown to member-fi
    page = client_as("member-fi").get("/en/directory/people/?country=DK&role=ncp").content.decode()
    assert "ncp.dk@demo.carnet.invalid" in page


def test_profile_organisation_and_topic_group_pages(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    client = client_as("member-fi")
    eva = directory["Eva Expert"]
    profile = client.get(f"/en/directory/people/{eva.pk}/")
    assert profile.status_code == 200
    text = profile.content.decode()
    assert "Trained expert" in text
    assert "Child trafficking" in text
    assert "Estonian" in text
    organisation = client.get("/en/directory/organisations/demo-ngo-ee/").content.decode()
    assert "Eva Expert" in organisation
    assert client.get("/en/directory/organisations/no-such-body/").status_code == 404
    group = client.get("/en/directory/groups/unaccompanied-and-trafficked-children/").content.decode()
    assert "Eva Expert" in group
    assert "Guardianship for unaccompanied children" in group
    assert client.get("/en/directory/groups/no-such-priority/").status_code == 404
    russian = client.get("/ru/directory/groups/").content.decode()
    assert "Торговля детьми" in russian


def test_the_navigation_links_to_the_directory(client_as: Callable[[str], Client]) -> None:
    assert 'href="/en/directory/people/"' in client_as("member-fi").get("/en/account/").content.decode()


# The matrix rows with objects (a person): every role, against a demo person -----------------------------------------------


@pytest.mark.parametrize("key", sorted(OBJECT_ROWS))
def test_object_rows(key: str, directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    row = PAGES.get(key) or API[key]
    eva = directory["Eva Expert"]
    for role in ROLES:
        client = client_as(role)
        assert client.get(row.path.format(person=eva.pk)).status_code == row.expect[role], role
        # a person who does not exist is the same answer as one a non-member may not see
        missing = client.get(row.path.format(person="00000000-0000-4000-8000-000000000000")).status_code
        assert missing == (row.expect[role] if role == "anonymous" else 404), role


def test_demo_is_idempotent_and_resets(directory: dict[str, Person]) -> None:
    count = Person.objects.count()
    demo.load(out=io.StringIO())
    assert Person.objects.count() == count >= 25
    assert Topic.objects.count() >= 10
    assert Priority.objects.filter(topics__isnull=False).distinct().count() == 5
    demo.reset(out=io.StringIO())
    assert Person.objects.count() == 0
    assert not Organisation.objects.filter(slug="demo-ngo-ee").exists()
