"""The iCalendar output, read back with a second, independent parser (vobject), as calendar clients would."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import vobject
from django.test import Client
from django.utils import timezone

from carnet.events import services
from carnet.events.ical import calendar_ics, event_ics
from carnet.events.models import Event, EventStatus, EventVisibility
from tests.events.factories import event, secretariat_user

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def forget_parsed_time_zones() -> None:
    """vobject keeps the first VTIMEZONE it parsed for a TZID for the rest of the process and reads later
    files with it; each feed carries its own VTIMEZONE, cut to the window of its events, so start afresh."""
    vobject.icalendar.__dict__["__tzidMap"].clear()


def parse(data: bytes) -> Any:
    """The one VCALENDAR in ``data``, parsed by vobject (not by icalendar, which wrote it)."""
    forget_parsed_time_zones()
    calendars = list(vobject.readComponents(data.decode("utf-8")))
    assert len(calendars) == 1
    return calendars[0]


def vevents(calendar: Any) -> dict[str, Any]:
    return {component.uid.value: component for component in calendar.contents.get("vevent", [])}


def public_feed(language: str = "en") -> Any:
    response = Client().get(f"/{language}/events/feed.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return parse(response.content)


def tzids(data: bytes) -> set[str]:
    """Every TZID a property refers to, read from the text itself."""
    found = set()
    for line in data.decode("utf-8").replace("\r\n ", "").splitlines():
        name, _sep, _value = line.partition(":")
        for parameter in name.split(";")[1:]:
            key, _eq, value = parameter.partition("=")
            if key.upper() == "TZID":
                found.add(value)
    return found


def test_public_feed_has_the_calendar_and_event_properties() -> None:
    # given a timed, public, confirmed meeting in Vilnius
    meeting = event(
        title="Expert meeting in Vilnius",
        timezone="Europe/Vilnius",
        start=dt.datetime(2031, 3, 4, 10, 0, tzinfo=ZoneInfo("Europe/Vilnius")),
        end=dt.datetime(2031, 3, 4, 16, 30, tzinfo=ZoneInfo("Europe/Vilnius")),
        country=None,
    )
    # when the public feed is read by vobject
    calendar = public_feed()
    # then the calendar says who wrote it, in which version and scale
    assert calendar.prodid.value.startswith("-//")
    assert calendar.version.value == "2.0"
    assert calendar.calscale.value == "GREGORIAN"
    item = vevents(calendar)[meeting.uid]
    # and the event carries its stored identity and its change stamps (UTC)
    assert item.uid.value == meeting.uid
    assert item.sequence.value == str(meeting.sequence)
    assert item.dtstamp.value == meeting.updated_at.astimezone(dt.UTC).replace(microsecond=0)
    assert item.dtstamp.value.tzinfo is not None
    assert item.dtstamp.value.utcoffset() == dt.timedelta(0)
    assert item.created.value == meeting.created_at.astimezone(dt.UTC).replace(microsecond=0)
    assert item.last_modified.value == meeting.updated_at.astimezone(dt.UTC).replace(microsecond=0)
    assert item.summary.value == "Expert meeting in Vilnius"
    assert item.description.value == "What the meeting is about."
    assert item.location.value == "City hall, Stockholm"
    assert item.status.value == "CONFIRMED"
    assert item.categories.value == ["Expert meeting"]
    assert item.url.value == f"http://localhost:8000/en/events/{meeting.slug}/"
    # and its times are in its own zone, 10:00–16:30 local (08:00–14:30 UTC)
    assert item.dtstart.params["X-VOBJ-ORIGINAL-TZID"] == ["Europe/Vilnius"]
    assert item.dtstart.value.astimezone(dt.UTC) == dt.datetime(2031, 3, 4, 8, 0, tzinfo=dt.UTC)
    assert item.dtend.value.astimezone(dt.UTC) == dt.datetime(2031, 3, 4, 14, 30, tzinfo=dt.UTC)


def test_every_tzid_has_its_vtimezone() -> None:
    # given timed events in three zones and an all-day one
    for zone in ("Europe/Vilnius", "Europe/Stockholm", "Atlantic/Reykjavik"):
        event(
            timezone=zone,
            start=dt.datetime(2030, 7, 1, 9, 0, tzinfo=ZoneInfo(zone)),
            end=dt.datetime(2030, 7, 1, 12, 0, tzinfo=ZoneInfo(zone)),
        )
    event(all_day=True, start_date=dt.date(2030, 8, 1))
    response = Client().get("/en/events/feed.ics")
    # when the feed is read
    calendar = parse(response.content)
    zones = {component.tzid.value for component in calendar.contents.get("vtimezone", [])}
    # then each TZID used has exactly one VTIMEZONE
    assert tzids(response.content) == {"Europe/Vilnius", "Europe/Stockholm", "Atlantic/Reykjavik"}
    assert zones == {"Europe/Vilnius", "Europe/Stockholm", "Atlantic/Reykjavik"}
    assert len(calendar.contents["vtimezone"]) == 3
    # and the zones are cut to a window around the events, not the whole history since 1970
    assert b"DTSTART:1970" not in response.content


def test_all_day_event_is_value_date_with_exclusive_end() -> None:
    # given a two-day all-day event, 10 and 11 May
    conference = event(all_day=True, start_date=dt.date(2030, 5, 10), end_date=dt.date(2030, 5, 11))
    # when it is read from the feed
    item = vevents(public_feed())[conference.uid]
    # then its dates are plain dates, and DTEND is the day after the last day
    assert item.dtstart.params.get("VALUE") == ["DATE"]
    assert item.dtend.params.get("VALUE") == ["DATE"]
    assert item.dtstart.value == dt.date(2030, 5, 10)
    assert item.dtend.value == dt.date(2030, 5, 12)
    assert not isinstance(item.dtstart.value, dt.datetime)


def test_uid_stays_and_sequence_grows_only_on_time_place_or_status() -> None:
    author = secretariat_user()
    meeting = event(
        timezone="Europe/Stockholm",
        start=dt.datetime(2030, 9, 1, 10, 0, tzinfo=STOCKHOLM),
        end=dt.datetime(2030, 9, 1, 12, 0, tzinfo=STOCKHOLM),
    )
    before = vevents(public_feed())[meeting.uid]
    first_sequence = int(before.sequence.value)
    # when only the description changes
    services.event_update(actor=author, event=meeting, translations={"en": {"description": "A clearer description."}})
    after_text = vevents(public_feed())[meeting.uid]
    # then the UID is the same, the SEQUENCE is unchanged, the text is new and DTSTAMP moved on
    assert after_text.uid.value == meeting.uid
    assert int(after_text.sequence.value) == first_sequence
    assert after_text.description.value == "A clearer description."
    assert after_text.dtstamp.value >= before.dtstamp.value
    # when the time changes
    services.event_update(
        actor=author,
        event=meeting,
        start=dt.datetime(2030, 9, 1, 11, 0, tzinfo=STOCKHOLM),
        end=dt.datetime(2030, 9, 1, 13, 0, tzinfo=STOCKHOLM),
    )
    after_time = vevents(public_feed())[meeting.uid]
    # then the same UID has a higher SEQUENCE and the new time
    assert int(after_time.sequence.value) == first_sequence + 1
    assert after_time.dtstart.value.astimezone(dt.UTC) == dt.datetime(2030, 9, 1, 9, 0, tzinfo=dt.UTC)
    # when the place changes, it grows again
    services.event_update(actor=author, event=meeting, translations={"en": {"city": "Malmö"}})
    assert int(vevents(public_feed())[meeting.uid].sequence.value) == first_sequence + 2


def test_cancelled_event_stays_in_the_feed_as_cancelled() -> None:
    meeting = event()
    sequence_before = int(vevents(public_feed())[meeting.uid].sequence.value)
    # when it is cancelled
    services.event_cancel(actor=secretariat_user(), event=meeting, reason="The venue is not available.")
    item = vevents(public_feed())[meeting.uid]
    # then it is still there, under the same UID, cancelled, with a higher SEQUENCE
    assert item.status.value == "CANCELLED"
    assert int(item.sequence.value) == sequence_before + 1


def test_drafts_member_only_and_invited_events_are_not_in_the_public_feed() -> None:
    public = event(title="Open meeting")
    draft = event(title="Draft meeting", status=EventStatus.DRAFT)
    members = event(title="Members meeting", visibility=EventVisibility.MEMBERS)
    invited = event(title="Invited meeting", visibility=EventVisibility.INVITED)
    response = Client().get("/en/events/feed.ics")
    # then only the public one is there; the others' titles and UIDs never appear
    assert set(vevents(parse(response.content))) == {public.uid}
    for hidden in (draft, members, invited):
        assert hidden.uid.encode() not in response.content
    assert b"Draft meeting" not in response.content
    assert b"Members meeting" not in response.content
    assert b"Invited meeting" not in response.content


def test_feed_is_in_the_language_of_its_address_with_english_fallback() -> None:
    bilingual = event(title="Expert meeting on return", title_ru="Совещание экспертов о возвращении")
    english_only = event(title="Only in English")
    # when the Russian feed is read
    items = vevents(public_feed("ru"))
    # then the Russian title is used where there is one, English otherwise
    assert items[bilingual.uid].summary.value == "Совещание экспертов о возвращении"
    assert items[english_only.uid].summary.value == "Only in English"
    assert items[bilingual.uid].url.value == f"http://localhost:8000/ru/events/{bilingual.slug}/"


def test_past_year_and_future_only() -> None:
    # given an event two years ago and one last month
    old = event(all_day=True, start_date=timezone.localdate() - dt.timedelta(days=800))
    recent = event(all_day=True, start_date=timezone.localdate() - dt.timedelta(days=30))
    uids = set(vevents(public_feed()))
    assert recent.uid in uids
    assert old.uid not in uids


def test_event_ics_is_one_calendar_with_one_event() -> None:
    warsaw = ZoneInfo("Europe/Warsaw")
    meeting = event(
        timezone="Europe/Warsaw", start=dt.datetime(2030, 5, 14, 9, 0, tzinfo=warsaw), end=dt.datetime(2030, 5, 14, 17, 0, tzinfo=warsaw)
    )
    data = event_ics(Event.objects.get(pk=meeting.pk), "en")
    calendar = parse(data)
    assert list(vevents(calendar)) == [meeting.uid]
    assert [tz.tzid.value for tz in calendar.contents["vtimezone"]] == ["Europe/Warsaw"]


def test_calendar_ics_never_writes_a_draft() -> None:
    draft = event(status=EventStatus.DRAFT)
    shown = event()
    data = calendar_ics(list(Event.objects.all()), "en", "All")
    assert set(vevents(parse(data))) == {shown.uid}
    assert draft.uid.encode() not in data
