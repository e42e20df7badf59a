"""The directory's API: organisations and people for members, contacts as each caller's card shows them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from carnet.accounts.models import User
from carnet.directory.models import Person
from tests.directory.test_people import directory

pytestmark = pytest.mark.django_db

__all__ = ["directory"]

PATHS = [
    "/api/v1/directory/organisations",
    "/api/v1/directory/organisations/wgcc",
    "/api/v1/directory/people",
    "/api/v1/directory/people/{eva}",
]


def _json(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return json.loads(response.content)


@pytest.mark.parametrize("path", PATHS)
def test_anonymous_401_and_an_account_without_membership_403(directory: dict[str, Person], path: str) -> None:
    path = path.format(eva=directory["Eva Expert"].pk)
    assert _json(Client().get(path), 401)["code"] == "unauthorized"
    outsider = User.objects.create_user(username="outsider", password="x" * 20)  # noqa: S106  (a test password)
    client = Client()
    client.force_login(outsider)
    body = _json(client.get(path), 403)
    assert body["code"] == "forbidden"
    assert "eva" not in json.dumps(body).lower()


def test_people_list_with_filters_and_pages(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    client = client_as("member-fi")
    everyone = _json(client.get("/api/v1/directory/people?limit=5&offset=0"))
    assert everyone["count"] == Person.objects.count()
    assert len(everyone["items"]) == 5
    second = _json(client.get("/api/v1/directory/people?limit=5&offset=5"))
    assert {p["id"] for p in everyone["items"]}.isdisjoint({p["id"] for p in second["items"]})
    lithuanians = _json(client.get("/api/v1/directory/people?country=LT&role=ncp"))
    assert [p["full_name"] for p in lithuanians["items"]] == ["Nikolai Contact-Point"]
    ncp = lithuanians["items"][0]
    assert ncp["roles"] == [{"kind": "ncp", "country": "LT", "since": ncp["roles"][0]["since"], "until": None}]
    # the NCP's e-mail is public by consent; the phone is restricted and member-fi is not in the restricted audience
    assert (ncp["email"], ncp["phone"], ncp["address"], ncp["hidden"]) == ("ncp.lt@demo.carnet.invalid", None, None, ["phone"])
    assert _json(client.get("/api/v1/directory/people?role=king"), 422)["code"] == "invalid"
    assert _json(client.get("/api/v1/directory/people?q=eva.expert@demo.carnet.invalid"))["count"] == 0


def test_one_person_as_member_and_as_ncp(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    eva = directory["Eva Expert"]
    as_member = _json(client_as("member-fi").get(f"/api/v1/directory/people/{eva.pk}"))
    assert (as_member["email"], as_member["phone"], as_member["address"]) == (None, None, None)
    assert as_member["hidden"] == ["email", "phone", "address"]
    assert as_member["topics"] == ["child-trafficking", "guardianship", "return-assessment"]
    assert as_member["works_on"] == ["unaccompanied-and-trafficked-children"]
    assert as_member["languages"] == ["et", "en", "ru"]
    as_ncp = _json(client_as("ncp-lt").get(f"/api/v1/directory/people/{eva.pk}"))
    assert (as_ncp["email"], as_ncp["phone"], as_ncp["hidden"]) == ("eva.expert@demo.carnet.invalid", "+372 5555 0101", [])
    missing = client_as("ncp-lt").get("/api/v1/directory/people/00000000-0000-4000-8000-000000000000")
    assert _json(missing, 404)["code"] == "not_found"


def test_organisations(directory: dict[str, Person], client_as: Callable[[str], Client]) -> None:
    client = client_as("member-fi")
    listed = {o["slug"]: o for o in _json(client.get("/api/v1/directory/organisations"))}
    assert listed["tfoc-expert-group-thb"]["parent"] == "tfoc"
    assert listed["demo-ngo-ee"] == {
        "slug": "demo-ngo-ee",
        "kind": "ngo",
        "name": "Demo children’s rights NGO, Estonia",
        "acronym": "",
        "country": "EE",
        "parent": None,
        "people": 1,
    }
    russian = _json(client.get("/api/v1/directory/organisations/wgcc", HTTP_ACCEPT_LANGUAGE="ru"))
    assert russian["name"] == "Рабочая группа по сотрудничеству в интересах детей группы риска"
    assert _json(client.get("/api/v1/directory/organisations/nowhere"), 404)["code"] == "not_found"
