"""Every read of events and registrations, already filtered by :class:`EventPolicy` in SQL.

Someone who may not see an event must not learn that it exists: lists, month grids and
counts all start from :meth:`EventPolicy.visible`, and a single event is looked up by
:func:`event_get_for`, which answers the same 404 for "missing" and "not yours".
Lists prefetch what the pages print (translations, series, country, organisers,
priorities), so a page of events costs a fixed number of queries however long it is.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from carnet.events.models import HOLDS_PLACE, Event, EventDocument, EventOrganiser, EventStatus, Registration, RegistrationStatus
from carnet.events.policies import EventPolicy, may_manage

UPCOMING = "upcoming"
PAST = "past"
WHEN_CHOICES = (UPCOMING, PAST)


@dataclass(frozen=True)
class EventFilters:
    """What a calendar page filters by (values as they come from the query string; unknown values match nothing)."""

    kind: str = ""
    country: str = ""  # ISO code
    priority: str = ""  # Priority.slug
    when: str = UPCOMING  # "upcoming" or "past"; ignored when a date window is given


def _with_display(queryset: QuerySet[Event]) -> QuerySet[Event]:
    return queryset.select_related("series", "country").prefetch_related(
        "translations",
        "series__translations",
        "country__translations",
        "priorities__translations",
        Prefetch(
            "organiser_links",
            queryset=EventOrganiser.objects.select_related("organisation")
            .prefetch_related("organisation__translations")
            .order_by("role", "pk"),
        ),
    )


def visible_events(actor: Any) -> QuerySet[Event]:
    """Every event ``actor`` may know of (drafts only for those who manage them)."""
    return EventPolicy.visible(actor, cast(QuerySet[Event], Event.objects.all()))


def event_list_for(actor: Any, filters: EventFilters | None = None, window: tuple[dt.date, dt.date] | None = None) -> QuerySet[Event]:
    """The events ``actor`` may see, filtered; within ``window`` (first, last day; overlapping) or upcoming / past.

    Upcoming events come soonest first; past events most recent first.
    """
    filters = filters or EventFilters()
    queryset = visible_events(actor)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.country:
        queryset = queryset.filter(country__code=filters.country.upper())
    if filters.priority:
        queryset = queryset.filter(priorities__slug=filters.priority)
    today = timezone.localdate()
    if window is not None:
        first, last = window
        queryset = queryset.filter(start_date__lte=last, end_date__gte=first).order_by("start_date", "start", "slug")
    elif filters.when == PAST:
        queryset = queryset.filter(end_date__lt=today).order_by("-start_date", "-start", "slug")
    else:
        queryset = queryset.filter(end_date__gte=today).order_by("start_date", "start", "slug")
    return _with_display(queryset)


def event_get_for(*, actor: Any, slug: str) -> Event:
    """The event called ``slug`` if ``actor`` may see it; 404 otherwise (missing and invisible look the same)."""
    event = _with_display(visible_events(actor).filter(slug=slug)).first()
    if event is None:
        raise Http404
    return event


def event_for_manager(*, actor: Any, slug: str) -> Event:
    """The event if ``actor`` may see it (404 otherwise) and manage it (403 otherwise)."""
    event = event_get_for(actor=actor, slug=slug)
    if not may_manage(actor, event):
        raise PermissionDenied
    return event


def upcoming_for(actor: Any, n: int = 5) -> list[Event]:
    """The next ``n`` announced events ``actor`` may see (for the home page); cancelled ones are kept and say so."""
    queryset = event_list_for(actor, EventFilters(when=UPCOMING)).exclude(status=EventStatus.DRAFT)
    return list(queryset[:n])


# --- The month grid -------------------------------------------------------------------------------------------


@dataclass
class Day:
    date: dt.date
    in_month: bool
    is_today: bool
    events: list[Event] = field(default_factory=list)


@dataclass
class MonthGrid:
    year: int
    month: int
    weeks: list[list[Day]]
    previous: tuple[int, int]
    next: tuple[int, int]

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)


def month_window(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and last day shown by the grid of ``month`` (whole weeks, Monday first)."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return weeks[0][0], weeks[-1][-1]


def month_grid(year: int, month: int, events: list[Event] | QuerySet[Event]) -> MonthGrid:
    """Weeks of days (Monday first) for ``month``; each day lists the events that take place on it (multi-day ones on each)."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    today = timezone.localdate()
    days = {day: Day(date=day, in_month=day.month == month, is_today=day == today) for week in weeks for day in week}
    for event in events:
        current = max(event.start_date, weeks[0][0])
        last = min(event.end_date, weeks[-1][-1])
        while current <= last:
            days[current].events.append(event)
            current += dt.timedelta(days=1)
    previous = (year - 1, 12) if month == 1 else (year, month - 1)
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    return MonthGrid(year=year, month=month, weeks=[[days[day] for day in week] for week in weeks], previous=previous, next=following)


