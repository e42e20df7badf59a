"""The directory through the API: organisations and people, for members of the network.

No `from __future__ import annotations`: ninja reads the annotations at import time.

Paths sit under ``/api/v1/directory``. Anonymous callers get 401, a signed-in account without
an active membership 403, a person or organisation that does not exist 404. A person's contacts
come from :func:`carnet.directory.visibility.cards_for` only: a field the caller may not see is
``null`` and named in ``hidden`` (a field that is simply empty is ``null`` and not named).
"""

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from carnet.directory.models import NetworkRoleKind, Organisation, OrganisationType, Person
from carnet.directory.selectors import (
    PeopleFilters,
    may_browse,
    organisation_get_for,
    organisation_list_for,
    people_search_for,
    person_get_for,
)
from carnet.directory.visibility import ContactCard, cards_for

router = Router(tags=["directory"])

BASE = "/directory"


class DirectoryErrorOut(Schema):
    detail: str
    code: str = Field(description="`unauthorized`, `forbidden`, `not_found`, `invalid`")


def _errors(*codes: int) -> dict[int, type[DirectoryErrorOut]]:
    return dict.fromkeys(codes, DirectoryErrorOut)


class OrganisationOut(Schema):
    slug: str
    kind: OrganisationType
    name: str = Field(description="In the request's language (Accept-Language), English when there is no translation")
    acronym: str
    country: str | None = Field(description="ISO code; null for a regional body")
    parent: str | None = Field(description="The slug of the body it is part of")
    people: int = Field(description="How many people of the directory belong to it")


class NetworkRoleOut(Schema):
    kind: NetworkRoleKind
    country: str | None
    since: date | None
    until: date | None


class PersonOut(Schema):
    id: uuid.UUID
    full_name: str
    position: str
    organisation: str | None = Field(description="The organisation's slug")
    country: str
    roles: list[NetworkRoleOut] = Field(description="Roles in force today")
    topics: list[str] = Field(description="Topic slugs")
    works_on: list[str] = Field(description="Priority slugs (topic groups)")
    languages: list[str] = Field(description="ISO 639-1 codes")
    email: str | None = Field(description="Null when empty or hidden from the caller")
    phone: str | None = Field(description="Null when empty or hidden from the caller")
    address: str | None = Field(description="Null when empty or hidden from the caller")
    hidden: list[str] = Field(description="Contact fields that hold a value the caller may not see")


class PeopleFilterIn(Schema):
    q: str = Field("", max_length=100, description="Words of the name, position or organisation (never contacts)")
    country: str = Field("", max_length=2)
    role: NetworkRoleKind | None = None
    topic: str = Field("", max_length=50)
    language: str = Field("", max_length=2)
    priority: str = Field("", max_length=100)
    organisation: str = Field("", max_length=50)


def _member(request: HttpRequest) -> None:
    if not may_browse(request.user):
        raise PermissionDenied


def _organisation(organisation: Organisation) -> dict[str, Any]:
    return {
        "slug": organisation.slug,
        "kind": organisation.kind,
        "name": str(organisation),
        "acronym": organisation.safe_translation_getter("acronym", default="", any_language=True) or "",
        "country": organisation.country.code if organisation.country else None,
        "parent": organisation.parent.slug if organisation.parent else None,
        "people": getattr(organisation, "people_count", 0),
    }


def person_out(card: ContactCard) -> dict[str, Any]:
    person = card.person
    return {
        "id": person.pk,
        "full_name": person.full_name,
        "position": person.position,
        "organisation": person.organisation.slug if person.organisation else None,
        "country": person.country.code,
        "roles": [
            {"kind": role.kind, "country": role.country.code if role.country else None, "since": role.since, "until": role.until}
            for role in getattr(person, "active_roles", [])
        ],
        "topics": [topic.slug for topic in person.topics.all()],
        "works_on": [priority.slug for priority in person.priorities.all()],
        "languages": list(person.languages or []),
        **card.values(),
        "hidden": list(card.hidden),
    }


class _People:
    """The list's rows, with contact cards built only for the page the paginator slices out of the query."""

    def __init__(self, request: HttpRequest, people: QuerySet[Person]) -> None:
        self.viewer = request.user
        self.people = people

    def __len__(self) -> int:
        return self.people.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return [person_out(card) for card in cards_for(self.viewer, self.people[page], channel="API list")]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self[:])


@router.get(f"{BASE}/organisations", response={200: list[OrganisationOut], **_errors(401, 403)}, summary="The network's organisations")
def organisations(request: HttpRequest) -> list[dict[str, Any]]:
    _member(request)
    return [_organisation(o) for o in organisation_list_for(actor=request.user)]


@router.get(f"{BASE}/organisations/{{slug}}", response={200: OrganisationOut, **_errors(401, 403, 404)}, summary="One organisation")
def organisation(request: HttpRequest, slug: str) -> dict[str, Any]:
    _member(request)
    return _organisation(organisation_get_for(actor=request.user, slug=slug))


@router.get(
    f"{BASE}/people",
    response={200: list[PersonOut], **_errors(401, 403)},
    summary="People of the directory, filtered; contacts as the caller may see them",
)
@paginate(LimitOffsetPagination)
def people(request: HttpRequest, filters: Query[PeopleFilterIn]) -> _People:
    _member(request)
    selected = PeopleFilters(
        q=filters.q,
        country=filters.country,
        role=filters.role.value if filters.role else "",
        topic=filters.topic,
        language=filters.language,
        priority=filters.priority,
        organisation=filters.organisation,
    )
    return _People(request, people_search_for(actor=request.user, filters=selected))


@router.get(
    f"{BASE}/people/{{person_id}}",
    response={200: PersonOut, **_errors(401, 403, 404)},
    summary="One person; contacts as the caller may see them",
)
def person(request: HttpRequest, person_id: uuid.UUID) -> dict[str, Any]:
    _member(request)
    found = person_get_for(actor=request.user, person_id=person_id)
    return person_out(cards_for(request.user, [found], channel="API")[0])
