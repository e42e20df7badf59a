"""The calendar: the list of events (upcoming or past, filtered), the month grid, one event, my registrations.

Everything here reads through :mod:`carnet.events.selectors`, which filter by
:class:`~carnet.events.policies.EventPolicy` in SQL: an event one may not see is in no
list, in no month, and its address answers 404.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, re_path
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from carnet.core.access import public, signed_in
from carnet.events import selectors, services
from carnet.events.forms import RegistrationForm, language_label
from carnet.events.models import HOLDS_PLACE, Event, EventKind, EventStatus, OrganiserRole
from carnet.events.policies import EventAction, EventPolicy, may_manage

PAGE_SIZE = 20


@require_safe
@public
def event_list(request: HttpRequest) -> HttpResponse:
    from carnet.events.forms import FilterForm

    form = FilterForm(request.GET or None)
    values = form.values()
    filters = selectors.EventFilters(**values)
    events = selectors.event_list_for(request.user, filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    context = {
        "form": form,
        "page": page,
        "filters": values,
        "past": values["when"] == selectors.PAST,
        "today": today,
        "may_create": EventPolicy.can(request.user, EventAction.CREATE),
    }
    return render(request, "events/list.html", context)


@require_safe
@public
def month(request: HttpRequest, year: int, month: int) -> HttpResponse:
    if not (1 <= month <= 12 and 1900 <= year <= 2200):
        raise Http404
    first, last = selectors.month_window(year, month)
    events = list(selectors.event_list_for(request.user, window=(first, last)))
    grid = selectors.month_grid(year, month, events)
    return render(request, "events/month.html", {"grid": grid, "month_start": grid.first, "kinds": EventKind})


@require_safe
@public
def this_month(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return month(request, today.year, today.month)


def registration_state(request: HttpRequest, event: Event) -> dict[str, Any]:
    """What the registration box says: the user's registration, whether they may register, and why not."""
    mine = selectors.registration_of(request.user, event)
    taken = selectors.places_taken(event)
    now = timezone.now()
    state = "open"
    if event.status == EventStatus.CANCELLED:
        state = "cancelled"
    elif event.closed_at is not None or services.event_over(event, now):
        state = "closed_event"
    elif event.status == EventStatus.DRAFT:
        state = "draft"
    elif event.registration_opens is not None and now < event.registration_opens:
        state = "not_yet"
    elif event.registration_closes is not None and now >= event.registration_closes:
        state = "closed"
    elif event.capacity is not None and taken >= event.capacity:
        state = "full"
    holds = mine is not None and mine.status in HOLDS_PLACE
    may_register = (
        state == "open"
        and not holds
        and (mine is None or mine.status != "declined")
        and EventPolicy.can(request.user, EventAction.REGISTER, event)
    )
    return {
        "mine": mine,
        "holds_place": holds,
        "taken": taken,
        "left": None if event.capacity is None else max(event.capacity - taken, 0),
        "state": state,
        "may_register": may_register,
        "form": RegistrationForm() if may_register else None,
    }


@require_safe
@public
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = selectors.event_get_for(actor=request.user, slug=slug)
    zone = ZoneInfo(event.timezone)
    links = list(event.organiser_links.all())
    context = {
        "event": event,
        "local_start": event.start.astimezone(zone) if event.start else None,
        "local_end": event.end.astimezone(zone) if event.end else None,
        "registration_opens": event.registration_opens.astimezone(zone) if event.registration_opens else None,
        "registration_closes": event.registration_closes.astimezone(zone) if event.registration_closes else None,
        "organisers": [link.organisation for link in links if link.role == OrganiserRole.ORGANISER],
        "co_organisers": [link.organisation for link in links if link.role == OrganiserRole.CO_ORGANISER],
        "working_languages": [language_label(code) for code in event.working_languages or []],
        "documents": selectors.document_rows(request.user, event, get_language() or "en"),
        "may_manage": may_manage(request.user, event),
        "registration": registration_state(request, event),
        "is_cancelled": event.status == EventStatus.CANCELLED,
    }
    return render(request, "events/detail.html", context)


@require_safe
@signed_in
def my_registrations(request: HttpRequest) -> HttpResponse:
    registrations = list(selectors.my_registrations(request.user))
    today = timezone.localdate()
    upcoming = [r for r in registrations if r.event.end_date >= today]
    past = [r for r in registrations if r.event.end_date < today]
    past.reverse()
    return render(request, "events/my.html", {"upcoming": upcoming, "past": past, "holds_place": HOLDS_PLACE})


urlpatterns: list[URLPattern] = [
    path("", event_list, name="list"),
    path("month/", this_month, name="this_month"),
    path("<int:year>/<int:month>/", month, name="month"),
    path("my/", my_registrations, name="my"),
    # Not the calendar's own words (feeds/, my/, new/, outcomes/ ...): see carnet.events.services.RESERVED_SLUGS.
    re_path(r"^(?!(?:feeds|feed|my|new|outcomes|month|api)/)(?P<slug>[-a-zA-Z0-9_]+)/$", detail, name="detail"),
]
