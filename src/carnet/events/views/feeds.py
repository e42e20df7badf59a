"""Calendar feeds (iCalendar) and the page that says how to subscribe (docs/decisions/0011).

* ``feed.ics``, ``feed/country/<code>.ics``, ``feed/priority/<slug>.ics``: the public events
  (from a year ago on), whoever asks: a calendar client never signs in, so these feeds are
  exactly what an anonymous visitor may see; drafts, member-only and invited events never
  appear, and a cancelled event stays, marked cancelled.
* ``feed/private/<token>.ics``: the events the token's owner is registered for (pending or
  approved; cancelled events included, as cancelled), as far as they may see them. An
  unknown or reset token answers 404.
* ``<slug>.ics``: one event, for whoever may see it.

The language of a feed is the language of its address (``/ru/events/feed.ics``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from carnet.core.access import public, signed_in
from carnet.core.models import Country, Priority
from carnet.core.selectors import country_list, priority_list
from carnet.events.ical import calendar_ics, event_ics
from carnet.events.models import HOLDS_PLACE, Event, EventStatus
from carnet.events.policies import EventPolicy
from carnet.events.services_feeds import feed_owner, feed_token_of, feed_token_reset

# A feed holds the events of the past year and everything to come.
FEED_PAST = timedelta(days=365)
CONTENT_TYPE = "text/calendar; charset=utf-8"


def _feed_events(actor: Any, queryset: QuerySet[Event]) -> list[Event]:
    since = timezone.localdate() - FEED_PAST
    visible = EventPolicy.visible(actor, queryset.exclude(status=EventStatus.DRAFT).filter(end_date__gte=since))
    return list(visible.select_related("country").prefetch_related("translations", "country__translations").order_by("start_date", "slug"))


def _public(queryset: QuerySet[Event]) -> list[Event]:
    """What anybody may see: calendar clients come without a session, so the feed is the anonymous view."""
    return _feed_events(AnonymousUser(), queryset)


def _calendar(events: list[Event], name: str, *, filename: str, private: bool = False) -> HttpResponse:
    response = HttpResponse(calendar_ics(events, translation.get_language(), name), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    if private:
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
    else:
        response["Cache-Control"] = "public, max-age=900"
    return response


@public
@require_safe
def feed(request: HttpRequest) -> HttpResponse:
    return _calendar(_public(Event.objects.all()), _("WGCC events"), filename="wgcc-events.ics")


@public
@require_safe
def feed_country(request: HttpRequest, code: str) -> HttpResponse:
    country = Country.objects.filter(code=code.upper()).first()
    if country is None:
        raise Http404
    name = _("WGCC events in %(country)s") % {"country": country.safe_translation_getter("name", any_language=True)}
    return _calendar(_public(Event.objects.filter(country=country)), name, filename=f"wgcc-events-{country.code.lower()}.ics")


@public
@require_safe
def feed_priority(request: HttpRequest, slug: str) -> HttpResponse:
    priority = Priority.objects.filter(slug=slug).first()
    if priority is None:
        raise Http404
    name = _("WGCC events: %(priority)s") % {"priority": priority.safe_translation_getter("title", any_language=True)}
    return _calendar(_public(Event.objects.filter(priorities=priority)), name, filename=f"wgcc-events-{priority.slug}.ics")


@public  # the secret in the address is the credential: calendar clients cannot sign in
@require_safe
def feed_private(request: HttpRequest, token: str) -> HttpResponse:
    owner = feed_owner(token)
    if owner is None:
        raise Http404
    registered = Event.objects.filter(registrations__user=owner, registrations__status__in=HOLDS_PLACE)
    return _calendar(_feed_events(owner, registered), _("My WGCC events"), filename="my-wgcc-events.ics", private=True)


@public  # visibility is applied to the event itself: what the reader may not see answers 404
@require_safe
def event_download(request: HttpRequest, slug: str) -> HttpResponse:
    event = (
        EventPolicy.visible(request.user, Event.objects.filter(slug=slug).exclude(status=EventStatus.DRAFT))
        .select_related("country")
        .prefetch_related("translations", "country__translations")
        .first()
    )
    if event is None:
        raise Http404
    response = HttpResponse(event_ics(event, translation.get_language()), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    if event.visibility != "public":
        response["Cache-Control"] = "private, no-store"
    return response


def _links(request: HttpRequest, url: str) -> dict[str, str]:
    """An address for the browser (https in production) and the same as ``webcal://`` for calendar applications."""
    absolute = request.build_absolute_uri(url)
    return {"https": absolute, "webcal": "webcal://" + absolute.split("://", 1)[1]}


@public
@require_safe
def feeds(request: HttpRequest) -> HttpResponse:
    token = feed_token_of(request.user)
    private = _links(request, reverse("events:feed_private", kwargs={"token": token.token})) if token else None
    return render(
        request,
        "events/feeds/subscribe.html",
        {
            "public_feed": _links(request, reverse("events:feed")),
            "country_feeds": [
                (country, _links(request, reverse("events:feed_country", kwargs={"code": country.code.lower()})))
                for country in country_list()
            ],
            "priority_feeds": [
                (priority, _links(request, reverse("events:feed_priority", kwargs={"slug": priority.slug}))) for priority in priority_list()
            ],
            "private_feed": private,
        },
    )


@signed_in
@require_POST
def feed_reset(request: HttpRequest) -> HttpResponse:
    had = feed_token_of(request.user) is not None
    feed_token_reset(actor=request.user)  # type: ignore[arg-type]  # signed_in: request.user is a User
    if had:
        messages.success(request, _("Your private calendar address was changed. The old address no longer works."))
    else:
        messages.success(request, _("Your private calendar address is ready."))
    return redirect("events:feeds")


urlpatterns: list[URLPattern] = [
    path("feeds/", feeds, name="feeds"),
    path("feeds/private/reset/", feed_reset, name="feed_reset"),
    path("feed.ics", feed, name="feed"),
    path("feed/country/<str:code>.ics", feed_country, name="feed_country"),
    path("feed/priority/<slug:slug>.ics", feed_priority, name="feed_priority"),
    path("feed/private/<str:token>.ics", feed_private, name="feed_private"),
    path("<slug:slug>.ics", event_download, name="event_ics"),
]
