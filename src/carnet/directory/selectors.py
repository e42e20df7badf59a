"""Reads of the directory, already permission-checked: people, organisations, topic groups.

These give people and their network facts. Their *contacts* are never read here: every
channel gets them from :func:`carnet.directory.visibility.cards_for`. That is also why the
search looks at names, positions and organisations only — matching on a contact field would
let a search reveal a hidden e-mail by whether somebody is found.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from carnet.accounts.models import Role
from carnet.accounts.roles import countries_for
from carnet.core.models import Priority
from carnet.directory.models import ContactConsent, ContactRequest, NetworkRole, Organisation, Person, Topic
from carnet.directory.policies import DirectoryAction, DirectoryPolicy

_LANGUAGE = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class PeopleFilters:
    q: str = ""
    country: str = ""  # ISO code
    role: str = ""  # NetworkRoleKind: an active role of that kind
    topic: str = ""  # Topic slug
    language: str = ""  # ISO 639-1 code
    priority: str = ""  # Priority slug: works on it, or has a topic in its group
    organisation: str = ""  # Organisation slug

    @property
    def any(self) -> bool:
        return any((self.q, self.country, self.role, self.topic, self.language, self.priority, self.organisation))


def active_roles_q(prefix: str = "") -> Q:
    """Roles in force today: begun (or no start) and not ended (or ending today or later)."""
    today = timezone.localdate()
    return (Q(**{f"{prefix}since__isnull": True}) | Q(**{f"{prefix}since__lte": today})) & (
        Q(**{f"{prefix}until__isnull": True}) | Q(**{f"{prefix}until__gte": today})
    )


def _with_facts(people: QuerySet[Person]) -> QuerySet[Person]:
    """Everything a row of people shows, in a fixed number of queries whatever the page size."""
    return people.select_related("organisation", "country").prefetch_related(
        "organisation__translations",
        "country__translations",
        Prefetch("roles", queryset=NetworkRole.objects.filter(active_roles_q()).select_related("country"), to_attr="active_roles"),
        Prefetch("topics", queryset=Topic.objects.prefetch_related("translations")),
        Prefetch("priorities", queryset=Priority.objects.prefetch_related("translations")),
    )


def may_browse(actor: Any) -> bool:
    return DirectoryPolicy.can(actor, DirectoryAction.BROWSE)


def people_search_for(*, actor: Any, filters: PeopleFilters) -> QuerySet[Person]:
    """The people matching ``filters``, for a member of the network (nobody else gets anyone)."""
    if not may_browse(actor):
        return Person.objects.none()
    people = Person.objects.all()
    q = " ".join(filters.q.split())
    if q:
        # Names, positions and organisations only: never a contact field (see the module's docstring).
        for word in q.split(" ")[:5]:
            people = people.filter(
                Q(full_name__icontains=word) | Q(position__icontains=word) | Q(organisation__translations__name__icontains=word)
            )
    if filters.country:
        people = people.filter(country__code=filters.country.upper())
    if filters.role:
        people = people.filter(pk__in=NetworkRole.objects.filter(active_roles_q(), kind=filters.role).values("person_id"))
    if filters.topic:
        people = people.filter(topics__slug=filters.topic)
    if filters.language:
        code = filters.language.lower()
        if not _LANGUAGE.match(code):
            return Person.objects.none()
        # The list is stored as JSON text ["en", "ru"]: a quoted code matches one element exactly, on SQLite and PostgreSQL.
        people = people.annotate(languages_text=Cast("languages", output_field=TextField())).filter(languages_text__contains=f'"{code}"')
    if filters.priority:
        people = people.filter(Q(priorities__slug=filters.priority) | Q(topics__priority__slug=filters.priority))
    if filters.organisation:
        people = people.filter(organisation__slug=filters.organisation)
    ids = people.values("pk")
    # Joins above may repeat a person; the outer query lists each once, in name order.
    return _with_facts(Person.objects.filter(pk__in=ids)).order_by("full_name", "pk")


def person_get_for(*, actor: Any, person_id: Any) -> Person:
    """One person, for a member; "missing" and "not for you" are the same 404."""
    if not may_browse(actor):
        raise Http404
    person = _with_facts(Person.objects.filter(pk=person_id)).first()
    if person is None:
        raise Http404
    return person


def organisation_list_for(*, actor: Any) -> QuerySet[Organisation]:
    organisations: QuerySet[Organisation] = Organisation.objects.all()  # parler's manager is untyped
    if not may_browse(actor):
        return organisations.none()
    organisations = (
        organisations.select_related("country", "parent")
        .prefetch_related("translations", "country__translations", "parent__translations")
        .annotate(people_count=Count("people"))
        .order_by("country__sort_order", "slug")
    )
    return organisations


def organisation_get_for(*, actor: Any, slug: str) -> Organisation:
    organisation = organisation_list_for(actor=actor).filter(slug=slug).first()
    if organisation is None:
        raise Http404
    return organisation


@dataclass(frozen=True)
class TopicGroup:
    """A priority of the WGCC as a topic group: its topics and the people who work on it."""

    priority: Priority
    topics: list[Topic]
    people: list[Person]


def _group_people(priority: Priority) -> QuerySet[Person]:
    ids = Person.objects.filter(Q(priorities=priority) | Q(topics__priority=priority)).values("pk")
    return _with_facts(Person.objects.filter(pk__in=ids)).order_by("country__sort_order", "full_name")


def topic_groups() -> list[TopicGroup]:
    """The five priorities with their topics and people (callers check that the reader may browse)."""
    groups = []
    for priority in Priority.objects.prefetch_related(
        "translations", Prefetch("topics", queryset=Topic.objects.prefetch_related("translations"))
    ):
        groups.append(TopicGroup(priority=priority, topics=list(priority.topics.all()), people=list(_group_people(priority))))
    return groups


def topic_group_get(*, slug: str) -> TopicGroup:
    priority = Priority.objects.prefetch_related("translations").filter(slug=slug).first()
    if priority is None:
        raise Http404
    topics = list(Topic.objects.filter(priority=priority).prefetch_related("translations", "people"))
    return TopicGroup(priority=priority, topics=topics, people=list(_group_people(priority)))


def topic_choices() -> list[tuple[str, str]]:
    return [(t.slug, str(t)) for t in Topic.objects.prefetch_related("translations")]


def organisation_choices() -> list[tuple[str, str]]:
    return [(o.slug, str(o)) for o in Organisation.objects.prefetch_related("translations")]


# --- Contact sharing: requests and consents, as the contact pages and the API read them ------------


def own_person(actor: Any) -> Person | None:
    """The directory entry of the signed-in user, if they have one."""
    if not getattr(actor, "is_authenticated", False):
        return None
    return Person.objects.select_related("country").filter(user_id=actor.pk).first()


def _decidable_q(actor: Any) -> Q:
    """Requests the actor may answer: about themself, or about people of a country where they are the NCP."""
    query = Q(person__user_id=actor.pk)
    ncp_countries = countries_for(actor, Role.NCP)
    if ncp_countries:
        query |= Q(person__country__code__in=ncp_countries)
    return query


def requests_asked_by(actor: Any) -> QuerySet[ContactRequest]:
    return ContactRequest.objects.filter(requester_id=actor.pk).select_related("person", "decided_by").order_by("-created_at")


def requests_to_decide(actor: Any) -> QuerySet[ContactRequest]:
    """Pending requests the actor may answer."""
    return (
        ContactRequest.objects.filter(_decidable_q(actor), status=ContactRequest.Status.PENDING)
        .exclude(requester_id=actor.pk)
        .select_related("person__country", "requester")
        .order_by("created_at")
    )


def grants_to_manage(actor: Any) -> QuerySet[ContactRequest]:
    """Current grants the actor may end: about themself, or people of their NCP country."""
    return (
        ContactRequest.objects.filter(_decidable_q(actor), status=ContactRequest.Status.APPROVED, expires_at__gt=timezone.now())
        .select_related("person__country", "requester")
        .order_by("expires_at")
    )


def request_for(*, actor: Any, request_id: uuid.UUID | str) -> ContactRequest:
    """A contact request for its requester, its person or their country's NCP; 404 for anyone else and for missing."""
    if not getattr(actor, "is_authenticated", False):
        raise Http404
    found = (
        ContactRequest.objects.filter(Q(requester_id=actor.pk) | _decidable_q(actor), pk=request_id)
        .select_related("person__country", "requester")
        .first()
    )
    if found is None:
        raise Http404
    return found


def consent_for(*, actor: Any, consent_id: int | str) -> ContactConsent:
    """One consent of the actor's own directory entry (404 otherwise)."""
    person = own_person(actor)
    found = ContactConsent.objects.filter(pk=consent_id, person=person).first() if person is not None else None
    if found is None:
        raise Http404
    return found


def is_current(consent: ContactConsent, today: date | None = None) -> bool:
    """For one consent already loaded: the same rule as ``visibility.current_consents_q`` (keep the two together)."""
    today = today or timezone.localdate()
    return consent.withdrawn_at is None and consent.given_on <= today and (consent.valid_until is None or consent.valid_until >= today)


def grant_active(request: ContactRequest, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return request.status == ContactRequest.Status.APPROVED and request.expires_at is not None and request.expires_at > now
