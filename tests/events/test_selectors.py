"""The event selectors: visibility in SQL (drafts, members, invited, anonymous), filters, the month grid, counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from carnet.accounts.models import Role
from carnet.core.models import Country, Priority
from carnet.events import selectors, services
from carnet.events.models import EventStatus, EventVisibility
from tests.accounts.factories import UserFactory
from tests.events.factories import event, member, register, secretariat_user

pytestmark = pytest.mark.django_db


def _slugs(actor: object, **kwargs: object) -> list[str]:
    return [e.slug for e in selectors.event_list_for(actor, selectors.EventFilters(**kwargs))]  # type: ignore[arg-type]


def test_visibility_for_each_kind_of_reader() -> None:
    # given a public, a members', an invited-only event and a draft
    host = member(role=Role.NCP, country=Country.objects.get(code="SE"))
    public = event(slug="public-one")
    members = event(slug="members-one", visibility=EventVisibility.MEMBERS)
    invited = event(slug="invited-one", visibility=EventVisibility.INVITED)
    draft = event(slug="draft-one", status=EventStatus.DRAFT)
    own_draft = event(slug="host-draft", status=EventStatus.DRAFT, author=host)
    guest, someone = member(), member()
    services.registration_invite(actor=secretariat_user(), event=invited, user=guest)
    no_membership = UserFactory()
    # then each reader sees exactly what the policy allows, in SQL
    assert _slugs(AnonymousUser()) == ["public-one"]
    assert _slugs(no_membership) == ["public-one"]
    assert sorted(_slugs(someone)) == ["members-one", "public-one"]
    assert sorted(_slugs(guest)) == ["invited-one", "members-one", "public-one"]
    assert sorted(_slugs(host)) == ["host-draft", "members-one", "public-one"]
    assert sorted(_slugs(secretariat_user())) == sorted([public.slug, members.slug, invited.slug, draft.slug, own_draft.slug])
    # and a direct look-up answers 404 for what one may not see
    for actor, slug in ((AnonymousUser(), "members-one"), (someone, "invited-one"), (someone, "draft-one"), (host, "draft-one")):
        with pytest.raises(Http404):
            selectors.event_get_for(actor=actor, slug=slug)
    with pytest.raises(Http404):
        selectors.event_get_for(actor=secretariat_user(), slug="no-such-event")
    assert selectors.event_get_for(actor=guest, slug="invited-one") == invited


def test_an_invited_event_with_many_registrations_is_listed_once() -> None:
    invited = event(visibility=EventVisibility.INVITED)
    guest = member()
    services.registration_invite(actor=secretariat_user(), event=invited, user=guest)
    for _ in range(3):
        services.registration_invite(actor=secretariat_user(), event=invited, user=member())
    assert _slugs(secretariat_user()) == [invited.slug]
    assert _slugs(guest) == [invited.slug]


def test_cancelled_events_stay_listed_and_past_ones_are_separate() -> None:
    cancelled = event(slug="called-off", status=EventStatus.CANCELLED)
    old = event(slug="long-ago", start=dt.datetime(2005, 4, 1, 10), end=dt.datetime(2005, 4, 2, 16))  # noqa: DTZ001
    older = event(slug="longer-ago", start=dt.datetime(2004, 4, 1, 10), end=dt.datetime(2004, 4, 2, 16))  # noqa: DTZ001
    assert _slugs(AnonymousUser()) == [cancelled.slug]
    assert _slugs(AnonymousUser(), when=selectors.PAST) == [old.slug, older.slug]  # most recent first


def test_filters_by_kind_country_and_priority() -> None:
    lithuania = Country.objects.get(code="LT")
    priority = Priority.objects.order_by("number").first()
    assert priority is not None
    event(slug="conf", kind="conference", country=lithuania)
    event(slug="train", kind="training", priorities=[priority])
    anonymous = AnonymousUser()
    assert _slugs(anonymous, kind="conference") == ["conf"]
    assert _slugs(anonymous, country="lt") == ["conf"]
    assert _slugs(anonymous, priority=priority.slug) == ["train"]
    assert _slugs(anonymous, kind="no-such-kind") == []


def test_upcoming_for_the_home_page_leaves_out_drafts_and_keeps_order() -> None:
    later = event(slug="later", days_ahead=20)
    sooner = event(slug="sooner", days_ahead=5)
    event(slug="draft", days_ahead=1, status=EventStatus.DRAFT)
    assert [e.slug for e in selectors.upcoming_for(secretariat_user(), 5)] == [sooner.slug, later.slug]
    assert [e.slug for e in selectors.upcoming_for(AnonymousUser(), 1)] == [sooner.slug]


def test_month_grid_puts_multi_day_events_on_each_day_and_whole_weeks() -> None:
    e = event(all_day=True, start_date=dt.date(2030, 1, 30), end_date=dt.date(2030, 2, 2))
    first, last = selectors.month_window(2030, 1)
    assert (first, last) == (dt.date(2029, 12, 31), dt.date(2030, 2, 3))  # Monday to Sunday
    events = list(selectors.event_list_for(AnonymousUser(), window=(first, last)))
    grid = selectors.month_grid(2030, 1, events)
    days_with = [day.date for week in grid.weeks for day in week if e in day.events]
    assert days_with == [dt.date(2030, 1, 30), dt.date(2030, 1, 31), dt.date(2030, 2, 1), dt.date(2030, 2, 2)]
    assert all(len(week) == 7 for week in grid.weeks)
    assert (grid.previous, grid.next) == ((2029, 12), (2030, 2))
    assert selectors.month_grid(2030, 12, []).next == (2031, 1)


def test_participant_counts_by_country_and_organisation() -> None:
    from tests.directory.factories import OrganisationFactory

    e = event()
    finland, sweden = Country.objects.get(code="FI"), Country.objects.get(code="SE")
    organisation = OrganisationFactory(name="Save the Children")
    for country in (finland, finland, sweden):
        services.registration_create(actor=member(country=country), event=e, organisation=organisation)
    cancelled = register(e, member(country=sweden))
    services.registration_cancel(actor=cancelled.user, registration=cancelled)
    counts = selectors.participant_counts(list(selectors.participants_for(actor=secretariat_user(), event=e)))
    assert counts.total == 3
    assert counts.by_country == [(str(finland), 2), (str(sweden), 1)]
    assert counts.by_organisation == [("Save the Children", 3)]
    assert counts.by_status["cancelled"] == 1


def test_participants_are_for_managers_only() -> None:
    from django.core.exceptions import PermissionDenied

    e = event()
    with pytest.raises(PermissionDenied):
        selectors.participants_for(actor=member(), event=e)


def test_my_registrations_leave_out_events_i_can_no_longer_see() -> None:
    user = member()
    visible = event(slug="still-visible")
    register(visible, user)
    assert [r.event.slug for r in selectors.my_registrations(user)] == ["still-visible"]
