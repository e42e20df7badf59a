"""The events API: the calendar, one event with its outcomes, and registering (docs/decisions/0011).

No `from __future__ import annotations` here: ninja must see `Query[...]` as a real type.

Reading is open to everyone, and what a reader gets is what they may see: a session or a
bearer token is used when one comes (a member sees member-only events, an invited person
the events they are invited to); anyone else sees the public calendar. An event the
reader may not see answers 404, exactly like one that does not exist. Registering and
withdrawing need a signed-in caller; a refusal is a JSON answer (409 for a closed window,
a full event or a second registration; 422 for invalid input).
"""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from carnet.api.auth import OPTIONAL_AUTH, READERS, SIGNED_IN
from carnet.api.language import requested_language
from carnet.core.errors import DomainError
from carnet.core.models import Country
from carnet.directory.models import Organisation
from carnet.events import services
from carnet.events.ical import base_url, text_of
from carnet.events.models import HOLDS_PLACE, Event, Outcome, Registration
from carnet.events.policies import EventPolicy
from carnet.events.selectors import event_get_for

router = Router(tags=["events"])

MAX_LIMIT = 100
# The service's refusals that are about the event's state rather than the request: answered 409.
STATE_REFUSALS = frozenset({"registration_not_open", "registration_closed", "cancelled", "closed", "draft", "not_active"})


class OrganiserOut(Schema):
    slug: str
    name: str
    role: str


class RegistrationInfo(Schema):
    opens: datetime | None
    closes: datetime | None
    capacity: int | None
    places_left: int | None
    requires_approval: bool
    open_now: bool


class MyRegistrationOut(Schema):
    status: str
    status_label: str
    created_at: datetime


class EventOut(Schema):
    slug: str
    uid: str
    sequence: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    visibility: str
    title: str
    description: str
    venue: str
    city: str
    country: str | None
    online: bool
    all_day: bool
    timezone: str
    start: datetime | None  # timed events: the instant (ISO 8601 with offset)
    end: datetime | None
    start_date: date  # every event: local dates, the last day inclusive
    end_date: date
    series: str | None
    number_in_series: int | None
    organisers: list[OrganiserOut]
    working_languages: list[str]
    priorities: list[str]
    registration: RegistrationInfo
    my_registration: MyRegistrationOut | None
    closed: bool
    url: str
    ics_url: str


class ActionOut(Schema):
    code: str
    title: str
    status: str
    status_label: str


class OutcomeOut(Schema):
    kind: str
    kind_label: str
    text: str
    priority: str | None
    countries: list[str]
    committed_by: str | None
    committed_country: str | None
    action: ActionOut | None


class EventDetailOut(EventOut):
    cancellation_reason: str = Field(description="Why the event was cancelled (empty unless it is).")
    outcomes: list[OutcomeOut]
    attendance_count: int | None
    participating_countries: list[str]


class EventPage(Schema):
    items: list[EventOut]
    count: int


class EventQuery(Schema):
    lang: str | None = None
    kind: str | None = None
    country: str | None = None
    priority: str | None = None
    # "from"/"to" in the address: the events that end on or after ``from`` and start on or before ``to``
    date_from: date | None = Field(None, alias="from")
    date_to: date | None = Field(None, alias="to")
    limit: int = 50
    offset: int = 0


class LanguageQuery(Schema):
    lang: str | None = None


class RegistrationIn(Schema):
    note: str = ""
    organisation: str | None = None  # an organisation's slug; default: the caller's own
    country: str | None = None  # a country code; default: the caller's own


class RegistrationOut(Schema):
    event: str
    status: str
    status_label: str
    created_at: datetime


def _visible(request: HttpRequest) -> QuerySet[Event]:
    return EventPolicy.visible(request.user, Event.objects.all())


def _event_for(request: HttpRequest, slug: str) -> Event:
    """The event with ``slug`` if the caller may see it; 404 otherwise (missing and hidden look the same)."""
    return event_get_for(actor=request.user, slug=slug)


def _places_left(event: Event) -> int | None:
    if event.capacity is None:
        return None
    taken: int = event.registrations.filter(status__in=HOLDS_PLACE).count()
    return max(int(event.capacity) - taken, 0)