# --- Registrations ----------------------------------------------------------------------------------------


def registration_of(actor: Any, event: Event) -> Registration | None:
    """The actor's own registration for the event, if any."""
    if not getattr(actor, "is_authenticated", False):
        return None
    return Registration.objects.filter(event=event, user_id=actor.pk).first()


def places_taken(event: Event) -> int:
    return Registration.objects.filter(event=event, status__in=HOLDS_PLACE).count()


def my_registrations(actor: Any) -> QuerySet[Registration]:
    """The actor's registrations for events they may still see, soonest first."""
    queryset = Registration.objects.filter(user_id=actor.pk).filter(event__in=visible_events(actor).values("pk"))
    return (
        queryset.select_related("event", "event__country")
        .prefetch_related("event__translations")
        .order_by("event__start_date", "event__start")
    )


def participants_for(*, actor: Any, event: Event) -> QuerySet[Registration]:
    """Everyone registered for the event, for those who manage it (PermissionDenied for anyone else)."""
    if not may_manage(actor, event):
        raise PermissionDenied
    return (
        Registration.objects.filter(event=event)
        .select_related("user", "organisation", "country", "decided_by")
        .prefetch_related("organisation__translations", "country__translations")
        .order_by("status", "country__code", "user__last_name", "user__username")
    )


def registration_for_manager(*, actor: Any, event: Event, registration_id: int) -> Registration:
    """One registration of an event the actor manages; 404 if it is not this event's."""
    registration = participants_for(actor=actor, event=event).filter(pk=registration_id).first()
    if registration is None:
        raise Http404
    return registration


@dataclass(frozen=True)
class ParticipantCounts:
    total: int
    by_status: dict[str, int]
    by_country: list[tuple[str, int]]  # (label, count) of places held, largest first
    by_organisation: list[tuple[str, int]]
    attended: int


def participant_counts(registrations: list[Registration]) -> ParticipantCounts:
    """Counts over already loaded registrations (no further queries): places held, by country and by organisation."""
    holding = [r for r in registrations if r.status in HOLDS_PLACE]
    countries = Counter(str(r.country) if r.country else "—" for r in holding)
    organisations = Counter(str(r.organisation) if r.organisation else "—" for r in holding)
    by_status = Counter(str(r.status) for r in registrations)
    return ParticipantCounts(
        total=len(holding),
        by_status={status: by_status.get(status, 0) for status in RegistrationStatus.values},
        by_country=sorted(countries.items(), key=lambda item: (-item[1], item[0])),
        by_organisation=sorted(organisations.items(), key=lambda item: (-item[1], item[0])),
        attended=sum(1 for r in registrations if r.attended),
    )


# --- Documents --------------------------------------------------------------------------------------------


def documents_for(actor: Any, event: Event) -> QuerySet[EventDocument]:
    """The event's documents whose library resource ``actor`` may see (the others are not mentioned)."""
    from carnet.library.policies import visibility_q

    return (
        EventDocument.objects.filter(event=event)
        .filter(visibility_q(actor, "resource__"))
        .select_related("resource")
        .prefetch_related("resource__versions")
        .order_by("order", "pk")
    )


@dataclass(frozen=True)
class DocumentRow:
    document: EventDocument
    title: str
    language: str  # the language of the title shown ("" when nothing is published yet)
    published: bool


def document_rows(actor: Any, event: Event, language: str, *, unpublished: bool = False) -> list[DocumentRow]:
    """The event's documents with their title in ``language`` (else another published language).

    Documents with no published text are left out unless ``unpublished`` (the organisers' page).
    """
    from carnet.library.selectors import published_versions

    rows = []
    for document in documents_for(actor, event):
        versions = published_versions(document.resource)
        revision = versions.get(language) or next(iter(versions.values()), None)
        if revision is None and not unpublished:
            continue
        rows.append(
            DocumentRow(
                document=document,
                title=revision.title if revision else document.resource.slug,
                language=revision.version.language if revision else "",
                published=revision is not None,
            )
        )
    return rows


def document_for_manager(*, actor: Any, event: Event, document_id: int) -> EventDocument | None:
    """One document of an event the actor manages (None if it is not this event's)."""
    if not may_manage(actor, event):
        raise PermissionDenied
    return EventDocument.objects.filter(event=event, pk=document_id).first()


def active_user_by_username(username: str) -> Any:
    """An active account by its exact username (for an organiser's invitation), or None."""
    from carnet.accounts.models import User

    return User.objects.filter(username=username.strip(), is_active=True).first() if username.strip() else None
