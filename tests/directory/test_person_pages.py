"""The pages that add a person to the directory and edit a person's entry (services: tests/directory/test_people.py).

The directory is the demo's: expert-ee is Eva Expert in Estonia, every contact detail restricted, which the
secretariat may not see (directory.visibility) — so the edit page does not show them to it either.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from carnet.accounts.models import User
from carnet.core.models import Country, Priority
from carnet.directory import demo
from carnet.directory.models import Person, Topic, Visibility
from carnet.directory.services import BAD_PHONE, DUPLICATE
from tests.fixtures import ROLES
from tests.matrix.directory_person_pages import OBJECT_ROWS, PAGES

pytestmark = pytest.mark.django_db

NEW = "/en/directory/people/new/"


@pytest.fixture
def directory(demo_users: dict[str, User]) -> dict[str, Person]:
    """The demo directory, by full name."""
    demo.load(out=io.StringIO())
    return {person.full_name: person for person in Person.objects.all()}


@pytest.fixture
def eva(directory: dict[str, Person]) -> Person:
    return directory["Eva Expert"]


def edit_url(person: Person) -> str:
    return f"/en/directory/people/{person.pk}/edit/"


def form_data(person: Person, **changes: Any) -> dict[str, Any]:
    """The edit form as the person would send it back unchanged, with ``changes``."""
    data: dict[str, Any] = {
        "full_name": person.full_name,
        "position": person.position,
        "organisation": person.organisation_id or "",
        "country": person.country_id,
        "languages": ", ".join(person.languages),
        "topics": [topic.pk for topic in person.topics.all()],
        "priorities": [priority.pk for priority in person.priorities.all()],
        "email": person.email,
        "phone": person.phone.as_international if person.phone else "",
        "address": person.address,
    }
    data.update(changes)
    return data


def new_person_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "full_name": "Liis Lastekaitse",
        "position": "Social worker",
        "organisation": "",
        "country": Country.objects.get(code="EE").pk,
        "languages": "et, EN",
        "topics": [Topic.objects.get(slug="guardianship").pk],
        "priorities": [Priority.objects.order_by("pk").first().pk],  # type: ignore[union-attr]
        "email": "liis@example.invalid",
        "phone": "+372 5555 0199",
        "address": "Tartu, Estonia",
    }
    data.update(changes)
    return data


def snapshot() -> list[tuple[Any, ...]]:
    """Every person as stored, with their topics and priorities: a refusal must leave it as it was."""
    return [
        (
            *Person.objects.filter(pk=person.pk).values_list(
                "full_name",
                "position",
                "organisation",
                "country",
                "languages",
                "email",
                "phone",
                "address",
                "email_visibility",
                "phone_visibility",
                "address_visibility",
                "updated_at",
            )[0],
            sorted(person.topics.values_list("pk", flat=True)),
            sorted(person.priorities.values_list("pk", flat=True)),
        )
        for person in Person.objects.order_by("pk")
    ]


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# Editing -------------------------------------------------------------------------------------------------------------


def test_expert_edits_their_own_position(eva: Person, client_as: Callable[[str], Client]) -> None:
    client = client_as("expert-ee")
    # given expert-ee's profile links to its edit page, which holds their entry and says where visibility is set
    assert f'href="{edit_url(eva)}"' in client.get(f"/en/directory/people/{eva.pk}/").content.decode()
    page = client.get(edit_url(eva))
    assert page.status_code == 200
    content = page.content.decode()
    assert 'value="Child protection specialist"' in content
    assert "eva.expert@demo.carnet.invalid" in content  # one's own contact details are one's own to see
    assert 'href="/en/directory/me/contacts/"' in content
    topics = sorted(eva.topics.values_list("pk", flat=True))
    # when they change their position
    response = client.post(edit_url(eva), form_data(eva, position="Senior child protection specialist"), follow=True)
    # then it is stored, nothing else changed, and the profile says so
    assert response.redirect_chain == [(f"/en/directory/people/{eva.pk}/", 302)]
    assert messages_of(response) == ["The directory entry of Eva Expert was saved."]
    eva.refresh_from_db()
    assert eva.position == "Senior child protection specialist"
    assert eva.email == "eva.expert@demo.carnet.invalid"
    assert (eva.email_visibility, eva.phone_visibility, eva.address_visibility) == (Visibility.RESTRICTED,) * 3
    assert sorted(eva.topics.values_list("pk", flat=True)) == topics


def test_another_member_may_not_edit_the_expert(eva: Person, client_as: Callable[[str], Client]) -> None:
    client = client_as("member-fi")
    before = snapshot()
    # the profile offers no edit link; the page and the form are refused and nothing changes
    assert edit_url(eva) not in client.get(f"/en/directory/people/{eva.pk}/").content.decode()
    assert client.get(edit_url(eva)).status_code == 403
    assert client.post(edit_url(eva), form_data(eva, position="Changed by somebody else")).status_code == 403
    assert snapshot() == before


def test_the_secretariat_edits_without_seeing_hidden_contacts(eva: Person, client_as: Callable[[str], Client]) -> None:
    client = client_as("secretariat")
    # given the secretariat may not see expert-ee's restricted contacts, its edit page does not show them
    content = client.get(edit_url(eva)).content.decode()
    assert "eva.expert@demo.carnet.invalid" not in content
    assert "Hidden from you" in content
    # when it saves the entry with those fields left empty, then they keep their stored values
    response = client.post(edit_url(eva), form_data(eva, position="Expert", email="", phone="", address=""))
    assert response.status_code == 302
    eva.refresh_from_db()
    assert eva.position == "Expert"
    assert eva.email == "eva.expert@demo.carnet.invalid"
    assert eva.phone.as_e164 == "+37255550101"


def test_a_malformed_phone_is_refused_on_its_field(eva: Person, client_as: Callable[[str], Client]) -> None:
    before = snapshot()
    response = client_as("expert-ee").post(edit_url(eva), form_data(eva, position="Changed", phone="12345"))
    assert response.status_code == 400
    assert response.context["form"].errors["phone"] == [str(BAD_PHONE)]
    assert html.escape(str(BAD_PHONE)) in response.content.decode()
    assert snapshot() == before


def test_an_entry_cannot_become_a_duplicate(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    mikko = directory["Mikko Member"]
    before = snapshot()
    response = client_as("member-fi").post(edit_url(mikko), form_data(mikko, email="eva.expert@demo.carnet.invalid"))
    assert response.status_code == 400
    assert response.context["form"].errors["email"] == [str(DUPLICATE)]
    assert snapshot() == before


# Adding ----------------------------------------------------------------------------------------------------------------


def test_the_secretariat_adds_a_person(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    client = client_as("secretariat")
    assert f'href="{NEW}"' in client.get("/en/directory/people/").content.decode()
    assert client.get(NEW).status_code == 200
    # when the secretariat adds a person
    response = client.post(NEW, new_person_data(), follow=True)
    # then they are in the directory with every contact restricted, and the profile says so
    person = Person.objects.get(full_name="Liis Lastekaitse")
    assert response.redirect_chain == [(f"/en/directory/people/{person.pk}/", 302)]
    assert messages_of(response) == ["Liis Lastekaitse was added to the directory."]
    assert person.languages == ["et", "en"]
    assert person.phone.as_e164 == "+37255550199"
    assert list(person.topics.values_list("slug", flat=True)) == ["guardianship"]
    assert (person.email_visibility, person.phone_visibility, person.address_visibility) == (Visibility.RESTRICTED,) * 3


def test_only_the_secretariat_is_offered_adding(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    client = client_as("ncp-lt")
    assert f'href="{NEW}"' not in client.get("/en/directory/people/").content.decode()
    assert client.post(NEW, new_person_data()).status_code == 403
    assert not Person.objects.filter(full_name="Liis Lastekaitse").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "+000 123"}, "phone", BAD_PHONE),
        ({"full_name": "EVA  expert", "email": ""}, "full_name", DUPLICATE),
        ({"email": "EVA.EXPERT@demo.carnet.invalid"}, "email", DUPLICATE),
    ],
    ids=["malformed-phone", "same-name-same-country", "same-email"],
)
def test_adding_refuses_bad_input_with_the_service_message(
    directory: dict[str, Person], client_as: Callable[[str], Client], changes: dict[str, Any], field: str, message: Any
) -> None:
    before = snapshot()
    response = client_as("secretariat").post(NEW, new_person_data(**changes))
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [str(message)]
    assert html.escape(str(message)) in response.content.decode()
    assert snapshot() == before


def test_a_bad_language_code_is_put_on_its_field(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    response = client_as("secretariat").post(NEW, new_person_data(languages="et, english"))
    assert response.status_code == 400
    assert response.context["form"].errors["languages"] == [
        "“english” is not a language code: use two-letter ISO 639-1 codes such as en, ru or lt."
    ]
    assert not Person.objects.filter(full_name="Liis Lastekaitse").exists()


# The matrix rows with objects: every role, against expert-ee's entry ---------------------------------------------------


@pytest.mark.parametrize("key", sorted(OBJECT_ROWS))
def test_object_rows(key: str, eva: Person, client_as: Callable[[str], Client]) -> None:
    row = PAGES[key]
    before = snapshot()
    for role in ROLES:
        client = client_as(role)
        assert client.get(row.path.format(person=eva.pk)).status_code == row.expect[role], role
        # a person who does not exist is the same answer as one a non-member may not see
        missing = client.get(row.path.format(person="00000000-0000-4000-8000-000000000000")).status_code
        assert missing == (row.expect[role] if role == "anonymous" else 404), role
        if row.expect[role] != 200:
            # a refused page refuses its form too, and changes nothing
            assert client.post(row.path.format(person=eva.pk), form_data(eva, position="Changed")).status_code == row.expect[role], role
    assert snapshot() == before