def _open_now(event: Event) -> bool:
    now = timezone.now()
    return (
        event.status in ("tentative", "confirmed")
        and event.closed_at is None
        and (event.registration_opens is None or event.registration_opens <= now)
        and (event.registration_closes is None or now < event.registration_closes)
    )


def _mine(request: HttpRequest, event: Event) -> MyRegistrationOut | None:
    if not request.user.is_authenticated:
        return None
    mine = event.registrations.filter(user_id=request.user.pk).first()
    if mine is None:
        return None
    return MyRegistrationOut(status=mine.status, status_label=str(mine.get_status_display()), created_at=mine.created_at)


def _event_out(request: HttpRequest, event: Event, language: str) -> dict[str, Any]:
    series = event.series
    return {
        "slug": event.slug,
        "uid": event.uid,
        "sequence": event.sequence,
        "kind": event.kind,
        "kind_label": str(event.get_kind_display()),
        "status": event.status,
        "status_label": str(event.get_status_display()),
        "visibility": event.visibility,
        "title": text_of(event, "title", language),
        "description": text_of(event, "description", language),
        "venue": text_of(event, "venue", language),
        "city": text_of(event, "city", language),
        "country": event.country.code if event.country else None,
        "online": event.online,
        "all_day": event.all_day,
        "timezone": event.timezone,
        "start": None if event.all_day else event.start,
        "end": None if event.all_day else event.end,
        "start_date": event.start_date,
        "end_date": event.end_date,
        "series": str(series.safe_translation_getter("name", language_code=language, any_language=True)) if series else None,
        "number_in_series": event.number_in_series,
        "organisers": [
            OrganiserOut(
                slug=link.organisation.slug,
                name=str(link.organisation.safe_translation_getter("name", language_code=language, any_language=True) or ""),
                role=link.role,
            )
            for link in event.organiser_links.all()
        ],
        "working_languages": list(event.working_languages or []),
        "priorities": [priority.slug for priority in event.priorities.all()],
        "registration": RegistrationInfo(
            opens=event.registration_opens,
            closes=event.registration_closes,
            capacity=event.capacity,
            places_left=_places_left(event),
            requires_approval=event.requires_approval,
            open_now=_open_now(event),
        ),
        "my_registration": _mine(request, event),
        "closed": event.closed_at is not None,
        "url": base_url() + reverse("events:detail", kwargs={"slug": event.slug}),
        "ics_url": base_url() + reverse("events:event_ics", kwargs={"slug": event.slug}),
    }


def _outcome_out(outcome: Outcome, language: str) -> OutcomeOut:
    texts = {t.language_code: t.text for t in outcome.translations.all()}
    action = outcome.action
    return OutcomeOut(
        kind=outcome.kind,
        kind_label=str(outcome.get_kind_display()),
        text=texts.get(language) or texts.get("en") or next(iter(texts.values()), ""),
        priority=outcome.priority.slug if outcome.priority else None,
        countries=[country.code for country in outcome.countries.all()],
        committed_by=str(outcome.committed_by.safe_translation_getter("name", language_code=language, any_language=True))
        if outcome.committed_by
        else None,
        committed_country=outcome.committed_country.code if outcome.committed_country else None,
        action=ActionOut(
            code=action.code,
            title=str(action.safe_translation_getter("title", language_code=language, any_language=True) or ""),
            status=action.status,
            status_label=str(action.get_status_display()),
        )
        if action
        else None,
    )


@router.get("/events", response=EventPage, auth=READERS, openapi_extra=OPTIONAL_AUTH, summary="Events the caller may see, by date")
def event_list(request: HttpRequest, query: Query[EventQuery]) -> EventPage:
    language = requested_language(query.lang)
    if not 1 <= query.limit <= MAX_LIMIT or query.offset < 0:
        raise HttpError(400, f"limit is between 1 and {MAX_LIMIT}; offset is 0 or more.")
    events = _visible(request)
    if query.kind:
        events = events.filter(kind=query.kind)
    if query.country:
        events = events.filter(country__code=query.country.upper())
    if query.priority:
        events = events.filter(priorities__slug=query.priority)
    if query.date_from:
        events = events.filter(end_date__gte=query.date_from)
    if query.date_to:
        events = events.filter(start_date__lte=query.date_to)
    events = events.order_by("start_date", "start", "slug")
    window = list(
        events.select_related("country", "series").prefetch_related(
            "translations", "series__translations", "priorities", "organiser_links__organisation__translations"
        )[query.offset : query.offset + query.limit]
    )
    with translation.override(language):
        return EventPage(items=[EventOut(**_event_out(request, event, language)) for event in window], count=events.count())


