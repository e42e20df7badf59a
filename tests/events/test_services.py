"""The event services: validation, the SEQUENCE rule, cancellation, registration (window, capacity, once), attendance, documents."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carnet.accounts.models import Role
from carnet.audit.models import AuditEntry
from carnet.core.errors import Conflict, DomainError
from carnet.core.models import Country, Priority
from carnet.directory.models import Person
from carnet.events import services
from carnet.events.models import (
    Event,
    EventDocument,
    EventKind,
    EventSeries,
    EventStatus,
    EventVisibility,
    Registration,
    RegistrationStatus,
)
from tests.directory.factories import OrganisationFactory
from tests.events.factories import event, member, register, secretariat_user

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _snapshot(e: Event) -> dict[str, Any]:
    """Everything a refused change must leave as it was."""
    e = Event.objects.get(pk=e.pk)
    return {
        "row": {f.attname: getattr(e, f.attname) for f in Event._meta.concrete_fields if f.attname != "updated_at"},
        "translations": sorted((t.language_code, t.title, t.venue, t.city, t.description) for t in e.translations.all()),
        "organisers": sorted(e.organiser_links.values_list("organisation_id", "role")),
        "priorities": sorted(e.priorities.values_list("pk", flat=True)),
        "audit": AuditEntry.objects.count(),
    }


# --- Creating ----------------------------------------------------------------------------------------------------


def test_create_sets_a_stable_uid_sequence_zero_and_local_dates() -> None:
    # when the secretariat creates a timed meeting in Vilnius, stated in local time
    created = services.event_create(
        actor=secretariat_user(),
        kind="expert_meeting",
        slug="vilnius-meeting",
        translations={"en": {"title": "Meeting", "city": "Vilnius"}, "ru": {"title": "Встреча", "city": "Вильнюс"}},
        timezone="Europe/Vilnius",
        start=dt.datetime(2030, 3, 5, 23, 30),  # noqa: DTZ001  (local time of the event's zone, as the form gives it)
        end=dt.datetime(2030, 3, 6, 1, 0),  # noqa: DTZ001
        status=EventStatus.CONFIRMED,
    )
    # then the instants are in Vilnius time, the dates are Vilnius dates, and the UID is fixed
    assert created.start == dt.datetime(2030, 3, 5, 21, 30, tzinfo=dt.UTC)
    assert (created.start_date, created.end_date) == (dt.date(2030, 3, 5), dt.date(2030, 3, 6))
    assert created.uid == f"{created.pk}@carnet"
    assert created.sequence == 0
    created.set_current_language("ru")
    assert created.title == "Встреча"
    assert AuditEntry.objects.filter(action="events.event.create", object_id=str(created.pk)).count() == 1


def test_an_event_ending_at_midnight_ends_the_day_before() -> None:
    e = event(start=dt.datetime(2030, 5, 1, 18, 0), end=dt.datetime(2030, 5, 2, 0, 0))  # noqa: DTZ001
    assert (e.start_date, e.end_date) == (dt.date(2030, 5, 1), dt.date(2030, 5, 1))


def test_all_day_event_has_dates_only_and_one_day_by_default() -> None:
    e = event(all_day=True, start_date=dt.date(2030, 6, 1))
    assert (e.start, e.end, e.start_date, e.end_date) == (None, None, dt.date(2030, 6, 1), dt.date(2030, 6, 1))


BAD_CREATE = [
    pytest.param({"start": dt.datetime(2030, 1, 2, 10), "end": dt.datetime(2030, 1, 2, 9)}, "end", id="end-before-start"),  # noqa: DTZ001
    pytest.param({"start": dt.datetime(2030, 1, 2, 10), "end": dt.datetime(2030, 1, 2, 10)}, "end", id="end-equals-start"),  # noqa: DTZ001
    pytest.param({"timezone": "Europe/Atlantis"}, "timezone", id="zone-that-does-not-exist"),
    pytest.param({"timezone": "europe/stockholm"}, "timezone", id="zone-wrong-case"),
    pytest.param({"start": None, "end": None}, "start", id="timed-without-times"),
    pytest.param({"all_day": True, "start_date": None}, "start_date", id="all-day-without-date"),
    pytest.param({"all_day": True, "start_date": dt.date(2030, 1, 5), "end_date": dt.date(2030, 1, 4)}, "end_date", id="last-day-first"),
    pytest.param(
        {"registration_opens": dt.datetime(2030, 1, 1, tzinfo=dt.UTC), "registration_closes": dt.datetime(2029, 12, 1, tzinfo=dt.UTC)},
        "registration_closes",
        id="registration-closes-before-opening",
    ),
    pytest.param({"capacity": 0}, "capacity", id="capacity-zero"),
    pytest.param({"translations": {"en": {"title": ""}}}, "title", id="no-title"),
    pytest.param({"translations": {"xx": {"title": "T"}}}, "translations", id="unknown-language"),
    pytest.param({"translations": {"en": {"title": "T"}, "ru": {"city": "Рига"}}}, "title_ru", id="text-without-title"),
    pytest.param({"working_languages": ["en", "klingon"]}, "working_languages", id="bad-working-language"),
    pytest.param({"kind": "party"}, "kind", id="bad-kind"),
    pytest.param({"slug": "feeds"}, "slug", id="reserved-slug"),
    pytest.param({"status": EventStatus.CANCELLED}, "status", id="created-cancelled"),
]


@pytest.mark.parametrize(("changes", "field"), BAD_CREATE)
def test_create_refuses_bad_input_with_a_message_and_writes_nothing(changes: dict[str, Any], field: str) -> None:
    actor = secretariat_user()
    arguments: dict[str, Any] = {
        "actor": actor,
        "kind": "expert_meeting",
        "slug": "refused",
        "translations": {"en": {"title": "A meeting"}},
        "start": dt.datetime(2030, 1, 2, 10),  # noqa: DTZ001
        "end": dt.datetime(2030, 1, 2, 12),  # noqa: DTZ001
    } | changes
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.event_create(**arguments)
    assert field in refused.value.message_dict
    assert all(refused.value.message_dict[field])
    assert Event.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_a_taken_slug_is_refused() -> None:
    event(slug="taken")
    with pytest.raises(ValidationError) as refused:
        event(slug="taken")
    assert "slug" in refused.value.message_dict
    assert Event.objects.count() == 1


@pytest.mark.parametrize("role", [Role.MEMBER, Role.CASEWORKER, Role.EXPERT, Role.RESEARCHER])
def test_only_the_secretariat_and_hosts_create(role: Role) -> None:
    with pytest.raises(PermissionDenied):
        event(author=member(role=role))
    assert Event.objects.count() == 0


def test_a_national_contact_point_creates_and_manages_only_their_own() -> None:
    sweden = Country.objects.get(code="SE")
    host = member(role=Role.NCP, country=sweden)
    own = event(author=host)
    other = event()
    services.event_update(actor=host, event=own, capacity=10)
    with pytest.raises(PermissionDenied):
        services.event_update(actor=host, event=other, capacity=10)
    assert Event.objects.get(pk=other.pk).capacity is None


# --- The SEQUENCE rule ------------------------------------------------------------------------------------------

# Each change and whether it must increase SEQUENCE (time, place, status: yes; anything else: no).
SEQUENCE_CASES = [
    pytest.param({"start": dt.datetime(2030, 1, 2, 11), "end": dt.datetime(2030, 1, 2, 16)}, True, id="start"),  # noqa: DTZ001
    pytest.param({"end": dt.datetime(2030, 1, 2, 17)}, True, id="end"),  # noqa: DTZ001
    pytest.param({"start": dt.datetime(2030, 1, 3, 10), "end": dt.datetime(2030, 1, 3, 16)}, True, id="date"),  # noqa: DTZ001
    pytest.param({"all_day": True}, True, id="all-day"),
    pytest.param({"timezone": "Europe/Helsinki"}, True, id="timezone"),
    pytest.param({"translations": {"en": {"venue": "Another hall"}}}, True, id="venue"),
    pytest.param({"translations": {"en": {"city": "Vilnius"}}}, True, id="city"),
    pytest.param({"translations": {"ru": {"title": "Встреча", "city": "Стокгольм"}}}, True, id="city-in-a-new-language"),
    pytest.param({"country": "LT"}, True, id="country"),
    pytest.param({"online": True}, True, id="online"),
    pytest.param({"status": EventStatus.TENTATIVE}, True, id="status"),
    pytest.param({"translations": {"en": {"title": "New title"}}}, False, id="title"),
    pytest.param({"translations": {"en": {"description": "More about it"}}}, False, id="description"),
    pytest.param({"translations": {"ru": {"title": "Встреча"}}}, False, id="title-in-a-new-language"),
    pytest.param({"capacity": 30}, False, id="capacity"),
    pytest.param({"visibility": EventVisibility.MEMBERS}, False, id="visibility"),
    pytest.param({"kind": "conference"}, False, id="kind"),
    pytest.param({"requires_approval": False}, False, id="approval"),
    pytest.param({"working_languages": ["en", "ru"]}, False, id="working-languages"),
    pytest.param({"priorities": "first"}, False, id="priorities"),
    pytest.param({"organisers": "one"}, False, id="organisers"),
    pytest.param(
        {"registration_closes": dt.datetime(2029, 12, 1, tzinfo=dt.UTC)},
        False,
        id="registration-window",
    ),
    pytest.param({"start": dt.datetime(2030, 1, 2, 10), "end": dt.datetime(2030, 1, 2, 16)}, False, id="same-times-again"),  # noqa: DTZ001
    pytest.param({"translations": {"en": {"city": "Stockholm"}}}, False, id="same-city-again"),
    pytest.param({"status": EventStatus.CONFIRMED}, False, id="same-status-again"),
    pytest.param({}, False, id="nothing"),
]


@pytest.mark.parametrize(("changes", "increases"), SEQUENCE_CASES)
def test_sequence_increases_exactly_on_time_place_or_status(changes: dict[str, Any], *, increases: bool) -> None:
    # given a confirmed timed meeting in Stockholm (10:00-16:00 on 2 January 2030)
    actor = secretariat_user()
    e = event(start=dt.datetime(2030, 1, 2, 10), end=dt.datetime(2030, 1, 2, 16))  # noqa: DTZ001
    uid = e.uid
    if changes.get("country"):
        changes = changes | {"country": Country.objects.get(code=changes["country"])}
    if changes.get("priorities") == "first":
        changes = changes | {"priorities": [Priority.objects.order_by("number").first()]}
    if changes.get("organisers") == "one":
        changes = changes | {"organisers": [(OrganisationFactory(), "organiser")]}
    # when it is changed
    services.event_update(actor=actor, event=e, **changes)
    # then SEQUENCE grew by exactly one when time, place or status changed, else not at all; the UID stays
    stored = Event.objects.get(pk=e.pk)
    assert stored.sequence == (1 if increases else 0)
    assert stored.uid == uid
    assert e.sequence == stored.sequence  # the caller's object is refreshed


def test_sequence_counts_every_change_and_never_goes_down() -> None:
    actor = secretariat_user()
    e = event()
    seen = [e.sequence]
    for change in (
        {"translations": {"en": {"city": "Riga"}}},
        {"translations": {"en": {"title": "Only the title"}}},
        {"online": True},
        {"status": EventStatus.TENTATIVE},
    ):
        services.event_update(actor=actor, event=e, **change)
        seen.append(e.sequence)
    services.event_cancel(actor=actor, event=e, reason="No venue")
    seen.append(e.sequence)
    assert seen == [0, 1, 1, 2, 3, 4]


def test_changing_only_the_time_zone_keeps_the_local_times() -> None:
    e = event(start=dt.datetime(2030, 1, 2, 10), end=dt.datetime(2030, 1, 2, 16))  # noqa: DTZ001
    services.event_update(actor=secretariat_user(), event=e, timezone="Europe/Vilnius")
    local = e.start.astimezone(ZoneInfo("Europe/Vilnius"))
    assert (local.hour, local.minute, e.timezone) == (10, 0, "Europe/Vilnius")


UPDATE_REFUSALS = [
    pytest.param({"end": dt.datetime(2030, 1, 2, 9)}, ValidationError, id="end-before-start"),  # noqa: DTZ001
    pytest.param({"timezone": "Mars/Olympus_Mons"}, ValidationError, id="bad-zone"),
    pytest.param({"status": EventStatus.DRAFT}, ValidationError, id="back-to-draft"),
    pytest.param({"status": EventStatus.CANCELLED}, ValidationError, id="cancel-without-reason"),
    pytest.param({"capacity": 0}, ValidationError, id="capacity-zero"),
    pytest.param(
        {"registration_opens": dt.datetime(2030, 1, 1, tzinfo=dt.UTC), "registration_closes": dt.datetime(2030, 1, 1, tzinfo=dt.UTC)},
        ValidationError,
        id="window-empty",
    ),
    pytest.param({"translations": {"en": {"title": ""}}}, ValidationError, id="last-title-removed"),
    pytest.param({"uid": "mine@evil"}, DomainError, id="uid-is-not-changeable"),
    pytest.param({"sequence": 0}, DomainError, id="sequence-is-not-changeable"),
]


@pytest.mark.parametrize(("changes", "error"), UPDATE_REFUSALS)
def test_update_refuses_and_changes_nothing(changes: dict[str, Any], error: type[Exception]) -> None:
    e = event(start=dt.datetime(2030, 1, 2, 10), end=dt.datetime(2030, 1, 2, 16), capacity=5)  # noqa: DTZ001
    services.event_update(actor=secretariat_user(), event=e, translations={"en": {"city": "Riga"}})  # sequence 1
    before = _snapshot(e)
    with pytest.raises(error):
        services.event_update(actor=secretariat_user(), event=e, **changes)
    assert _snapshot(e) == before


def test_a_language_emptied_is_removed_and_another_keeps_the_title() -> None:
    e = event(title="Meeting", title_ru="Встреча")
    services.event_update(actor=secretariat_user(), event=e, translations={"ru": {"title": ""}})
    assert sorted(e.translations.values_list("language_code", flat=True)) == ["en"]


# --- Publish and cancel -------------------------------------------------------------------------------------------


def test_publish_announces_a_draft_once() -> None:
    actor = secretariat_user()
    draft = event(status=EventStatus.DRAFT)
    services.event_publish(actor=actor, event=draft, status=EventStatus.TENTATIVE)
    assert (draft.status, draft.sequence) == (EventStatus.TENTATIVE, 1)
    with pytest.raises(Conflict):
        services.event_publish(actor=actor, event=draft)
    assert Event.objects.get(pk=draft.pk).sequence == 1


def test_cancel_keeps_the_event_raises_sequence_and_tells_registered_people_after_commit(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a meeting with an approved, a pending and a cancelled registration
    actor = secretariat_user()
    e = event()
    approved, pending, gone = member("p-approved"), member("p-pending"), member("p-gone")
    register(e, approved, approve=True)
    register(e, pending)
    services.registration_cancel(actor=gone, registration=register(e, gone))
    mail.outbox.clear()
    # when the secretariat cancels it, with a reason
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.event_cancel(actor=actor, event=e, reason="The venue burnt down")
    # then the event is still there, cancelled, one sequence up, and the two holding a place got an e-mail
    stored = Event.objects.get(pk=e.pk)
    assert (stored.status, stored.sequence, stored.uid) == (EventStatus.CANCELLED, 1, e.uid)
    assert stored.cancellation_reason == "The venue burnt down"
    assert len(callbacks) == 1
    assert sorted(m.to[0] for m in mail.outbox) == [approved.email, pending.email]
    assert all("The venue burnt down" in m.body for m in mail.outbox)
    assert AuditEntry.objects.filter(action="events.event.cancel", purpose="The venue burnt down").count() == 1


@pytest.mark.parametrize(
    ("status", "reason", "error"),
    [
        pytest.param(EventStatus.CONFIRMED, "  ", ValidationError, id="no-reason"),
        pytest.param(EventStatus.CANCELLED, "again", Conflict, id="already-cancelled"),
        pytest.param(EventStatus.DRAFT, "why", Conflict, id="draft"),
    ],
)
def test_cancel_refusals_change_nothing_and_send_nothing(
    status: str, reason: str, error: type[Exception], django_capture_on_commit_callbacks: Any
) -> None:
    e = event(status=status)
    before = _snapshot(e)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(error):
        services.event_cancel(actor=secretariat_user(), event=e, reason=reason)
    assert _snapshot(e) == before
    assert mail.outbox == []


def test_a_member_cannot_cancel() -> None:
    e = event()
    before = _snapshot(e)
    with pytest.raises(PermissionDenied):
        services.event_cancel(actor=member(), event=e, reason="Because")
    assert _snapshot(e) == before


# --- Registration ------------------------------------------------------------------------------------------------


def test_registration_is_pending_when_approval_is_needed_and_takes_defaults_from_the_directory() -> None:
    finland = Country.objects.get(code="FI")
    organisation = OrganisationFactory(country=finland)
    user = member()
    Person.objects.create(user=user, full_name="Mikko Member", organisation=organisation, country=finland)
    e = event()
    registration = services.registration_create(actor=user, event=e, note="Vegetarian")
    assert (registration.status, registration.organisation, registration.country, registration.note) == (
        RegistrationStatus.PENDING,
        organisation,
        finland,
        "Vegetarian",
    )


def test_registration_defaults_from_memberships_without_a_directory_entry() -> None:
    lithuania = Country.objects.get(code="LT")
    user = member(country=lithuania)
    registration = services.registration_create(actor=user, event=event(requires_approval=False))
    assert (registration.status, registration.country, registration.organisation) == (RegistrationStatus.APPROVED, lithuania, None)


def test_registering_twice_is_refused_but_a_cancelled_registration_may_register_again() -> None:
    e = event()
    user = member()
    first = services.registration_create(actor=user, event=e)
    with pytest.raises(Conflict):
        services.registration_create(actor=user, event=e)
    services.registration_cancel(actor=user, registration=first)
    again = services.registration_create(actor=user, event=e)
    assert again.pk == first.pk
    assert again.status == RegistrationStatus.PENDING
    assert Registration.objects.filter(event=e, user=user).count() == 1


def test_a_declined_person_cannot_register_again() -> None:
    e = event()
    user = member()
    register(e, user, approve=False)
    with pytest.raises(Conflict):
        services.registration_create(actor=user, event=e)
    assert Registration.objects.get(event=e, user=user).status == RegistrationStatus.DECLINED


@pytest.mark.parametrize(
    ("opens", "closes", "allowed"),
    [
        pytest.param(-2, 2, True, id="inside"),
        pytest.param(1, 2, False, id="not-yet-open"),
        pytest.param(-2, -1, False, id="closed"),
        pytest.param(None, 1, True, id="no-opening"),
        pytest.param(-1, None, True, id="no-closing"),
    ],
)
def test_registration_only_within_its_window(opens: int | None, closes: int | None, *, allowed: bool) -> None:
    now = timezone.now()
    e = event(
        registration_opens=now + dt.timedelta(days=opens) if opens is not None else None,
        registration_closes=now + dt.timedelta(days=closes) if closes is not None else None,
    )
    user = member()
    if allowed:
        services.registration_create(actor=user, event=e)
        assert Registration.objects.filter(event=e, user=user).count() == 1
    else:
        audit_before = AuditEntry.objects.count()
        with pytest.raises(DomainError) as refused:
            services.registration_create(actor=user, event=e)
        assert refused.value.code in {"registration_not_open", "registration_closed"}
        assert Registration.objects.filter(event=e).count() == 0
        assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize(
    ("kwargs", "over"),
    [
        pytest.param({"days_ahead": -1}, True, id="timed-yesterday"),
        pytest.param({"all_day": True, "days_ahead": -1}, True, id="all-day-yesterday"),
        pytest.param({"all_day": True, "days_ahead": 0}, False, id="all-day-today"),
        pytest.param({"days_ahead": 1}, False, id="timed-tomorrow"),
    ],
)
def test_an_event_that_is_over_takes_no_registrations_even_without_a_closing_date(kwargs: dict[str, Any], *, over: bool) -> None:
    # given an event without a registration window, held yesterday, today or tomorrow
    e = event(**kwargs)
    user = member()
    audit_before = AuditEntry.objects.count()
    if not over:
        services.registration_create(actor=user, event=e)
        assert Registration.objects.filter(event=e, user=user).count() == 1
        return
    # when someone registers after it ended: refused, and nothing is written
    with pytest.raises(DomainError) as refused:
        services.registration_create(actor=user, event=e)
    assert refused.value.code == "event_over"
    assert Registration.objects.filter(event=e).count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_capacity_counts_places_held_and_frees_them_on_cancel_or_decline() -> None:
    # given an event with two places
    e = event(capacity=2)
    first, second, third = member(), member(), member()
    one = services.registration_create(actor=first, event=e)
    services.registration_create(actor=second, event=e)
    # then the third is refused, and nothing is written
    with pytest.raises(Conflict) as refused:
        services.registration_create(actor=third, event=e)
    assert refused.value.code == "full"
    assert Registration.objects.filter(event=e).count() == 2
    # when one cancels, the place is free again
    services.registration_cancel(actor=first, registration=one)
    services.registration_create(actor=third, event=e)
    assert Registration.objects.filter(event=e, status__in=["pending", "approved"]).count() == 2
    # and the one who cancelled cannot come back while the event is full
    with pytest.raises(Conflict):
        services.registration_create(actor=first, event=e)
    assert Registration.objects.get(pk=one.pk).status == RegistrationStatus.CANCELLED


def test_capacity_is_checked_under_the_event_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a full event (1 place), and a record of how its row is read by the service
    e = event(capacity=1)
    services.registration_create(actor=member(), event=e)
    locked_reads: list[bool] = []
    original = Event.objects.select_for_update

    def spy(*args: Any, **kwargs: Any) -> Any:
        locked_reads.append(True)
        return original(*args, **kwargs)

    monkeypatch.setattr(Event.objects, "select_for_update", spy)
    # when someone else tries for the last place, then the count happened under the row lock and they are refused
    with pytest.raises(Conflict):
        services.registration_create(actor=member(), event=e)
    assert locked_reads == [True]
    assert Registration.objects.filter(event=e).count() == 1


def test_sequential_race_for_the_last_place_lets_exactly_one_in() -> None:
    e = event(capacity=3)
    people = [member() for _ in range(6)]
    outcomes = []
    for person in people:
        try:
            services.registration_create(actor=person, event=e)
            outcomes.append("in")
        except Conflict:
            outcomes.append("full")
    assert outcomes == ["in", "in", "in", "full", "full", "full"]


@pytest.mark.parametrize("status", [pytest.param(EventStatus.CANCELLED, id="cancelled"), pytest.param(EventStatus.DRAFT, id="draft")])
def test_no_registration_for_cancelled_or_draft_events(status: str) -> None:
    e = event(status=status)
    with pytest.raises((DomainError, PermissionDenied)):
        services.registration_create(actor=member(), event=e)
    assert Registration.objects.filter(event=e).count() == 0


def test_a_person_without_membership_cannot_register() -> None:
    from tests.accounts.factories import UserFactory

    outsider = UserFactory()
    e = event()
    with pytest.raises(PermissionDenied):
        services.registration_create(actor=outsider, event=e)
    assert Registration.objects.filter(event=e).count() == 0


def test_an_invited_only_event_cannot_be_registered_for_uninvited() -> None:
    e = event(visibility=EventVisibility.INVITED)
    with pytest.raises(PermissionDenied):
        services.registration_create(actor=member(), event=e)
    assert Registration.objects.filter(event=e).count() == 0


def test_organisers_decide_and_the_participant_is_told_after_commit(django_capture_on_commit_callbacks: Any) -> None:
    e = event()
    user = member()
    registration = services.registration_create(actor=user, event=e)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_decide(actor=secretariat_user(), registration=registration, approve=True)
    assert registration.status == RegistrationStatus.APPROVED
    assert registration.decided_by == secretariat_user()
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "approved" in mail.outbox[0].subject
    with pytest.raises(Conflict):
        services.registration_decide(actor=secretariat_user(), registration=registration, approve=True)


def test_a_member_cannot_decide() -> None:
    e = event()
    user = member()
    registration = services.registration_create(actor=user, event=e)
    mail.outbox.clear()
    with pytest.raises(PermissionDenied):
        services.registration_decide(actor=user, registration=registration, approve=True)
    assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.PENDING
    assert mail.outbox == []


def test_approving_a_declined_registration_needs_a_free_place() -> None:
    e = event(capacity=1)
    first, second = member(), member()
    declined = register(e, first, approve=False)
    register(e, second, approve=True)
    with pytest.raises(Conflict):
        services.registration_decide(actor=secretariat_user(), registration=declined, approve=True)
    assert Registration.objects.get(pk=declined.pk).status == RegistrationStatus.DECLINED


def test_someone_else_cannot_cancel_my_registration() -> None:
    e = event()
    mine = services.registration_create(actor=member(), event=e)
    with pytest.raises(PermissionDenied):
        services.registration_cancel(actor=member(), registration=mine)
    assert Registration.objects.get(pk=mine.pk).status == RegistrationStatus.PENDING


def test_invite_registers_approved_at_once_and_lets_the_person_see_the_invited_event() -> None:
    from carnet.events.policies import EventAction, EventPolicy

    e = event(visibility=EventVisibility.INVITED)
    guest = member()
    assert not EventPolicy.can(guest, EventAction.VIEW, e)
    registration = services.registration_invite(actor=secretariat_user(), event=e, user=guest)
    assert registration.status == RegistrationStatus.APPROVED
    assert EventPolicy.can(guest, EventAction.VIEW, e)
    with pytest.raises(Conflict):
        services.registration_invite(actor=secretariat_user(), event=e, user=guest)


def test_invite_respects_capacity() -> None:
    e = event(capacity=1)
    register(e, member())
    with pytest.raises(Conflict):
        services.registration_invite(actor=secretariat_user(), event=e, user=member())
    assert Registration.objects.filter(event=e).count() == 1


# --- Attendance -------------------------------------------------------------------------------------------------


def test_attendance_is_recorded_for_approved_registrations_of_the_event() -> None:
    e = event()
    approved = register(e, member(), approve=True)
    pending = register(e, member())
    elsewhere = register(event(), member(), approve=True)
    actor = secretariat_user()
    assert services.attendance_record(actor=actor, event=e, attended={approved.pk: True}) == 1
    assert Registration.objects.get(pk=approved.pk).attended is True
    for refused in ({pending.pk: True}, {elsewhere.pk: True}, {approved.pk: False, elsewhere.pk: True}):
        with pytest.raises(ValidationError):
            services.attendance_record(actor=actor, event=e, attended=refused)
    assert Registration.objects.get(pk=approved.pk).attended is True
    assert Registration.objects.get(pk=pending.pk).attended is None
    assert Registration.objects.get(pk=elsewhere.pk).attended is None


# --- Documents --------------------------------------------------------------------------------------------------


def _resource(visibility: str = "public", slug: str = "agenda-doc", restricted_to: str = "") -> Any:
    from carnet.library import services as library

    return library.resource_create(actor=secretariat_user(), slug=slug, kind="report", visibility=visibility, restricted_to=restricted_to)


def test_documents_attach_once_and_detach() -> None:
    e = event()
    resource = _resource()
    document = services.document_attach(actor=secretariat_user(), event=e, resource=resource, kind="agenda")
    with pytest.raises(Conflict):
        services.document_attach(actor=secretariat_user(), event=e, resource=resource, kind="minutes")
    assert EventDocument.objects.filter(event=e).count() == 1
    services.document_detach(actor=secretariat_user(), document=document)
    assert EventDocument.objects.filter(event=e).count() == 0
    assert AuditEntry.objects.filter(action__in=["events.document.attach", "events.document.detach"]).count() == 2


def test_a_host_cannot_attach_a_resource_they_cannot_see() -> None:
    host = member(role=Role.NCP, country=Country.objects.get(code="SE"))
    e = event(author=host)
    hidden = _resource(visibility="restricted", slug="for-caseworkers", restricted_to=Role.CASEWORKER)
    with pytest.raises(ValidationError):
        services.document_attach(actor=host, event=e, resource=hidden, kind="agenda")
    assert EventDocument.objects.count() == 0


def test_an_upload_is_filed_in_the_library_as_the_event_is_visible() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from carnet.library.models import ResourceVersion

    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
        b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    e = event(visibility=EventVisibility.MEMBERS)
    document = services.document_upload(
        actor=secretariat_user(),
        event=e,
        kind="presentation",
        title="Slides",
        upload=SimpleUploadedFile("slides.png", png, content_type="image/png"),
        language="en",
    )
    assert document.resource.visibility == "members"
    assert document.resource.kind == "presentation"
    assert ResourceVersion.objects.get(resource=document.resource, language="en").status == "published"


def test_participants_export_is_audited_and_for_managers_only() -> None:
    e = event()
    user = member("exported-person")
    register(e, user, approve=True)
    rows = services.participants_export(actor=secretariat_user(), event=e)
    assert rows[1][1] == "exported-person"
    assert rows[1][5] == "Approved"
    assert AuditEntry.objects.filter(action="events.participants.export", object_id=str(e.pk)).count() == 1
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        services.participants_export(actor=user, event=e)
    assert AuditEntry.objects.count() == before


def test_a_series_is_created_once_by_someone_who_may_create_events() -> None:
    # given the secretariat and a network member
    secretariat, outsider = secretariat_user(), member()
    names = {"en": "Meeting of National Contact Points", "ru": "Встреча национальных контактных пунктов"}
    # a member may not create one, and nothing is written
    with pytest.raises(PermissionDenied):
        services.series_ensure(actor=outsider, slug="ncp-meetings", kind=EventKind.NCP_MEETING, names=names)
    assert not EventSeries.objects.filter(slug="ncp-meetings").exists()
    # a series without its English name is refused
    with pytest.raises(ValidationError):
        services.series_ensure(actor=secretariat, slug="ncp-meetings", kind=EventKind.NCP_MEETING, names={"ru": names["ru"]})
    # the secretariat creates it, named in both languages; asking again returns the same one
    first = services.series_ensure(actor=secretariat, slug="ncp-meetings", kind=EventKind.NCP_MEETING, names=names)
    again = services.series_ensure(actor=secretariat, slug="ncp-meetings", kind=EventKind.NCP_MEETING, names={"en": "Other"})
    assert again.pk == first.pk
    assert first.safe_translation_getter("name", language_code="ru") == names["ru"]
    assert AuditEntry.objects.filter(action="events.series.create").count() == 1


def test_announcing_a_cancelled_event_again_clears_its_reason() -> None:
    # given a cancelled meeting
    actor = secretariat_user()
    e = event()
    services.event_cancel(actor=actor, event=e, reason="No quorum")
    # when it is announced again
    services.event_update(actor=actor, event=Event.objects.get(pk=e.pk), status=EventStatus.CONFIRMED)
    # then it is confirmed, its reason gone, and subscribers see a newer sequence
    stored = Event.objects.get(pk=e.pk)
    assert (stored.status, stored.cancellation_reason, stored.sequence) == (EventStatus.CONFIRMED, "", 2)
