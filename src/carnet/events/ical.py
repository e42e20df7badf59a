"""Events as iCalendar (RFC 5545), written with the ``icalendar`` library (docs/decisions/0011).

What a calendar client needs to keep a subscribed event right over time:

* ``UID`` is the event's stored ``uid`` and never changes; ``SEQUENCE`` is the stored
  counter that the services raise on every change of time, place or status; ``DTSTAMP``
  and ``LAST-MODIFIED`` are the event's last change (UTC), ``CREATED`` its creation.
* A timed event is written in its own zone (``DTSTART;TZID=Europe/Vilnius:...``) and the
  calendar carries a ``VTIMEZONE`` for every TZID it uses, cut to a window around the
  events (a few hundred bytes, not the zone's whole history).
* An all-day event is ``DTSTART;VALUE=DATE`` with an exclusive ``DTEND`` (the day after
  the last day), as RFC 5545 3.6.1 reads.
* A cancelled event keeps its UID and says ``STATUS:CANCELLED``; drafts are never written
  (the callers pass what the reader may see; :func:`calendar_ics` still refuses drafts).

Text is the event's in the requested language, falling back to English, then to any
language it has. Links are absolute, built from ``CARNET_BASE_URL`` unless a base is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from carnet.events.models import Event, EventStatus

PRODID = "-//CBSS Working Group for Cooperation on Children at Risk//carnet//EN"
FALLBACK_LANGUAGE = "en"
# How the event's status reads in iCalendar (3.8.1.11); a draft has no entry: it is never written.
ICAL_STATUS = {
    EventStatus.TENTATIVE: "TENTATIVE",
    EventStatus.CONFIRMED: "CONFIRMED",
    EventStatus.CANCELLED: "CANCELLED",
}
# VTIMEZONE transitions are written for the events' dates plus this margin on each side.
ZONE_MARGIN = timedelta(days=366)


def base_url() -> str:
    """Where carnet is reached (``CARNET_BASE_URL``), for the absolute links in feeds and e-mails."""
    return str(getattr(settings, "CARNET_BASE_URL", "http://localhost:8000")).rstrip("/")


def event_url(event: Event, language: str, base: str | None = None) -> str:
    """The absolute address of the event's page in ``language``."""
    with translation.override(language):
        path = reverse("events:detail", kwargs={"slug": event.slug})
    return (base or base_url()).rstrip("/") + path


def text_of(event: Event, field: str, language: str) -> str:
    """A translated field in ``language``, else English, else any language the event has ("" if none)."""
    texts = {t.language_code: getattr(t, field, "") or "" for t in event.translations.all()}
    for code in (language, FALLBACK_LANGUAGE):
        if texts.get(code):
            return texts[code]
    return next((value for _code, value in sorted(texts.items()) if value), "")


def location_of(event: Event, language: str) -> str:
    """Venue, city and country in ``language``; "Online" for an online event without a venue."""
    parts = [text_of(event, "venue", language), text_of(event, "city", language)]
    if event.country_id is not None and event.country is not None:
        parts.append(str(event.country.safe_translation_getter("name", language_code=language, any_language=True) or ""))
    place = ", ".join(part for part in parts if part)
    if event.online:
        with translation.override(language):
            online = str(translation.pgettext("event location", "Online"))
        place = f"{place} ({online})" if place else online
    return place


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)  # iCalendar has whole seconds


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None, microsecond=0)


def _vevent(event: Event, language: str, base: str | None) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", _utc(event.updated_at))
    vevent.add("created", _utc(event.created_at))
    vevent.add("last-modified", _utc(event.updated_at))
    vevent.add("sequence", event.sequence)
    vevent.add("summary", text_of(event, "title", language))
    description = text_of(event, "description", language)
    if description:
        vevent.add("description", description)
    location = location_of(event, language)
    if location:
        vevent.add("location", location)
    vevent.add("url", event_url(event, language, base))
    vevent.add("status", ICAL_STATUS[EventStatus(event.status)])
    with translation.override(language):
        vevent.add("categories", [str(event.get_kind_display())])
    vevent.add("transp", "OPAQUE")
    if event.all_day or event.start is None or event.end is None:
        vevent.add("dtstart", event.start_date)
        vevent.add("dtend", event.end_date + timedelta(days=1))  # exclusive: the day after the last day
    else:
        # Local wall time with the zone's TZID, always: icalendar would write a zone it finds equal to UTC
        # (Atlantic/Reykjavik) as "Z", losing the zone the event is held in.
        zone = ZoneInfo(event.timezone)
        vevent.add("dtstart", _local(event.start, zone), parameters={"TZID": event.timezone})
        vevent.add("dtend", _local(event.end, zone), parameters={"TZID": event.timezone})
    return vevent


def _window(events: list[Event]) -> tuple[date, date]:
    first = min(e.start_date for e in events) - ZONE_MARGIN
    last = max(e.end_date for e in events) + ZONE_MARGIN
    return first, last


def build_calendar(events: Iterable[Event], language: str, name: str, *, base: str | None = None) -> icalendar.Calendar:
    """One VCALENDAR holding a VEVENT per event that is not a draft, with a VTIMEZONE for every TZID used."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", name)  # RFC 7986
    cal.add("x-wr-calname", name)  # what older clients read, in addition
    written = [event for event in events if event.status != EventStatus.DRAFT]
    for event in written:
        cal.add_component(_vevent(event, language, base))
    if written:
        first, last = _window(written)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return cal


def calendar_ics(events: Iterable[Event], language: str, name: str, *, base: str | None = None) -> bytes:
    """The events (drafts left out) as one iCalendar file."""
    return bytes(build_calendar(events, language, name, base=base).to_ical())


def event_ics(event: Event, language: str, *, base: str | None = None) -> bytes:
    """One event as an iCalendar file (one VCALENDAR, one VEVENT): the download and the e-mail attachment."""
    return calendar_ics([event], language, text_of(event, "title", language), base=base)
