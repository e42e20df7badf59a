"""A meeting's outcomes: recording typed, translated items, turning areas for action into actions, closing a meeting."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from carnet.accounts.models import User
from carnet.actionplan.models import Action, ActionUpdate
from carnet.actionplan.services import action_create
from carnet.audit.models import AuditEntry
from carnet.core.errors import Conflict, DomainError
from carnet.core.models import Country, Priority
from carnet.directory.models import Organisation
from carnet.events import services as event_services
from carnet.events.models import Event, EventVisibility, Outcome, OutcomeKind
from carnet.events.selectors_outcomes import outcomes_for_event
from carnet.events.services_outcomes import (
    event_close,
    outcome_add,
    outcome_delete,
    outcome_link_action,
    outcome_make_action,
    outcome_move,
    outcome_update,
)
from tests.events import factories

pytestmark = pytest.mark.django_db

Users = dict[str, User]


@pytest.fixture(autouse=True)
def _no_cached_translations() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def stored() -> tuple[Any, ...]:
    """Everything the outcome services write, and how many audit entries and e-mails there are."""
    outcomes = list(
        Outcome.objects.order_by("pk").values_list(
            "event_id", "kind", "position", "priority_id", "committed_by_id", "committed_country_id", "action_id"
        )
    )
    texts = list(
        Outcome.translations.field.model.objects.order_by("master_id", "language_code").values_list("master_id", "language_code", "text")
    )
    countries = list(Outcome.countries.through.objects.order_by("pk").values_list("outcome_id", "country_id"))
    actions = list(Action.objects.order_by("code").values_list("code", "status"))
    closing = list(Event.objects.order_by("slug").values_list("slug", "closed_at", "attendance_count"))
    return (
        outcomes,
        texts,
        countries,
        actions,
        closing,
        ActionUpdate.objects.count(),
        AuditEntry.objects.exclude(action__startswith="auth.").count(),
        len(mail.outbox),
    )


def area(users: Users, event: Event, text: str = "Train the border guards to recognise trafficked children", **kwargs: Any) -> Outcome:
    return outcome_add(actor=users["secretariat"], event=event, kind=OutcomeKind.ACTION_AREA, texts={"en": text}, **kwargs)


@pytest.fixture
def meeting(demo_users: Users) -> Event:
    return factories.event(author=demo_users["secretariat"], slug="kiev-2005", title="Kiev expert meeting", days_ahead=-30)


# --- recording items ----------------------------------------------------------------------------------------------------


def test_items_are_recorded_in_order_with_their_texts_per_language(demo_users: Users, meeting: Event) -> None:
    priority = Priority.objects.get(number=2)
    first = outcome_add(
        actor=demo_users["secretariat"],
        event=meeting,
        kind=OutcomeKind.CONCERN,
        texts={"en": "Children leaving institutions lack support", "ru": "Дети, покидающие учреждения, не получают поддержки"},
        priority=priority,
        countries=Country.objects.filter(code__in=["LT", "EE"]),
    )
    second = area(demo_users, meeting)
    assert (first.position, second.position) == (0, 1)
    first = Outcome.objects.get(pk=first.pk)
    assert first.safe_translation_getter("text", language_code="ru") == "Дети, покидающие учреждения, не получают поддержки"
    assert (first.kind, first.priority, first.created_by) == ("concern", priority, demo_users["secretariat"])
    assert sorted(first.countries.values_list("code", flat=True)) == ["EE", "LT"]
    assert AuditEntry.objects.filter(action="outcome.add").count() == 2


def test_a_text_with_html_is_kept_as_plain_text(demo_users: Users, meeting: Event) -> None:
    item = area(demo_users, meeting, text="<script>alert(1)</script> <b>Bold</b> plan")
    assert (
        Outcome.objects.get(pk=item.pk).safe_translation_getter("text", language_code="en") == "<script>alert(1)</script> <b>Bold</b> plan"
    )


def test_a_commitment_names_who_committed(demo_users: Users, meeting: Event) -> None:
    ministry = Organisation.objects.get(slug="demo-ncp-lt")
    item = outcome_add(
        actor=demo_users["secretariat"],
        event=meeting,
        kind=OutcomeKind.COMMITMENT,
        texts={"en": "Lithuania will host the next meeting"},
        committed_by=ministry,
        committed_country=Country.objects.get(code="LT"),
    )
    assert (item.committed_by, item.committed_country.code) == (ministry, "LT")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"kind": "commitment", "texts": {"en": "We will"}},
            {"committed_by": ["Say who made the commitment: an organisation, a state, or both."]},
        ),
        (
            {"kind": "gap", "texts": {"en": "A gap"}, "committed_country": "LT"},
            {"committed_by": ["Only a commitment names who committed."]},
        ),
        ({"kind": "gap", "texts": {}}, {"texts": ["Write the item in at least one language."]}),
        ({"kind": "gap", "texts": {"en": "  ", "ru": ""}}, {"texts": ["Write the item in at least one language."]}),
        ({"kind": "gap", "texts": {"tlh": "Qapla'"}}, {"texts": ["“tlh” is not one of this site's languages."]}),
        ({"kind": "gap", "texts": {"en": "x" * 5001}}, {"texts": ["Keep each text to at most 5000 characters."]}),
        ({"kind": "wish", "texts": {"en": "A wish"}}, {"kind": ["Choose the kind of item."]}),
    ],
    ids=["commitment-without-maker", "maker-on-a-gap", "no-text", "blank-texts", "unknown-language", "too-long", "unknown-kind"],
)
def test_bad_items_are_refused_and_nothing_is_stored(demo_users: Users, meeting: Event, kwargs: dict[str, Any], expected: Any) -> None:
    if kwargs.get("committed_country"):
        kwargs["committed_country"] = Country.objects.get(code=kwargs["committed_country"])
    before = stored()
    with pytest.raises(ValidationError) as refused:
        outcome_add(actor=demo_users["secretariat"], event=meeting, **kwargs)
    assert refused.value.message_dict == expected
    assert stored() == before


@pytest.mark.parametrize("username", ["ncp-se", "member-fi", "expert-ee", "sysadmin"])
def test_only_those_who_manage_the_meeting_record_its_outcomes(demo_users: Users, meeting: Event, username: str) -> None:
    item = area(demo_users, meeting)
    before = stored()
    for attempt in (
        lambda: outcome_add(actor=demo_users[username], event=meeting, kind="gap", texts={"en": "A gap"}),
        lambda: outcome_update(actor=demo_users[username], outcome=item, texts={"en": "Changed"}),
        lambda: outcome_move(actor=demo_users[username], outcome=item, up=True),
        lambda: outcome_delete(actor=demo_users[username], outcome=item),
        lambda: event_close(actor=demo_users[username], event=meeting),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert stored() == before


def test_a_host_manages_the_outcomes_of_the_meeting_they_created(demo_users: Users) -> None:
    hosted = factories.event(author=demo_users["ncp-lt"], slug="vilnius-ncp", days_ahead=-3)
    item = outcome_add(actor=demo_users["ncp-lt"], event=hosted, kind="expert_input", texts={"ru": "Вклад экспертов"})
    assert item.event == hosted
    with pytest.raises(PermissionDenied):
        outcome_add(actor=demo_users["ncp-se"], event=hosted, kind="gap", texts={"en": "Not my meeting"})


def test_a_cancelled_meeting_has_no_outcomes(demo_users: Users) -> None:
    cancelled = factories.event(author=demo_users["secretariat"], status="cancelled")
    before = stored()
    with pytest.raises(DomainError) as refused:
        area(demo_users, cancelled)
    assert refused.value.message == "A cancelled meeting has no outcomes."
    assert stored() == before


def test_updating_changes_texts_per_language_and_removes_an_emptied_one(demo_users: Users, meeting: Event) -> None:
    item = outcome_add(actor=demo_users["secretariat"], event=meeting, kind="gap", texts={"en": "No data", "ru": "Нет данных"})
    outcome_update(
        actor=demo_users["secretariat"],
        outcome=item,
        texts={"en": "No comparable data", "ru": ""},
        priority=Priority.objects.get(number=3),
        countries=Country.objects.filter(code="FI"),
    )
    item = Outcome.objects.get(pk=item.pk)
    assert {t.language_code: t.text for t in item.translations.all()} == {"en": "No comparable data"}
    assert (item.priority.number, list(item.countries.values_list("code", flat=True))) == (3, ["FI"])  # type: ignore[union-attr]
    before = stored()
    # removing the last language is refused
    with pytest.raises(ValidationError):
        outcome_update(actor=demo_users["secretariat"], outcome=item, texts={"en": ""})
    # a commitment without a maker is refused
    with pytest.raises(ValidationError):
        outcome_update(actor=demo_users["secretariat"], outcome=item, kind="commitment")
    assert stored() == before


def test_items_move_up_and_down(demo_users: Users, meeting: Event) -> None:
    a, b, c = (area(demo_users, meeting, text=t) for t in ("A", "B", "C"))
    outcome_move(actor=demo_users["secretariat"], outcome=c, up=True)
    outcome_move(actor=demo_users["secretariat"], outcome=a, up=True)  # already first: nothing changes
    order = list(Outcome.objects.filter(event=meeting).order_by("position").values_list("pk", flat=True))
    assert order == [a.pk, c.pk, b.pk]


def test_deleting_an_item_keeps_the_action_made_from_it(demo_users: Users, meeting: Event) -> None:
    item = area(demo_users, meeting)
    action = outcome_make_action(actor=demo_users["secretariat"], outcome=item)
    outcome_delete(actor=demo_users["secretariat"], outcome=item)
    assert not Outcome.objects.filter(pk=item.pk).exists()
    assert Action.objects.filter(pk=action.pk).exists()
    assert AuditEntry.objects.filter(action="outcome.delete", object_id=str(item.pk)).count() == 1


# --- actions ------------------------------------------------------------------------------------------------------------


def test_an_area_for_action_becomes_an_action_with_its_texts_priority_and_countries(demo_users: Users, meeting: Event) -> None:
    item = outcome_add(
        actor=demo_users["secretariat"],
        event=meeting,
        kind=OutcomeKind.ACTION_AREA,
        texts={"en": "Train the border guards", "ru": "Обучить пограничников"},
        priority=Priority.objects.get(number=1),
        countries=Country.objects.filter(code__in=["LT", "SE"]),
    )
    action = outcome_make_action(actor=demo_users["secretariat"], outcome=item)
    action = Action.objects.get(pk=action.pk)
    assert action.code == f"PoA-{timezone.localdate().year}-001"
    assert {t.language_code: t.title for t in action.translations.all()} == {"en": "Train the border guards", "ru": "Обучить пограничников"}
    assert (action.priority.number, action.status) == (1, "proposed")  # type: ignore[union-attr]
    assert sorted(action.countries.values_list("code", flat=True)) == ["LT", "SE"]
    assert Outcome.objects.get(pk=item.pk).action == action
    assert AuditEntry.objects.filter(action="outcome.make_action", object_id=str(item.pk)).count() == 1
    # and the meeting page's items say what became of it
    [shown] = outcomes_for_event(actor=demo_users["member-fi"], event=meeting, language="ru")
    assert (shown.text, shown.action.code, shown.action.title, shown.action.status) == (  # type: ignore[union-attr]
        "Обучить пограничников",
        action.code,
        "Обучить пограничников",
        "proposed",
    )


def test_a_long_text_becomes_a_short_title_and_the_description(demo_users: Users, meeting: Event) -> None:
    long_text = " ".join(["word"] * 100)  # 499 characters
    item = area(demo_users, meeting, text=long_text)
    with translation.override("en"):
        action = outcome_make_action(actor=demo_users["secretariat"], outcome=item, code="PoA-2008-003")
    action = Action.objects.get(pk=action.pk)
    title = action.safe_translation_getter("title", language_code="en")
    assert action.code == "PoA-2008-003"
    assert title is not None
    assert len(title) <= 300
    assert title.endswith("word…")
    assert action.safe_translation_getter("description", language_code="en") == long_text


def test_a_given_title_replaces_the_title_in_the_current_language(demo_users: Users, meeting: Event) -> None:
    item = area(demo_users, meeting)
    with translation.override("en"):
        action = outcome_make_action(actor=demo_users["secretariat"], outcome=item, title="Border guard training")
    assert Action.objects.get(pk=action.pk).safe_translation_getter("title", language_code="en") == "Border guard training"


def test_making_an_action_twice_is_a_conflict_that_changes_nothing(demo_users: Users, meeting: Event) -> None:
    item = area(demo_users, meeting)
    action = outcome_make_action(actor=demo_users["secretariat"], outcome=item)
    before = stored()
    with pytest.raises(Conflict) as refused:
        outcome_make_action(actor=demo_users["secretariat"], outcome=Outcome.objects.get(pk=item.pk))
    assert refused.value.status == 409
    assert refused.value.message == f"This item is already linked to the action {action.code}."
    other = action_create(actor=demo_users["secretariat"], titles={"en": "Other"})
    before = stored()
    with pytest.raises(Conflict):
        outcome_link_action(actor=demo_users["secretariat"], outcome=item, action=other)
    assert stored() == before


@pytest.mark.parametrize("kind", ["concern", "gap", "expert_input"])
def test_only_an_area_for_action_becomes_or_links_to_an_action(demo_users: Users, meeting: Event, kind: str) -> None:
    item = outcome_add(actor=demo_users["secretariat"], event=meeting, kind=kind, texts={"en": "Not an action"})
    existing = action_create(actor=demo_users["secretariat"], titles={"en": "Existing"})
    before = stored()
    for attempt in (
        lambda: outcome_make_action(actor=demo_users["secretariat"], outcome=item),
        lambda: outcome_link_action(actor=demo_users["secretariat"], outcome=item, action=existing),
    ):
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.message == "Only an area for action can become an action of the Plan of Action."
    assert stored() == before


def test_an_area_for_action_links_to_an_existing_action(demo_users: Users, meeting: Event) -> None:
    existing = action_create(actor=demo_users["secretariat"], titles={"en": "Existing"})
    item = area(demo_users, meeting)
    outcome_link_action(actor=demo_users["secretariat"], outcome=item, action=existing)
    assert Outcome.objects.get(pk=item.pk).action == existing
    assert Action.objects.count() == 1
    # a linked item keeps its kind
    before = stored()
    with pytest.raises(DomainError) as refused:
        outcome_update(actor=demo_users["secretariat"], outcome=item, kind="gap")
    assert refused.value.message == f"This item is linked to the action {existing.code}, so it stays an area for action."
    assert stored() == before


def test_a_host_may_not_make_actions_of_the_plan(demo_users: Users) -> None:
    hosted = factories.event(author=demo_users["ncp-lt"], slug="vilnius-ncp", days_ahead=-3)
    item = outcome_add(actor=demo_users["ncp-lt"], event=hosted, kind="action_area", texts={"en": "Do this"})
    existing = action_create(actor=demo_users["secretariat"], titles={"en": "Existing"})
    before = stored()
    with pytest.raises(PermissionDenied):
        outcome_make_action(actor=demo_users["ncp-lt"], outcome=item)
    with pytest.raises(PermissionDenied):
        outcome_link_action(actor=demo_users["ncp-lt"], outcome=item, action=existing)
    assert stored() == before


# --- closing ------------------------------------------------------------------------------------------------------------


def test_closing_records_attendance_from_the_registrations_marked_attended(demo_users: Users) -> None:
    # given a meeting that ended, three approved participants of whom two attended
    meeting = factories.event(author=demo_users["secretariat"], days_ahead=-2)
    secretariat = demo_users["secretariat"]
    registrations = [
        event_services.registration_invite(actor=secretariat, event=meeting, user=demo_users[u]) for u in ("ncp-se", "ncp-lt", "member-fi")
    ]
    event_services.attendance_record(
        actor=secretariat, event=meeting, attended={registrations[0].pk: True, registrations[1].pk: True, registrations[2].pk: False}
    )
    # when it is closed with the defaults
    closed = event_close(actor=secretariat, event=meeting)
    # then the count, countries and organisations are those of who attended
    closed = Event.objects.get(pk=meeting.pk)
    assert closed.attendance_count == 2
    assert closed.closed_at is not None
    assert sorted(closed.participating_countries.values_list("code", flat=True)) == ["LT", "SE"]
    assert sorted(closed.participating_organisations.values_list("slug", flat=True)) == ["demo-ncp-lt", "demo-ncp-se"]
    assert AuditEntry.objects.filter(action="event.close", object_id=str(meeting.pk)).count() == 1
    # and closing again is refused, changing nothing
    before = stored()
    with pytest.raises(Conflict) as refused:
        event_close(actor=secretariat, event=closed, attendance_count=40)
    assert refused.value.message == "This meeting was already closed."
    assert stored() == before


def test_closing_with_stated_figures(demo_users: Users) -> None:
    meeting = factories.event(author=demo_users["secretariat"], all_day=True, days_ahead=-1)
    event_close(
        actor=demo_users["secretariat"],
        event=meeting,
        attendance_count=35,
        countries=Country.objects.filter(code__in=["PL", "LT", "EE"]),
        organisations=Organisation.objects.filter(slug="demo-ncp-se"),
    )
    meeting = Event.objects.get(pk=meeting.pk)
    assert meeting.attendance_count == 35
    assert sorted(meeting.participating_countries.values_list("code", flat=True)) == ["EE", "LT", "PL"]
    assert list(meeting.participating_organisations.values_list("slug", flat=True)) == ["demo-ncp-se"]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ({"days_ahead": 5}, "A meeting can be closed only after it has ended."),
        ({"days_ahead": 0, "all_day": True}, "A meeting can be closed only after it has ended."),
        ({"days_ahead": -5, "status": "cancelled"}, "Only a meeting that took place can be closed; this one is a draft or was cancelled."),
        ({"days_ahead": -5, "status": "draft"}, "Only a meeting that took place can be closed; this one is a draft or was cancelled."),
    ],
    ids=["future", "today-all-day", "cancelled", "draft"],
)
def test_a_meeting_that_has_not_ended_or_did_not_take_place_cannot_be_closed(
    demo_users: Users, setup: dict[str, Any], message: str
) -> None:
    meeting = factories.event(author=demo_users["secretariat"], **setup)
    before = stored()
    with pytest.raises(DomainError) as refused:
        event_close(actor=demo_users["secretariat"], event=meeting, attendance_count=3)
    assert refused.value.message == message
    assert stored() == before


def test_a_negative_attendance_is_refused(demo_users: Users, meeting: Event) -> None:
    before = stored()
    with pytest.raises(ValidationError):
        event_close(actor=demo_users["secretariat"], event=meeting, attendance_count=-1)
    assert stored() == before


# --- reading ------------------------------------------------------------------------------------------------------------


def test_the_meeting_page_items_fall_back_to_english_and_say_so(demo_users: Users, meeting: Event) -> None:
    outcome_add(actor=demo_users["secretariat"], event=meeting, kind="gap", texts={"en": "Only English"})
    [item] = outcomes_for_event(actor=AnonymousUser(), event=meeting, language="ru")
    assert (item.text, item.text_language, item.translated, item.kind) == ("Only English", "en", False, "gap")


def test_nobody_reads_the_items_of_a_meeting_they_may_not_see(demo_users: Users) -> None:
    invited = factories.event(author=demo_users["secretariat"], visibility=EventVisibility.INVITED, days_ahead=-3)
    area(demo_users, invited)
    assert outcomes_for_event(actor=demo_users["member-fi"], event=invited, language="en") == []
    assert len(outcomes_for_event(actor=demo_users["secretariat"], event=invited, language="en")) == 1
