"""Issue 7's "done when", in a real browser.

The secretariat creates a bilingual expert meeting; member-fi asks to register and the
secretariat approves; after the meeting the secretariat records its outcomes and turns an
area for action into an action of the Plan of Action, which the meeting page then shows
with its status (in Russian too). The public feed is read back with vobject — a parser
independent of the icalendar library that wrote it: the meeting is there, its SEQUENCE
grows when its time changes, and once cancelled it is still there, as cancelled.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import vobject
from django.utils import timezone
from playwright.sync_api import expect

from carnet.accounts.models import User
from carnet.actionplan.models import Action
from carnet.events.models import Event, Registration, RegistrationStatus
from tests.e2e.browsing import session_page, sign_in
from tests.events.test_ical import forget_parsed_time_zones

SLUG = "expert-meeting-child-friendly-justice"
EN_TITLE = "Expert meeting on child-friendly justice"
RU_TITLE = "Экспертная встреча о дружественном к ребёнку правосудии"
AREA_EN = "Guidelines on hearing children in court across the region"
AREA_RU = "Руководство по заслушиванию детей в суде в странах региона"


def _feed_event(page: Any) -> Any:
    """The meeting's VEVENT in the public feed, parsed with vobject (None when absent)."""
    response = page.request.get("/en/events/feed.ics")
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar")
    forget_parsed_time_zones()
    calendar = vobject.readOne(response.text())
    uid = Event.objects.get(slug=SLUG).uid
    found = [v for v in calendar.contents.get("vevent", []) if v.uid.value == uid]
    return found[0] if found else None


def _local(days: int, hour: int) -> str:
    moment = (timezone.now() + dt.timedelta(days=days)).replace(hour=hour, minute=0)
    return moment.strftime("%Y-%m-%dT%H:%M")


def test_the_secretariat_runs_a_bilingual_meeting_from_registration_to_an_action(
    browser: Any, live_server: Any, demo_users: dict[str, User]
) -> None:
    secretariat = sign_in(browser, live_server, demo_users["secretariat"])

    # the secretariat creates a bilingual expert meeting in Vilnius, open for registration
    secretariat.goto("/en/events/new/")
    secretariat.locator("#id_kind").select_option("expert_meeting")
    secretariat.locator("#id_slug").fill(SLUG)
    secretariat.locator("#id_status").select_option("confirmed")
    secretariat.locator("#id_visibility").select_option("public")
    secretariat.locator("#id_title_en").fill(EN_TITLE)
    secretariat.locator("#id_title_ru").fill(RU_TITLE)
    secretariat.locator("#id_city_en").fill("Vilnius")
    secretariat.locator("#id_city_ru").fill("Вильнюс")
    secretariat.locator("#id_timezone").select_option("Europe/Vilnius")
    secretariat.locator("#id_start").fill(_local(20, 9))
    secretariat.locator("#id_end").fill(_local(20, 17))
    secretariat.locator("#id_country").select_option("LT")
    secretariat.locator("#id_registration_opens").fill(_local(-1, 8))
    secretariat.locator("#id_registration_closes").fill(_local(10, 18))
    secretariat.locator("main form.event-form button[type=submit]").click()
    expect(secretariat.locator("ul.messages")).to_contain_text("The event was created.")
    expect(secretariat.locator("main h1")).to_have_text(EN_TITLE)
    expect(secretariat.locator("main")).to_contain_text("Europe/Vilnius")
    first = _feed_event(secretariat)
    assert first is not None
    assert first.summary.value == EN_TITLE
    # DTSTART carries the meeting's zone (vobject resolves it through the feed's VTIMEZONE): the same instant as stored
    assert first.dtstart.value.utcoffset() is not None
    assert first.dtstart.value == Event.objects.get(slug=SLUG).start
    sequence_before = int(first.sequence.value)

    # member-fi asks to register
    member = session_page(browser, live_server, demo_users["member-fi"])
    member.goto(f"/en/events/{SLUG}/")
    member.get_by_role("button", name="Ask to register").click()
    expect(member.locator("ul.messages")).to_contain_text("The organisers will approve your registration.")
    registration = Registration.objects.get(event__slug=SLUG, user=demo_users["member-fi"])
    assert registration.status == RegistrationStatus.PENDING

    # the secretariat approves it on the participant list
    secretariat.goto(f"/en/events/{SLUG}/participants/")
    member_fi = demo_users["member-fi"]
    row = secretariat.locator("tbody tr", has=secretariat.locator("th", has_text=member_fi.get_full_name() or member_fi.username))
    row.get_by_role("button", name="Approve").click()
    expect(secretariat.locator("ul.messages")).to_contain_text("The registration is approved.")
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.APPROVED
    member.goto("/en/events/my/")
    expect(member.locator("main")).to_contain_text(EN_TITLE)

    # the secretariat records an area for action and turns it into an action of the Plan of Action
    secretariat.goto(f"/en/events/{SLUG}/outcomes/")
    add = secretariat.locator("form.outcome-form", has=secretariat.locator("input[name=do][value=add]"))
    add.locator("select[name=new-kind]").select_option("action_area")
    add.locator("textarea[name=new-text_en]").fill(AREA_EN)
    add.locator("textarea[name=new-text_ru]").fill(AREA_RU)
    add.locator("button[type=submit]").click()
    expect(secretariat.locator("main")).to_contain_text(AREA_EN)
    secretariat.get_by_role("button", name="Make the action").click()
    action = Action.objects.get(outcomes__event__slug=SLUG)
    expect(secretariat.locator("main")).to_contain_text(action.code)

    # the meeting page shows what became of the item, in English and in Russian
    member.goto(f"/en/events/{SLUG}/")
    expect(member.locator("main")).to_contain_text(AREA_EN)
    expect(member.locator("main")).to_contain_text(action.code)
    expect(member.locator("main")).to_contain_text("Proposed")
    member.goto(f"/ru/events/{SLUG}/")
    expect(member.locator("html")).to_have_attribute("lang", "ru")
    expect(member.locator("main h1")).to_have_text(RU_TITLE)
    expect(member.locator("main")).to_contain_text(AREA_RU)
    expect(member.locator("main")).to_contain_text("Вильнюс")
    member.goto(f"/en/plan/{action.code}/")
    expect(member.locator("main")).to_contain_text(EN_TITLE)

    # the secretariat moves the meeting by an hour: the feed's SEQUENCE grows, the UID stays
    secretariat.goto(f"/en/events/{SLUG}/edit/")
    secretariat.locator("#id_start").fill(_local(20, 10))
    secretariat.locator("#id_end").fill(_local(20, 18))
    secretariat.locator("main form.event-form button[type=submit]").click()
    expect(secretariat.locator("ul.messages")).to_contain_text("The event was saved.")
    moved = _feed_event(secretariat)
    assert moved is not None
    assert int(moved.sequence.value) > sequence_before
    assert moved.uid.value == first.uid.value

    # and cancels it: still in the feed, under the same UID, as cancelled
    secretariat.goto(f"/en/events/{SLUG}/cancel/")
    secretariat.locator("textarea[name=reason]").fill("The venue is not available.")
    secretariat.get_by_role("button", name="Cancel the event").click()
    cancelled = _feed_event(secretariat)
    assert cancelled is not None
    assert cancelled.status.value == "CANCELLED"
    assert int(cancelled.sequence.value) > int(moved.sequence.value)
