"""The calendar and event pages: every demo account on every object row, the journeys, query counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carnet.accounts.models import User
from carnet.audit.models import AuditEntry
from carnet.core.models import Country
from carnet.events import services
from carnet.events.models import Event, EventDocument, EventStatus, EventVisibility, Registration, RegistrationStatus
from tests.events.factories import event, member, register
from tests.fixtures import ROLES
from tests.matrix.base import ANON
from tests.matrix.events_pages import OBJECT_ROWS, OBJECT_STATES

pytestmark = pytest.mark.django_db

Clients = Callable[[str], Client]


def _prepare(state: str, demo_users: dict[str, User], role: str) -> dict[str, Any]:
    """A public meeting of the secretariat in ``state``; returns the placeholders of the row."""
    secretariat = demo_users["secretariat"]
    e = event(author=secretariat, status=EventStatus.DRAFT if state == "draft" else EventStatus.CONFIRMED)
    values: dict[str, Any] = {"event": e.slug, "registration": "0", "document": "0"}
    someone = member()
    if state == "registered":
        register(e, someone)  # someone else's, which nobody but they may cancel
        if role != ANON:
            register(e, demo_users[role])
    if state in ("pending", "approved"):
        registration = register(e, someone, approve=True if state == "approved" else None)
        values["registration"] = str(registration.pk)
    if state == "document":
        from carnet.library import services as library

        resource = library.resource_create(actor=secretariat, slug=f"doc-{e.slug}", kind="report", visibility="public")
        values["document"] = str(services.document_attach(actor=secretariat, event=e, resource=resource, kind="agenda").pk)
    return values


def _snapshot(slug: str) -> dict[str, Any]:
    e = Event.objects.get(slug=slug)
    return {
        "event": (e.status, e.sequence, e.capacity),
        "registrations": sorted(Registration.objects.filter(event=e).values_list("user_id", "status", "attended")),
        "documents": EventDocument.objects.filter(event=e).count(),
    }


@pytest.mark.parametrize("name", sorted(OBJECT_ROWS))
def test_each_account_on_the_event_pages(name: str, client_as: Clients, demo_users: dict[str, User]) -> None:
    row = OBJECT_ROWS[name]
    state = OBJECT_STATES.get(name, "confirmed")
    actual: dict[str, int] = {}
    for role in ROLES:
        # given a meeting in the state the row needs
        values = _prepare(state, demo_users, role)
        client = client_as(role)  # signing in is audited: before the count
        path = row.path.format(**values)
        body = {key: str(value).format(**values) for key, value in (row.body or {}).items()}
        before = _snapshot(values["event"])
        audit_before = AuditEntry.objects.count()
        mail.outbox.clear()
        # when the account asks for it
        response = client.post(path, data=body) if row.method == "POST" else client.get(path)
        actual[role] = response.status_code
        # then a denial changed nothing, recorded nothing and sent nothing
        if role == ANON or response.status_code in (403, 404):
            assert _snapshot(values["event"]) == before, (name, role)
            assert AuditEntry.objects.count() == audit_before, (name, role)
            assert mail.outbox == [], (name, role)
    assert actual == row.expect


def test_register_and_unregister_act_on_ones_own_registration_only(client_as: Clients, demo_users: dict[str, User]) -> None:
    # given a meeting where member-fi and someone else are registered
    e = event(author=demo_users["secretariat"])
    other = register(e, member())
    # when member-fi cancels through the page
    response = client_as("member-fi").post(f"/en/events/{e.slug}/unregister/")
    # then nothing changed for the other person, and member-fi had nothing to cancel
    assert response.status_code == 302
    assert Registration.objects.get(pk=other.pk).status == RegistrationStatus.PENDING
    # when member-fi registers and then cancels
    client_as("member-fi").post(f"/en/events/{e.slug}/register/", data={"note": "Coming by train"})
    mine = Registration.objects.get(event=e, user=demo_users["member-fi"])
    assert (mine.status, mine.note) == (RegistrationStatus.PENDING, "Coming by train")
    client_as("member-fi").post(f"/en/events/{e.slug}/unregister/")
    assert Registration.objects.get(pk=mine.pk).status == RegistrationStatus.CANCELLED
    assert Registration.objects.get(pk=other.pk).status == RegistrationStatus.PENDING


def test_a_host_manages_their_own_event_and_not_another_hosts(client_as: Clients, demo_users: dict[str, User]) -> None:
    own = event(author=demo_users["ncp-se"])
    assert client_as("ncp-se").get(f"/en/events/{own.slug}/edit/").status_code == 200
    assert client_as("ncp-se").get(f"/en/events/{own.slug}/participants/").status_code == 200
    assert client_as("ncp-lt").get(f"/en/events/{own.slug}/edit/").status_code == 403
    assert client_as("secretariat").get(f"/en/events/{own.slug}/edit/").status_code == 200


@pytest.mark.parametrize(
    ("visibility", "status", "seen_by"),
    [
        pytest.param(EventVisibility.MEMBERS, EventStatus.CONFIRMED, set(ROLES) - {ANON}, id="members"),
        pytest.param(EventVisibility.INVITED, EventStatus.CONFIRMED, {"secretariat", "member-fi"}, id="invited"),
        pytest.param(EventVisibility.PUBLIC, EventStatus.DRAFT, {"secretariat"}, id="draft"),
    ],
)
def test_an_event_one_may_not_see_answers_404_and_is_in_no_list(
    visibility: str, status: str, seen_by: set[str], client_as: Clients, demo_users: dict[str, User]
) -> None:
    e = event(author=demo_users["secretariat"], visibility=visibility, status=status, title="The secret meeting")
    if visibility == EventVisibility.INVITED:
        services.registration_invite(actor=demo_users["secretariat"], event=e, user=demo_users["member-fi"])
    month = f"/en/events/{e.start_date.year}/{e.start_date.month}/"
    for role in ROLES:
        client = client_as(role)
        detail = client.get(f"/en/events/{e.slug}/")
        listing = client.get("/en/events/").content.decode()
        grid = client.get(month).content.decode()
        if role in seen_by:
            assert detail.status_code == 200, role
            assert "The secret meeting" in listing, role
            assert "The secret meeting" in grid, role
        else:
            assert detail.status_code == 404, role
            assert "The secret meeting" not in listing, role
            assert "The secret meeting" not in grid, role
            assert "1 event" not in listing, role  # the count does not include it either


# --- Journeys ------------------------------------------------------------------------------------------------------


def _form(**changes: Any) -> dict[str, Any]:
    day = timezone.localdate() + dt.timedelta(days=40)
    data = {
        "kind": "expert_meeting",
        "slug": "bilingual-meeting",
        "status": "confirmed",
        "visibility": "public",
        "title_en": "Expert meeting on unaccompanied children",
        "description_en": "Areas of concern and gaps.",
        "venue_en": "Town hall",
        "city_en": "Tallinn",
        "title_ru": "Совещание экспертов о несопровождаемых детях",
        "city_ru": "Таллин",
        "country": "EE",
        "timezone": "Europe/Tallinn",
        "start": f"{day.isoformat()}T10:00",
        "end": f"{day.isoformat()}T17:00",
        "working_languages": ["en", "ru"],
        "requires_approval": "on",
        "capacity": "20",
    }
    return data | changes


def test_the_secretariat_creates_a_bilingual_meeting_shown_in_its_own_time_zone(client_as: Clients) -> None:
    client = client_as("secretariat")
    response = client.post("/en/events/new/", data=_form())
    assert response.status_code == 302
    e = Event.objects.get(slug="bilingual-meeting")
    assert response["Location"] == f"/en/events/{e.slug}/"
    assert (e.country.code, e.timezone, e.capacity, e.working_languages) == ("EE", "Europe/Tallinn", 20, ["en", "ru"])
    assert e.start.astimezone(dt.timezone(dt.timedelta(hours=2 if e.start.month in (1, 2, 3, 11, 12) else 3))).hour == 10
    english = client.get(f"/en/events/{e.slug}/").content.decode()
    assert "Expert meeting on unaccompanied children" in english
    assert "10:00" in english
    assert "Europe/Tallinn" in english
    assert f"/en/events/{e.slug}.ics" in english
    russian = client.get(f"/ru/events/{e.slug}/").content.decode()
    assert "Совещание экспертов о несопровождаемых детях" in russian
    assert "Таллин" in russian


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"timezone": "Europe/Atlantis"}, "Europe/Atlantis", id="zone-that-does-not-exist"),
        pytest.param({"end": "2030-01-01T09:00", "start": "2030-01-01T10:00"}, "end must come after the start", id="end-before-start"),
        pytest.param(
            {"registration_opens": "2030-01-02T10:00", "registration_closes": "2030-01-01T10:00"},
            "Registration cannot close before it opens",
            id="window",
        ),
        pytest.param({"capacity": "0"}, "at least 1", id="capacity"),
        pytest.param({"title_en": "", "title_ru": ""}, "Give the title in this language too", id="no-title"),
    ],
)
def test_bad_input_on_the_form_gives_a_message_and_creates_nothing(changes: dict[str, str], message: str, client_as: Clients) -> None:
    response = client_as("secretariat").post("/en/events/new/", data=_form(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Event.objects.count() == 0


def test_editing_only_the_description_keeps_the_sequence_and_moving_it_raises_it(client_as: Clients, demo_users: dict[str, User]) -> None:
    client = client_as("secretariat")
    client.post("/en/events/new/", data=_form())
    e = Event.objects.get(slug="bilingual-meeting")
    client.post(f"/en/events/{e.slug}/edit/", data=_form(description_en="A better description."))
    e.refresh_from_db()
    assert e.sequence == 0
    assert e.safe_translation_getter("description", language_code="en") == "A better description."
    client.post(f"/en/events/{e.slug}/edit/", data=_form(city_en="Tartu"))
    e.refresh_from_db()
    assert e.sequence == 1


def test_a_cancelled_event_says_so_prominently(client_as: Clients, demo_users: dict[str, User]) -> None:
    e = event(author=demo_users["secretariat"], title="Roundtable")
    response = client_as("secretariat").post(f"/en/events/{e.slug}/cancel/", data={"reason": "No quorum"})
    assert response.status_code == 302
    page = client_as("anonymous").get(f"/en/events/{e.slug}/").content.decode()
    assert 'class="cancelled-banner"' in page
    assert "This event will not take place." in page
    assert "Reason: No quorum" in page
    listing = client_as("anonymous").get("/en/events/").content.decode()
    assert "Roundtable" in listing
    assert "event-cancelled" in listing


def test_member_registers_the_secretariat_approves_and_records_attendance(client_as: Clients, demo_users: dict[str, User]) -> None:
    e = event(author=demo_users["secretariat"], capacity=10)
    # member-fi registers through the page
    response = client_as("member-fi").post(f"/en/events/{e.slug}/register/", data={})
    assert response.status_code == 302
    registration = Registration.objects.get(event=e, user=demo_users["member-fi"])
    assert registration.country == Country.objects.get(code="FI")
    page = client_as("member-fi").get(f"/en/events/{e.slug}/").content.decode()
    assert "Awaiting approval" in page
    # the secretariat sees the participant list with counts, and approves
    participants = client_as("secretariat").get(f"/en/events/{e.slug}/participants/").content.decode()
    assert "member-fi" in participants or "Mikko" in participants
    assert "Finland" in participants
    client_as("secretariat").post(f"/en/events/{e.slug}/participants/{registration.pk}/decide/", data={"decision": "approve"})
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.APPROVED
    client_as("secretariat").post(f"/en/events/{e.slug}/attendance/", data={"attended": [str(registration.pk)]})
    registration.refresh_from_db()
    assert registration.attended is True
    mine = client_as("member-fi").get("/en/events/my/").content.decode()
    assert e.safe_translation_getter("title", any_language=True) in mine


def test_the_participant_csv_is_audited(client_as: Clients, demo_users: dict[str, User]) -> None:
    e = event(author=demo_users["secretariat"])
    register(e, demo_users["member-fi"], approve=True)
    response = client_as("secretariat").get(f"/en/events/{e.slug}/participants.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content.decode("utf-8-sig")
    assert body.splitlines()[0].startswith("Name,Username,E-mail")
    assert "member-fi" in body
    assert AuditEntry.objects.filter(action="events.participants.export", object_id=str(e.pk), actor_username="secretariat").count() == 1


def test_list_filters_and_past(client_as: Clients, demo_users: dict[str, User]) -> None:
    lithuania = Country.objects.get(code="LT")
    event(author=demo_users["secretariat"], title="Conference in Vilnius", kind="conference", country=lithuania)
    event(author=demo_users["secretariat"], title="Training in Riga", kind="training")
    event(
        author=demo_users["secretariat"],
        title="Meeting long ago",
        start=dt.datetime(2006, 5, 10, 10),  # noqa: DTZ001  (local time of the event's zone)
        end=dt.datetime(2006, 5, 11, 16),  # noqa: DTZ001
    )
    client = client_as("anonymous")
    upcoming = client.get("/en/events/").content.decode()
    assert "Conference in Vilnius" in upcoming
    assert "Meeting long ago" not in upcoming
    by_kind = client.get("/en/events/?kind=conference").content.decode()
    assert "Conference in Vilnius" in by_kind
    assert "Training in Riga" not in by_kind
    by_country = client.get("/en/events/?country=LT").content.decode()
    assert "Conference in Vilnius" in by_country
    assert "Training in Riga" not in by_country
    past = client.get("/en/events/?when=past").content.decode()
    assert "Meeting long ago" in past
    assert "Conference in Vilnius" not in past
    month = client.get("/en/events/2006/5/").content.decode()
    assert "Meeting long ago" in month
    assert 'href="/en/events/2006/4/"' in month
    assert 'href="/en/events/2006/6/"' in month


def test_a_month_out_of_range_is_404(client_as: Clients) -> None:
    assert client_as("anonymous").get("/en/events/2030/13/").status_code == 404


def test_the_list_page_costs_the_same_queries_for_three_or_twelve_events(
    client_as: Clients, demo_users: dict[str, User], django_assert_num_queries: Any
) -> None:
    from carnet.directory.services import organisation_ensure

    organisation = organisation_ensure(actor=None, slug="host-org", kind="ngo", names={"en": "Host"})
    client = client_as("member-fi")

    def make(count: int) -> None:
        for _ in range(count):
            event(author=demo_users["secretariat"], organisers=[(organisation, "organiser")], country=Country.objects.get(code="SE"))

    make(3)
    client.get("/en/events/")  # warm the session and the grants
    with CaptureQueriesContext(connection) as few:
        assert "3 events" in client.get("/en/events/").content.decode()
    make(9)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/en/events/")
    assert "12 events" in response.content.decode()
