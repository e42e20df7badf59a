"""The demo events: the seed's meetings as the issue lists them, synthetic upcoming ones; loading twice changes nothing."""

from __future__ import annotations

import io

import pytest

from carnet.accounts.models import User
from carnet.actionplan.models import Action
from carnet.directory.models import Organisation
from carnet.events import demo
from carnet.events.models import Event, EventKind, EventStatus, Outcome, OutcomeKind, Registration, RegistrationStatus
from carnet.events.selectors import upcoming_for

pytestmark = pytest.mark.django_db

EXPERT_MEETINGS = [
    # (number, city, country code, year, month)
    (1, "Kiev", None, 2005, 4),
    (2, "Yaroslavl", "RU", 2005, 9),
    (3, "Reykjavik", "IS", 2006, 5),
    (4, "Sätra Bruk", "SE", 2006, 5),
    (5, "Oslo", "NO", 2006, 9),
    (6, "St Petersburg", "RU", 2007, 11),
    (7, "Tallinn", "EE", 2008, 1),
]


def load() -> str:
    out = io.StringIO()
    demo.load(out=out)
    return out.getvalue()


def counts() -> tuple[int, ...]:
    return (
        Event.objects.count(),
        Outcome.objects.count(),
        Action.objects.count(),
        Registration.objects.count(),
        Organisation.objects.count(),
    )


def test_loading_twice_changes_nothing(demo_users: dict[str, User]) -> None:
    load()
    first = counts()
    sequences = dict(Event.objects.values_list("slug", "sequence"))
    load()
    assert counts() == first
    assert dict(Event.objects.values_list("slug", "sequence")) == sequences
    assert first[0] == len(demo.SEED_EVENTS) + 4


def test_the_seven_expert_meetings(demo_users: dict[str, User]) -> None:
    load()
    meetings = Event.objects.filter(series__slug="expert-meetings", start_date__year__lt=2010).order_by("number_in_series")
    found = []
    for meeting in meetings:
        meeting.set_current_language("en")
        found.append(
            (
                meeting.number_in_series,
                meeting.city,
                meeting.country.code if meeting.country else None,
                meeting.start_date.year,
                meeting.start_date.month,
            )
        )
        assert meeting.kind == EventKind.EXPERT_MEETING
        assert meeting.status == EventStatus.CONFIRMED
        assert meeting.all_day
        assert meeting.safe_translation_getter("title", language_code="ru")
        assert {link.organisation.slug for link in meeting.organiser_links.all()} == {"cbss-childrens-unit", "wgcc"}
    assert found == EXPERT_MEETINGS
    kiev = meetings.get(number_in_series=1)
    assert kiev.safe_translation_getter("title", language_code="en") == (
        "Expert meeting on care, protection, rehabilitation and reintegration for unaccompanied and trafficked children"
    )


def test_the_fourth_ncp_meeting_and_its_outcomes(demo_users: dict[str, User]) -> None:
    load()
    warsaw = Event.objects.get(slug="ncp-meeting-2007-warsaw")
    assert (warsaw.series.slug, warsaw.number_in_series) == ("ncp-meetings", 4)
    assert (warsaw.start_date.year, warsaw.start_date.month, warsaw.country.code) == (2007, 5, "PL")
    roles = {link.organisation.slug: link.role for link in warsaw.organiser_links.all()}
    assert roles["pl-ministry-interior-administration"] == "co_organiser"
    outcomes = list(warsaw.outcomes.order_by("position"))
    assert [o.safe_translation_getter("text", language_code="en") for o in outcomes] == [
        "Disseminating more broadly the NCPs as nodes of information and contact on a national and regional level",
        "More discussions and guidelines on when a child can/should be returned to country of origin",
        "Need to identify children victims of exploitation in criminality",
    ]
    assert all(o.kind == OutcomeKind.ACTION_AREA for o in outcomes)
    assert all(o.safe_translation_getter("text", language_code="ru", any_language=False) for o in outcomes)
    assert [o.action_id is not None for o in outcomes] == [False, True, True]
    # the return guidelines are proposed; identifying children exploited in criminality is under way
    assert [o.action.status for o in outcomes[1:]] == ["proposed", "in_progress"]
    assert outcomes[2].action.updates.filter(status="in_progress").exists()


def test_the_other_seed_events_and_the_upcoming_ones(demo_users: dict[str, User]) -> None:
    load()
    joint = Event.objects.get(slug="wgcc-tfthb-joint-meeting-2007")
    assert (joint.start_date.isoformat(), joint.kind, joint.all_day) == ("2007-10-24", EventKind.TASK_FORCE, False)
    vilnius = Event.objects.get(slug="vilnius-conference-preventing-trafficking")
    assert (
        vilnius.safe_translation_getter("title", language_code="en") == "Preventing Trafficking in Human Beings: Challenges and Solutions"
    )
    assert vilnius.kind == EventKind.CONFERENCE
    roundtable = Event.objects.get(slug="roundtable-un-study-violence-against-children")
    assert roundtable.status == EventStatus.TENTATIVE
    assert roundtable.kind == EventKind.ROUNDTABLE
    # member-fi is registered and approved for the NCP meeting that is open for registration
    registration = Registration.objects.get(user=demo_users["member-fi"])
    assert (registration.event.slug, registration.status) == ("demo-ncp-meeting-riga", RegistrationStatus.APPROVED)
    # and the home page has something to show: upcoming public events for anyone, more for members
    anonymous = [e.slug for e in upcoming_for(None, 5)]
    assert "roundtable-un-study-violence-against-children" in anonymous
    assert "demo-ncp-meeting-riga" in anonymous
    assert "demo-training-monitoring-online" not in anonymous
    assert "demo-training-monitoring-online" in [e.slug for e in upcoming_for(demo_users["member-fi"], 5)]


def test_reset_removes_the_demo_events(demo_users: dict[str, User]) -> None:
    load()
    out = io.StringIO()
    demo.reset(out=out)
    assert Event.objects.count() == 0
    assert Outcome.objects.count() == 0
    assert Action.objects.count() == 0
    assert not Organisation.objects.filter(slug="pl-ministry-interior-administration").exists()
    load()
    assert Event.objects.count() == len(demo.SEED_EVENTS) + 4