@router.get(
    "/events/{slug}",
    response=EventDetailOut,
    auth=READERS,
    openapi_extra=OPTIONAL_AUTH,
    summary="One event, with its outcomes and what became of them",
)
def event_detail(request: HttpRequest, slug: str, query: Query[LanguageQuery]) -> EventDetailOut:
    language = requested_language(query.lang)
    event = _event_for(request, slug)
    outcomes = (
        event.outcomes.select_related("priority", "committed_by", "committed_country", "action")
        .prefetch_related("translations", "countries", "committed_by__translations", "action__translations")
        .order_by("position", "created_at")
    )
    with translation.override(language):
        return EventDetailOut(
            **_event_out(request, event, language),
            cancellation_reason=event.cancellation_reason,
            outcomes=[_outcome_out(outcome, language) for outcome in outcomes],
            attendance_count=event.attendance_count,
            participating_countries=[c.code for c in event.participating_countries.all()],
        )


def _refusal(exc: DomainError) -> DomainError:
    """A refusal because of the event's state (window closed, cancelled...) is a conflict: 409."""
    if exc.code in STATE_REFUSALS:
        return exc.with_status(409)
    return exc


def _invalid(errors: list[dict[str, Any]]) -> Status[dict[str, Any]]:
    """422 with the body every carnet API error has (``detail``, ``code``) and the reasons per field."""
    detail = " ".join(str(error["reason"]) for error in errors) or "The request is not valid."
    return Status(422, {"detail": detail, "code": "invalid", "errors": errors})


def _validation_errors(exc: DjangoValidationError) -> list[dict[str, Any]]:
    if hasattr(exc, "error_dict"):
        return [{"field": field, "reason": " ".join(str(m) for m in messages)} for field, messages in exc.message_dict.items()]
    return [{"field": None, "reason": str(message)} for message in exc.messages]


@router.post(
    "/events/{slug}/registrations",
    response={201: RegistrationOut, 404: dict[str, Any], 409: dict[str, Any], 422: dict[str, Any]},
    auth=SIGNED_IN,
    summary="Register the caller for an event",
)
def registration_create(request: HttpRequest, slug: str, payload: RegistrationIn) -> Any:
    event = _event_for(request, slug)
    organisation = None
    if payload.organisation:
        organisation = Organisation.objects.filter(slug=payload.organisation).first()
        if organisation is None:
            return _invalid([{"field": "organisation", "reason": "Unknown organisation: give an organisation's slug."}])
    country = None
    if payload.country:
        country = Country.objects.filter(code=payload.country.upper()).first()
        if country is None:
            return _invalid([{"field": "country", "reason": "Unknown country: give a two-letter country code."}])
    try:
        registration = services.registration_create(
            actor=request.user, event=event, organisation=organisation, country=country, note=payload.note
        )
    except DomainError as exc:
        raise _refusal(exc) from exc
    except DjangoValidationError as exc:
        return _invalid(_validation_errors(exc))
    return Status(201, _registration_out(registration))


def _registration_out(registration: Registration) -> RegistrationOut:
    return RegistrationOut(
        event=registration.event.slug,
        status=registration.status,
        status_label=str(registration.get_status_display()),
        created_at=registration.created_at,
    )


@router.delete(
    "/events/{slug}/registrations/me",
    response={204: None, 404: dict[str, Any], 409: dict[str, Any]},
    auth=SIGNED_IN,
    summary="Withdraw the caller's registration",
)
def registration_withdraw(request: HttpRequest, slug: str) -> Any:
    event = _event_for(request, slug)
    mine = event.registrations.filter(user_id=request.user.pk, status__in=HOLDS_PLACE).first()
    if mine is None:
        raise Http404
    try:
        services.registration_cancel(actor=request.user, registration=mine)
    except DomainError as exc:
        raise _refusal(exc) from exc
    return Status(204, None)
