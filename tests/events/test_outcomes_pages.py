"""The outcome pages: recording outcomes, making actions, closing a meeting, the list across meetings, the PDF report."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from pypdf import PdfReader

from carnet.accounts.models import User
from carnet.actionplan.models import Action
from carnet.core.models import Country, Priority
from carnet.events import services as event_services
from carnet.events.models import Event, EventVisibility, Outcome, OutcomeKind
from carnet.events.services_outcomes import event_close, outcome_add, outcome_make_action
from tests.events import factories
from tests.events.test_outcomes_services import stored
from tests.fixtures import ROLES
from tests.matrix.events_outcomes import OBJECT_ROWS

pytestmark = pytest.mark.django_db

Users = dict[str, User]
ClientAs = Callable[[str], Client]


@pytest.fixture(autouse=True)
def _no_cached_translations() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def meeting(demo_users: Users) -> Event:
    """A public expert meeting that ended, with an area for action (Russian and English) and a commitment."""
    event = factories.event(author=demo_users["secretariat"], slug="reykjavik-2006", title="Reykjavik expert meeting", days_ahead=-10)
    outcome_add(
        actor=demo_users["secretariat"],
        event=event,
        kind=OutcomeKind.ACTION_AREA,
        texts={"en": "Child-friendly forensic interviews in every country", "ru": "Щадящие допросы детей в каждой стране"},
        priority=Priority.objects.get(number=3),
        countries=Country.objects.filter(code="IS"),
    )
    outcome_add(
        actor=demo_users["secretariat"],
        event=event,
        kind=OutcomeKind.COMMITMENT,
        texts={"en": "Iceland will share the Barnahus model <b>openly</b>"},
        committed_country=Country.objects.get(code="IS"),
    )
    return event


def area_of(event: Event) -> Outcome:
    return Outcome.objects.get(event=event, kind=OutcomeKind.ACTION_AREA)


# --- the meeting page's partial ---------------------------------------------------------------------------------------


def test_the_meeting_page_shows_the_outcomes_and_what_became_of_them(client_as: ClientAs, demo_users: Users, meeting: Event) -> None:
    action = outcome_make_action(actor=demo_users["secretariat"], outcome=area_of(meeting))
    html = client_as("anonymous").get(f"/ru/events/{meeting.slug}/").content.decode()
    assert "Щадящие допросы детей в каждой стране" in html
    assert f'href="/ru/plan/{action.code}/"' in html
    # the commitment is only in English: shown, marked as English, its HTML escaped
    assert '<p class="outcome-text" lang="en">Iceland will share the Barnahus model &lt;b&gt;openly&lt;/b&gt;' in html
    assert "Record outcomes" not in client_as("member-fi").get(f"/en/events/{meeting.slug}/").content.decode()
    assert f'href="/en/events/{meeting.slug}/outcomes/"' in client_as("secretariat").get(f"/en/events/{meeting.slug}/").content.decode()


# --- recording outcomes -------------------------------------------------------------------------------------------------


def test_the_secretariat_adds_an_item_in_two_languages(client_as: ClientAs, meeting: Event) -> None:
    client = client_as("secretariat")
    response = client.post(
        f"/en/events/{meeting.slug}/outcomes/",
        {
            "do": "add",
            "new-kind": "gap",
            "new-text_en": "No statistics on <i>returns</i>",
            "new-text_ru": "Нет статистики",
            "new-countries": [Country.objects.get(code="LT").pk],
        },
    )
    assert response.status_code == 302
    added = Outcome.objects.get(event=meeting, kind="gap")
    assert {t.language_code: t.text for t in added.translations.all()} == {"en": "No statistics on <i>returns</i>", "ru": "Нет статистики"}
    assert list(added.countries.values_list("code", flat=True)) == ["LT"]
    page = client.get(f"/en/events/{meeting.slug}/outcomes/").content.decode()
    assert "No statistics on &lt;i&gt;returns&lt;/i&gt;" in page


def test_an_item_without_english_is_kept_with_a_warning(client_as: ClientAs, meeting: Event) -> None:
    client = client_as("secretariat")
    response = client.post(
        f"/en/events/{meeting.slug}/outcomes/", {"do": "add", "new-kind": "concern", "new-text_ru": "Только по-русски"}, follow=True
    )
    assert response.status_code == 200
    assert "This item has no English text yet" in response.content.decode()
    assert Outcome.objects.filter(event=meeting, kind="concern").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"new-kind": "gap"}, "Write the item in at least one language."),
        ({"new-kind": "commitment", "new-text_en": "We will"}, "Say who made the commitment: an organisation, a state, or both."),
        ({"new-kind": "wish", "new-text_en": "A wish"}, "Select a valid choice."),
    ],
    ids=["no-text", "commitment-without-maker", "bad-kind"],
)
def test_a_bad_item_is_refused_on_the_page_and_nothing_is_stored(
    client_as: ClientAs, meeting: Event, data: dict[str, str], message: str
) -> None:
    before = stored()
    response = client_as("secretariat").post(f"/en/events/{meeting.slug}/outcomes/", {"do": "add", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert stored() == before


def test_editing_an_item_changes_one_language_and_removes_another(client_as: ClientAs, meeting: Event) -> None:
    item = area_of(meeting)
    client = client_as("secretariat")
    form = client.get(f"/en/events/{meeting.slug}/outcomes/?edit={item.pk}").content.decode()
    assert "Щадящие допросы детей в каждой стране</textarea>" in form
    response = client.post(
        f"/en/events/{meeting.slug}/outcomes/",
        {
            "do": "update",
            "item": item.pk,
            f"item{item.pk}-kind": "action_area",
            f"item{item.pk}-text_en": "Forensic interviews",
            f"item{item.pk}-text_ru": "",
        },
    )
    assert response.status_code == 302
    assert {t.language_code: t.text for t in item.translations.all()} == {"en": "Forensic interviews"}


def test_items_are_moved_and_deleted(client_as: ClientAs, meeting: Event) -> None:
    client = client_as("secretariat")
    commitment = Outcome.objects.get(event=meeting, kind="commitment")
    assert client.post(f"/en/events/{meeting.slug}/outcomes/", {"do": "up", "item": commitment.pk}).status_code == 302
    assert list(Outcome.objects.filter(event=meeting).order_by("position").values_list("kind", flat=True)) == ["commitment", "action_area"]
    assert client.post(f"/en/events/{meeting.slug}/outcomes/", {"do": "delete", "item": commitment.pk}).status_code == 302
    assert list(Outcome.objects.filter(event=meeting).values_list("kind", flat=True)) == ["action_area"]


def test_an_item_of_another_meeting_is_not_found(client_as: ClientAs, demo_users: Users, meeting: Event) -> None:
    other = factories.event(author=demo_users["secretariat"], days_ahead=-3)
    before = stored()
    response = client_as("secretariat").post(f"/en/events/{other.slug}/outcomes/", {"do": "delete", "item": area_of(meeting).pk})
    assert response.status_code == 404
    assert stored() == before


def test_making_an_action_from_the_page_and_a_second_time_is_a_conflict(client_as: ClientAs, meeting: Event) -> None:
    client = client_as("secretariat")
    item = area_of(meeting)
    response = client.post(
        f"/en/events/{meeting.slug}/outcomes/", {"do": "make_action", "item": item.pk, "code": "PoA-2006-001", "title": ""}
    )
    assert response.status_code == 302
    assert Outcome.objects.get(pk=item.pk).action == Action.objects.get(code="PoA-2006-001")
    before = stored()
    response = client.post(f"/en/events/{meeting.slug}/outcomes/", {"do": "make_action", "item": item.pk, "code": "", "title": ""})
    assert response.status_code == 409
    assert "This item is already linked to the action PoA-2006-001." in response.content.decode()
    assert stored() == before


def test_linking_to_an_existing_action_by_code(client_as: ClientAs, demo_users: Users, meeting: Event) -> None:
    from carnet.actionplan.services import action_create

    existing = action_create(actor=demo_users["secretariat"], code="PoA-2005-004", titles={"en": "Forensic interviews"})
    client = client_as("secretariat")
    before = stored()
    response = client.post(
        f"/en/events/{meeting.slug}/outcomes/", {"do": "link_action", "item": area_of(meeting).pk, "code": "PoA-1900-001"}
    )
    assert response.status_code == 400
    assert "There is no action with this code." in response.content.decode()
    assert stored() == before
    response = client.post(
        f"/en/events/{meeting.slug}/outcomes/", {"do": "link_action", "item": area_of(meeting).pk, "code": "PoA-2005-004"}
    )
    assert response.status_code == 302
    assert area_of(meeting).action == existing


def test_a_commitment_cannot_become_an_action_from_the_page(client_as: ClientAs, meeting: Event) -> None:
    commitment = Outcome.objects.get(event=meeting, kind="commitment")
    before = stored()
    response = client_as("secretariat").post(f"/en/events/{meeting.slug}/outcomes/", {"do": "make_action", "item": commitment.pk})
    assert response.status_code == 400
    assert "Only an area for action can become an action of the Plan of Action." in response.content.decode()
    assert stored() == before


def test_a_host_records_outcomes_but_makes_no_action(client_as: ClientAs, demo_users: Users) -> None:
    hosted = factories.event(author=demo_users["ncp-lt"], slug="vilnius-hosted", days_ahead=-2)
    item = outcome_add(actor=demo_users["ncp-lt"], event=hosted, kind="action_area", texts={"en": "Do this"})
    client = client_as("ncp-lt")
    page = client.get(f"/en/events/{hosted.slug}/outcomes/").content.decode()
    assert "Make the action" not in page
    before = stored()
    assert client.post(f"/en/events/{hosted.slug}/outcomes/", {"do": "make_action", "item": item.pk}).status_code == 403
    assert stored() == before


# --- every account, on a meeting's own pages --------------------------------------------------------------------------


def _status(client: Client, method: str, path: str, body: dict[str, Any] | None) -> int:
    return int(getattr(client, method.lower())(path, data=body or {}).status_code)


@pytest.mark.parametrize("name", sorted(OBJECT_ROWS))
def test_each_account_on_the_meeting_pages(client_as: ClientAs, demo_users: Users, meeting: Event, name: str) -> None:
    # given the public meeting above and an invited-only one nobody but the secretariat knows
    row = OBJECT_ROWS[name]
    hidden = factories.event(author=demo_users["secretariat"], visibility=EventVisibility.INVITED, days_ahead=-4)
    for role in ROLES:
        client = client_as(role)
        before = stored()
        # when each account asks for the public meeting's page, then the status is the row's
        body = dict(row.body or {})
        if "item" in body:
            body["item"] = area_of(meeting).pk
        status = _status(client, row.method, row.path.format(event=meeting.slug), body)
        assert status == row.expect[role], role
        if row.method == "POST" and status != 302:
            assert stored() == before, role  # a refusal changed nothing
        # and the invited-only meeting does not exist for anybody who may not see it (a refusal before any lookup stays one)
        if role == "secretariat" and row.method == "POST":
            continue
        hidden_status = _status(client, row.method, row.path.format(event=hidden.slug), None if row.method == "GET" else {"do": "noop"})
        # (hosts pass the page's own check, which allows managing some meeting, and then find no such meeting)
        hosts = ("ncp-se", "ncp-lt", "coordinator-lt")
        expected = 200 if role == "secretariat" else 404 if role in hosts else row.expect[role] if row.expect[role] in (302, 403) else 404
        assert hidden_status == expected, role


# --- closing ----------------------------------------------------------------------------------------------------------


def test_the_close_form_is_filled_in_from_attendance_and_closes(client_as: ClientAs, demo_users: Users, meeting: Event) -> None:
    secretariat = demo_users["secretariat"]
    registrations = [event_services.registration_invite(actor=secretariat, event=meeting, user=demo_users[u]) for u in ("ncp-se", "ncp-lt")]
    event_services.attendance_record(actor=secretariat, event=meeting, attended={registrations[0].pk: True, registrations[1].pk: False})
    client = client_as("secretariat")
    page = client.get(f"/en/events/{meeting.slug}/close/").content.decode()
    sweden = Country.objects.get(code="SE")
    assert 'name="attendance_count" value="1"' in page
    assert f'value="{sweden.pk}" id="id_countries_' in page
    assert "checked" in page
    response = client.post(
        f"/en/events/{meeting.slug}/close/", {"attendance_count": "27", "countries": [sweden.pk, Country.objects.get(code="IS").pk]}
    )
    assert response.status_code == 302
    closed = Event.objects.get(pk=meeting.pk)
    assert closed.attendance_count == 27
    assert sorted(closed.participating_countries.values_list("code", flat=True)) == ["IS", "SE"]
    before = stored()
    again = client.post(f"/en/events/{meeting.slug}/close/", {"attendance_count": "3"})
    assert again.status_code == 409
    assert stored() == before


def test_a_future_meeting_cannot_be_closed_from_the_page(client_as: ClientAs, demo_users: Users) -> None:
    future = factories.event(author=demo_users["secretariat"], days_ahead=7)
    before = stored()
    response = client_as("secretariat").post(f"/en/events/{future.slug}/close/", {"attendance_count": "3"})
    assert response.status_code == 400
    assert "A meeting can be closed only after it has ended." in response.content.decode()
    assert stored() == before


def test_a_negative_attendance_is_refused_on_the_page(client_as: ClientAs, meeting: Event) -> None:
    before = stored()
    response = client_as("secretariat").post(f"/en/events/{meeting.slug}/close/", {"attendance_count": "-4"})
    assert response.status_code == 400
    assert stored() == before


# --- across meetings ----------------------------------------------------------------------------------------------------


def test_the_outcomes_of_all_meetings_hide_meetings_the_reader_may_not_see(client_as: ClientAs, demo_users: Users, meeting: Event) -> None:
    members_only = factories.event(
        author=demo_users["secretariat"], visibility=EventVisibility.MEMBERS, days_ahead=-20, title="Members meeting"
    )
    outcome_add(actor=demo_users["secretariat"], event=members_only, kind="gap", texts={"en": "A members-only gap"})
    anonymous = client_as("anonymous").get("/en/events/outcomes/").content.decode()
    assert "Child-friendly forensic interviews in every country" in anonymous
    assert "A members-only gap" not in anonymous
    assert "Members meeting" not in anonymous
    assert "2 outcomes" in anonymous
    member = client_as("member-fi").get("/en/events/outcomes/").content.decode()
    assert "A members-only gap" in member
    assert "3 outcomes" in member


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=commitment", ["Iceland will share"]),
        ("priority=3", ["Child-friendly forensic"]),
        ("country=IS", ["Child-friendly forensic", "Iceland will share"]),
        ("country=LT", []),
    ],
)
def test_the_outcomes_filter_by_kind_priority_and_country(client_as: ClientAs, meeting: Event, query: str, expected: list[str]) -> None:
    html = client_as("anonymous").get(f"/en/events/outcomes/?{query}").content.decode()
    for text in ["Child-friendly forensic", "Iceland will share"]:
        assert (text in html) == (text in expected), text


def test_the_list_says_what_became_of_each_area_for_action(client_as: ClientAs, demo_users: Users, meeting: Event) -> None:
    html = client_as("anonymous").get("/en/events/outcomes/").content.decode()
    assert "Not yet in the Plan of Action" in html
    action = outcome_make_action(actor=demo_users["secretariat"], outcome=area_of(meeting))
    html = client_as("anonymous").get("/en/events/outcomes/").content.decode()
    assert f'<a href="/en/plan/{action.code}/">{action.code}</a> <span class="badge action-status action-proposed">Proposed</span>' in html


# --- the printable report ---------------------------------------------------------------------------------------------


def test_the_outcomes_report_is_a_pdf_with_the_items(client_as: ClientAs, demo_users: Users, meeting: Event) -> None:
    event_close(
        actor=demo_users["secretariat"], event=meeting, attendance_count=31, countries=Country.objects.filter(code__in=["IS", "NO"])
    )
    action = outcome_make_action(actor=demo_users["secretariat"], outcome=area_of(meeting))
    response = client_as("anonymous").get(f"/en/events/{meeting.slug}/outcomes.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert "Outcomes of Reykjavik expert meeting" in text
    assert "Child-friendly forensic interviews in every country" in text
    assert "Iceland will share the Barnahus model <b>openly</b>" in text
    assert "31 participants" in text
    assert f"Plan of Action: {action.code}" in text
    assert "(Proposed)" in text
    assert "Area for action" in text
    assert "Commitment" in text


def test_the_report_of_a_hidden_meeting_is_not_found(client_as: ClientAs, demo_users: Users) -> None:
    hidden = factories.event(author=demo_users["secretariat"], visibility=EventVisibility.MEMBERS, days_ahead=-4)
    assert client_as("anonymous").get(f"/en/events/{hidden.slug}/outcomes.pdf").status_code == 404
    assert client_as("member-fi").get(f"/en/events/{hidden.slug}/outcomes.pdf?format=html").status_code == 200


def test_the_outcomes_list_makes_the_same_number_of_queries_for_more_items(client_as: ClientAs, demo_users: Users, meeting: Event) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as("anonymous")
    outcome_make_action(actor=demo_users["secretariat"], outcome=area_of(meeting))  # every kind of row is there from the start

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/en/events/outcomes/").status_code == 200
        return len(captured.captured_queries)

    few = queries()
    other = factories.event(author=demo_users["secretariat"], days_ahead=-50)
    for number in range(4):
        item = outcome_add(
            actor=demo_users["secretariat"],
            event=other,
            kind="action_area",
            texts={"en": f"Item {number}"},
            priority=Priority.objects.get(number=1),
            countries=Country.objects.filter(code__in=["LT", "LV"]),
        )
        outcome_make_action(actor=demo_users["secretariat"], outcome=item)
    assert queries() == few
