"""Every channel gives the same answer as the one enforcement point, and no channel leaks a hidden value.

For each viewer and each person, the profile page, the search results, the vCard, the CSV
export (for those who may export) and the API show exactly the contact values of
``visibility.card_for(viewer, person)``; and the hidden values, in any of their spellings,
appear in none of the responses' bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import vobject
from django.test import Client

from carnet.accounts.models import User
from carnet.directory.models import Person
from carnet.directory.visibility import card_for
from tests.directory.test_people import directory

pytestmark = pytest.mark.django_db

__all__ = ["directory"]

VIEWERS = ["anonymous", "member-fi", "ncp-lt", "secretariat", "expert-ee"]
PEOPLE = ["Eva Expert", "Nikolai Contact-Point"]
EXPORTERS = {"ncp-lt", "secretariat"}  # of the viewers above, those who may export the table

# What each viewer must see, so that the comparison with card_for cannot pass by both being empty.
EXPECTED = {
    ("member-fi", "Eva Expert"): set(),
    ("ncp-lt", "Eva Expert"): {"email", "phone", "address"},
    ("secretariat", "Eva Expert"): set(),
    ("expert-ee", "Eva Expert"): {"email", "phone", "address"},
    ("member-fi", "Nikolai Contact-Point"): {"email"},
    ("ncp-lt", "Nikolai Contact-Point"): {"email", "phone"},
    ("secretariat", "Nikolai Contact-Point"): {"email"},
    ("expert-ee", "Nikolai Contact-Point"): {"email"},
}


@dataclass(frozen=True)
class Seen:
    channel: str
    status: int
    body: str
    values: dict[str, str]  # the contact values the channel shows, by field


def _spellings(person: Person, field: str) -> list[str]:
    """Every way a contact value could be written in a response: as stored, formatted, escaped, in parts."""
    if field == "email":
        return [person.email, person.email.upper(), person.email.split("@")[0]]
    if field == "phone":
        e164 = person.phone.as_e164
        return [e164, str(person.phone), person.phone.as_national, e164[-7:], str(person.phone).replace(" ", "-")]
    # the parts of the address but the last (the country's name is on every profile anyway)
    parts = [part.strip() for part in person.address.split(",")][:-1]
    return [person.address, person.address.replace(",", "\\,"), *parts]


def _raw(person: Person) -> dict[str, str]:
    return {name: str(getattr(person, name)) for name in Person.CONTACT_FIELDS if getattr(person, name)}


def _in_page(person: Person, body: str) -> dict[str, str]:
    return {name: value for name, value in _raw(person).items() if value in body}


def _page(client: Client, path: str, person: Person, channel: str) -> Seen:
    response = client.get(path)
    body = response.content.decode()
    return Seen(channel, response.status_code, body, _in_page(person, body) if response.status_code == 200 else {})


def _vcard(client: Client, person: Person) -> Seen:
    response = client.get(f"/en/directory/people/{person.pk}/vcard/")
    body = response.content.decode()
    values: dict[str, str] = {}
    if response.status_code == 200:
        (card,) = list(vobject.readComponents(body))
        if "email" in card.contents:
            values["email"] = card.email.value
        if "tel" in card.contents:
            values["phone"] = card.tel.value
        if "adr" in card.contents:
            values["address"] = card.adr.value.street
    return Seen("vcard", response.status_code, body, values)


def _csv(client: Client, person: Person) -> Seen:
    response = client.get(f"/en/directory/people/export/?format=csv&q={person.full_name}")
    body = response.content.decode()
    values: dict[str, str] = {}
    if response.status_code == 200:
        (row,) = [r for r in csv.DictReader(io.StringIO(body.lstrip("\ufeff"))) if r["Name"] == person.full_name]
        for name, column in (("email", "E-mail"), ("phone", "Phone"), ("address", "Address")):
            if row[column]:
                # a leading apostrophe is the export's marker that a cell is text (spreadsheet safety), not part of the value
                values[name] = row[column][1:] if row[column].startswith("'") else row[column]
    return Seen("csv", response.status_code, body, values)


def _api(client: Client, person: Person) -> Seen:
    response = client.get(f"/api/v1/directory/people/{person.pk}")
    body = response.content.decode()
    values: dict[str, str] = {}
    if response.status_code == 200:
        data = json.loads(body)
        values = {name: data[name] for name in Person.CONTACT_FIELDS if data[name] is not None}
        assert sorted(data["hidden"]) == sorted(set(_raw(person)) - set(values))
    return Seen("api", response.status_code, body, values)


def _channels(client: Client, person: Person, viewer: str) -> list[Seen]:
    seen = [
        _page(client, f"/en/directory/people/{person.pk}/", person, "profile"),
        _page(client, f"/en/directory/people/?q={person.full_name}", person, "search"),
        _vcard(client, person),
        _api(client, person),
    ]
    if viewer in EXPORTERS:
        seen.append(_csv(client, person))
    return seen


@pytest.mark.parametrize("name", PEOPLE)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_every_channel_shows_exactly_the_card(
    directory: dict[str, Person], demo_users: dict[str, User], client_as: Callable[[str], Client], viewer: str, name: str
) -> None:
    person = directory[name]
    client = client_as(viewer)
    if viewer == "anonymous":
        # the directory is for members: every channel refuses, and nothing of the person's contacts is in the answer
        for seen in _channels(client, person, viewer):
            assert seen.status in {302, 401}, seen.channel
            for field in Person.CONTACT_FIELDS:
                if getattr(person, field):
                    assert not any(s in seen.body for s in _spellings(person, field)), (seen.channel, field)
        return
    card = card_for(demo_users[viewer], person)
    shown = {field: value for field, value in card.values().items() if value is not None}
    assert set(shown) == EXPECTED[(viewer, name)]
    for seen in _channels(client, person, viewer):
        assert seen.status == 200, seen.channel
        # the same values as the card ...
        assert seen.values == shown, seen.channel
        # ... and not one spelling of a hidden value anywhere in the bytes
        for field in card.hidden:
            leaked = [s for s in _spellings(person, field) if s in seen.body]
            assert leaked == [], (seen.channel, field)


def test_the_export_refused_to_a_member_leaks_nothing(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    eva = directory["Eva Expert"]
    response = client_as("member-fi").get(f"/en/directory/people/export/?format=csv&q={eva.full_name}")
    assert response.status_code == 403
    body = response.content.decode()
    for field in Person.CONTACT_FIELDS:
        assert not any(s in body for s in _spellings(eva, field))
