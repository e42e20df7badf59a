"""The feeds per country, per priority and per person; the per-event download; the subscription page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from carnet.accounts.models import User
from carnet.audit.models import AuditEntry
from carnet.core.models import Country, Priority
from carnet.events import services
from carnet.events.models import EventStatus, EventVisibility, FeedToken
from carnet.events.services_feeds import feed_token_reset
from tests.events.factories import event, register, secretariat_user
from tests.events.test_ical import parse, vevents
from tests.fixtures import ROLES

pytestmark = pytest.mark.django_db


def uids(client: Client, path: str) -> set[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return set(vevents(parse(response.content)))


def test_country_feed_holds_that_countrys_public_events() -> None:
    lithuania, sweden = Country.objects.get(code="LT"), Country.objects.get(code="SE")
    in_lithuania = event(country=lithuania)
    in_sweden = event(country=sweden)
    hidden = event(country=lithuania, visibility=EventVisibility.MEMBERS)
    assert uids(Client(), "/en/events/feed/country/lt.ics") == {in_lithuania.uid}
    assert uids(Client(), "/en/events/feed/country/se.ics") == {in_sweden.uid}
    assert hidden.uid not in uids(Client(), "/en/events/feed/country/lt.ics")


def test_priority_feed_holds_the_public_events_on_that_priority() -> None:
    first, second = Priority.objects.get(number=1), Priority.objects.get(number=2)
    on_first = event(priorities=[first])
    event(priorities=[second])
    event(priorities=[first], status=EventStatus.DRAFT)
    assert uids(Client(), f"/en/events/feed/priority/{first.slug}.ics") == {on_first.uid}


@pytest.mark.parametrize("path", ["/en/events/feed/country/xx.ics", "/en/events/feed/priority/no-such-priority.ics"])
def test_unknown_country_or_priority_is_404(path: str) -> None:
    assert Client().get(path).status_code == 404


def test_private_feed_holds_what_its_owner_is_registered_for(demo_users: dict[str, User]) -> None:
    # given member-fi registered for a public, a members-only and an invited event, and one that is cancelled later
    member = demo_users["member-fi"]
    author = secretariat_user()
    public = event(requires_approval=False)
    members = event(visibility=EventVisibility.MEMBERS)
    invited = event(visibility=EventVisibility.INVITED)
    cancelled = event()
    withdrawn = event()
    not_registered = event()
    register(public, member)
    register(members, member)  # pending: still in the feed
    services.registration_invite(actor=author, event=invited, user=member)
    register(cancelled, member, approve=True)
    services.event_cancel(actor=author, event=cancelled, reason="Postponed.")
    withdrawal = register(withdrawn, member)
    services.registration_cancel(actor=member, registration=withdrawal)
    token = feed_token_reset(actor=member).token
    # when the private feed is read (without any session: calendar clients have none)
    response = Client().get(f"/en/events/feed/private/{token}.ics")
    items = vevents(parse(response.content))
    # then it holds exactly the events they hold a place at, the cancelled one as cancelled
    assert set(items) == {public.uid, members.uid, invited.uid, cancelled.uid}
    assert items[cancelled.uid].status.value == "CANCELLED"
    assert not_registered.uid not in items
    assert withdrawn.uid not in items
    assert response["Cache-Control"] == "private, no-store"


def test_reset_token_stops_working_at_once(demo_users: dict[str, User]) -> None:
    member = demo_users["member-fi"]
    client = Client()
    client.force_login(member)
    # given a private feed address
    client.post("/en/events/feeds/private/reset/")
    old = FeedToken.objects.get(user=member).token
    assert Client().get(f"/en/events/feed/private/{old}.ics").status_code == 200
    # when it is reset
    response = client.post("/en/events/feeds/private/reset/")
    # then the old address is 404 and the new one works; the reset is audited
    assert response.status_code == 302
    assert response["Location"] == "/en/events/feeds/"
    new = FeedToken.objects.get(user=member).token
    assert new != old
    assert Client().get(f"/en/events/feed/private/{old}.ics").status_code == 404
    assert Client().get(f"/en/events/feed/private/{new}.ics").status_code == 200
    assert AuditEntry.objects.filter(action="event.feed_token.reset", actor_id=member.pk).count() == 1
    assert AuditEntry.objects.filter(action="event.feed_token.create", actor_id=member.pk).count() == 1


@pytest.mark.parametrize("token", ["unknown-token", "x" * 80, "%20"])
def test_unknown_token_is_404(token: str, demo_users: dict[str, User]) -> None:
    feed_token_reset(actor=demo_users["member-fi"])
    assert Client().get(f"/en/events/feed/private/{token}.ics").status_code == 404


def test_inactive_owners_feed_is_404(demo_users: dict[str, User]) -> None:
    member = demo_users["member-fi"]
    token = feed_token_reset(actor=member).token
    User.objects.filter(pk=member.pk).update(is_active=False)
    assert Client().get(f"/en/events/feed/private/{token}.ics").status_code == 404


def test_reset_needs_sign_in_and_post(client_as: Callable[[str], Client]) -> None:
    # anonymous: sent to sign in, nothing made
    response = client_as("anonymous").post("/en/events/feeds/private/reset/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert FeedToken.objects.count() == 0
    # a GET changes nothing either
    assert client_as("member-fi").get("/en/events/feeds/private/reset/").status_code == 405
    assert FeedToken.objects.count() == 0


def test_event_download_applies_visibility_for_every_account(client_as: Callable[[str], Client], demo_users: dict[str, User]) -> None:
    # given a public event, a members-only event, an event member-fi is invited to, and a draft
    author = secretariat_user()
    public = event()
    members = event(visibility=EventVisibility.MEMBERS)
    invited = event(visibility=EventVisibility.INVITED)
    services.registration_invite(actor=author, event=invited, user=demo_users["member-fi"])
    draft = event(status=EventStatus.DRAFT)
    for role in ROLES:
        client = client_as(role)
        # then the public one downloads for everyone, as one event
        response = client.get(f"/en/events/{public.slug}.ics")
        assert response.status_code == 200, role
        assert response["Content-Disposition"] == f'attachment; filename="{public.slug}.ics"'
        assert list(vevents(parse(response.content))) == [public.uid]
        # the members' event for members only (every demo account is a member)
        assert client.get(f"/en/events/{members.slug}.ics").status_code == (404 if role == "anonymous" else 200), role
        # the invited one for the invited person and the secretariat only
        expected = 200 if role in ("member-fi", "secretariat") else 404
        assert client.get(f"/en/events/{invited.slug}.ics").status_code == expected, role
        # a draft never
        assert client.get(f"/en/events/{draft.slug}.ics").status_code == 404, role
    assert client_as("anonymous").get("/en/events/no-such-event.ics").status_code == 404


def test_private_feed_per_account(client_as: Callable[[str], Client], demo_users: dict[str, User]) -> None:
    # every account's own token opens their own feed only, whoever asks with it
    meeting = event(visibility=EventVisibility.INVITED)
    services.registration_invite(actor=secretariat_user(), event=meeting, user=demo_users["ncp-lt"])
    for role in ROLES:
        if role == "anonymous":
            continue
        token = feed_token_reset(actor=demo_users[role]).token
        items = uids(client_as("anonymous"), f"/en/events/feed/private/{token}.ics")
        assert items == ({meeting.uid} if role == "ncp-lt" else set()), role


def test_subscription_page_shows_https_and_webcal_links(client_as: Callable[[str], Client], demo_users: dict[str, User]) -> None:
    # anonymous: the public feeds, no private section
    page = client_as("anonymous").get("/en/events/feeds/").content.decode()
    assert 'href="webcal://testserver/en/events/feed.ics"' in page
    assert 'href="http://testserver/en/events/feed.ics"' in page
    assert "webcal://testserver/en/events/feed/country/lt.ics" in page
    assert "webcal://testserver/en/events/feed/priority/sexual-exploitation.ics" in page
    assert "/events/feeds/private/reset/" not in page
    # a member without a private feed is offered one; with one, sees its address and the reset button
    member = client_as("member-fi")
    assert "Create my private calendar address" in member.get("/en/events/feeds/").content.decode()
    token = feed_token_reset(actor=demo_users["member-fi"]).token
    page = member.get("/en/events/feeds/").content.decode()
    assert f"webcal://testserver/en/events/feed/private/{token}.ics" in page
    assert "Make a new private address" in page
    # and nobody else's address is ever shown
    assert token not in client_as("ncp-lt").get("/en/events/feeds/").content.decode()


def test_home_page_lists_upcoming_visible_events(client_as: Callable[[str], Client]) -> None:
    soon = event(title="Soon public meeting", days_ahead=5, country=Country.objects.get(code="LT"))
    event(title="Hidden members meeting", days_ahead=6, visibility=EventVisibility.MEMBERS)
    event(title="Draft meeting", days_ahead=7, status=EventStatus.DRAFT)
    event(title="Past meeting", all_day=True, start_date=timezone.localdate() - dt.timedelta(days=3))
    anonymous = client_as("anonymous").get("/en/").content.decode()
    assert "Soon public meeting" in anonymous
    assert f'href="/en/events/{soon.slug}/"' in anonymous
    assert "Hidden members meeting" not in anonymous
    assert "Draft meeting" not in anonymous
    assert "Past meeting" not in anonymous
    member = client_as("member-fi").get("/en/").content.decode()
    assert "Hidden members meeting" in member
    # the country page lists that country's events only
    lithuania = client_as("anonymous").get("/en/countries/lt/").content.decode()
    sweden = client_as("anonymous").get("/en/countries/se/").content.decode()
    assert "Soon public meeting" in lithuania
    assert "Soon public meeting" not in sweden
