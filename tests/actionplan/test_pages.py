"""The Plan of Action's pages: the list with its chart and filters, one action, a new action, a status update."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from carnet.accounts.models import User
from carnet.actionplan.models import Action
from carnet.actionplan.services import action_create, action_update_status
from carnet.core.models import Country, Priority
from carnet.directory.models import Organisation
from carnet.events.models import EventVisibility
from carnet.events.services_outcomes import outcome_add, outcome_link_action
from tests.actionplan.test_services import state
from tests.events import factories
from tests.fixtures import ROLES
from tests.matrix.actionplan import OBJECT_API, OBJECT_PAGES

pytestmark = pytest.mark.django_db

Users = dict[str, User]
ClientAs = Callable[[str], Client]


@pytest.fixture(autouse=True)
def _no_cached_translations() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def swedish(demo_users: Users) -> Action:
    """An action Sweden is accountable for, proposed, from a public meeting's area for action."""
    action = action_create(
        actor=demo_users["secretariat"],
        code="PoA-2007-001",
        titles={"en": "Support for children abused online", "ru": "Поддержка детей, пострадавших в интернете"},
        descriptions={"en": "Therapy and legal help."},
        priority=Priority.objects.get(number=4),
        responsible=Organisation.objects.filter(slug="demo-ncp-se"),
        countries=Country.objects.filter(code="SE"),
    )
    meeting = factories.event(author=demo_users["secretariat"], slug="satra-bruk-2006", title="Sätra Bruk expert meeting", days_ahead=-40)
    item = outcome_add(
        actor=demo_users["secretariat"], event=meeting, kind="action_area", texts={"en": "Help children abused in Internet settings"}
    )
    outcome_link_action(actor=demo_users["secretariat"], outcome=item, action=action)
    return action


def request(client: Client, method: str, path: str, body: dict[str, Any] | None) -> int:
    if path.startswith("/api/") and body is not None:
        return int(getattr(client, method.lower())(path, data=json.dumps(body), content_type="application/json").status_code)
    return int(getattr(client, method.lower())(path, data=body or {}).status_code)


@pytest.mark.parametrize("name", sorted(OBJECT_PAGES) + sorted(OBJECT_API))
def test_each_account_on_an_action(client_as: ClientAs, swedish: Action, name: str) -> None:
    row = OBJECT_PAGES.get(name) or OBJECT_API[name]
    for role in ROLES:
        # given the action in its first state
        Action.objects.filter(pk=swedish.pk).update(status="proposed")
        client = client_as(role)
        before = state()
        # when each account asks, then the answer is the row's; a refusal changed nothing
        status = request(client, row.method, row.path.format(action=swedish.code), row.body)
        assert status == row.expect[role], role
        if row.method == "POST" and status not in (201, 302):
            assert state() == before, role
        # and a code that does not exist is not found by anybody the page's own check lets through
        missing = request(client, row.method, row.path.format(action="PoA-1900-999"), row.body)
        if row.expect[role] in (200, 201, 302, 403) and not (role == "anonymous" and row.method == "POST"):
            assert missing == 404, role


def test_the_list_shows_the_actions_and_a_chart_by_status(client_as: ClientAs, demo_users: Users, swedish: Action) -> None:
    action_create(actor=demo_users["secretariat"], code="PoA-2008-001", titles={"en": "Monitoring training"}, status="done")
    html = client_as("anonymous").get("/en/plan/").content.decode()
    assert '<a href="/en/plan/PoA-2007-001/">PoA-2007-001</a>' in html
    assert "Support for children abused online" in html
    assert "Monitoring training" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="status-chart"' in html
    assert "<title>Actions by status</title>" in html
    assert 'class="bar-count" x="' in html
    assert "2 actions" in html
    assert "National contact point of Sweden (demo)" in html
    assert "New action" not in html
    assert "New action" in client_as("secretariat").get("/en/plan/").content.decode()


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("status=done", ["PoA-2008-001"]),
        ("country=SE", ["PoA-2007-001"]),
        ("priority=4", ["PoA-2007-001"]),
        ("accountable=demo-ncp-se", ["PoA-2007-001"]),
    ],
)
def test_the_list_filters(client_as: ClientAs, demo_users: Users, swedish: Action, query: str, codes: list[str]) -> None:
    action_create(actor=demo_users["secretariat"], code="PoA-2008-001", titles={"en": "Monitoring training"}, status="done")
    html = client_as("anonymous").get(f"/en/plan/?{query}").content.decode()
    for code in ("PoA-2007-001", "PoA-2008-001"):
        assert (f">{code}</a>" in html) == (code in codes), code


def test_the_action_page_in_russian_shows_history_and_origin(client_as: ClientAs, demo_users: Users, swedish: Action) -> None:
    action_update_status(
        actor=demo_users["ncp-se"],
        action=swedish,
        status="in_progress",
        note="Therapy groups started.",
        evidence_url="https://example.org/report",
    )
    html = client_as("anonymous").get("/ru/plan/PoA-2007-001/").content.decode()
    assert "Поддержка детей, пострадавших в интернете" in html
    assert (
        '<div class="description" lang="en"><p>Therapy and legal help.</p>' in html
    )  # no Russian description yet: the English one, marked
    assert "Therapy groups started." in html
    assert 'href="https://example.org/report"' in html
    assert 'href="/ru/events/satra-bruk-2006/"' in html
    assert "Help children abused in Internet settings" in html
    assert "Report progress" not in html


def test_the_origin_of_a_hidden_meeting_is_not_shown(client_as: ClientAs, demo_users: Users, swedish: Action) -> None:
    invited = factories.event(
        author=demo_users["secretariat"], slug="closed-door", title="Closed-door meeting", visibility=EventVisibility.INVITED, days_ahead=-5
    )
    item = outcome_add(actor=demo_users["secretariat"], event=invited, kind="action_area", texts={"en": "A secret item"})
    outcome_link_action(actor=demo_users["secretariat"], outcome=item, action=swedish)
    anonymous = client_as("anonymous").get("/en/plan/PoA-2007-001/").content.decode()
    assert "closed-door" not in anonymous
    assert "A secret item" not in anonymous
    assert "A secret item" in client_as("secretariat").get("/en/plan/PoA-2007-001/").content.decode()


def test_the_secretariat_adds_an_action(client_as: ClientAs) -> None:
    client = client_as("secretariat")
    response = client.post(
        "/en/plan/new/",
        {
            "title_en": "Roundtable on the UN Study",
            "title_ru": "Круглый стол",
            "status": "planned",
            "countries": [Country.objects.get(code="LT").pk],
            "due": "2030-05-01",
        },
    )
    assert response.status_code == 302
    action = Action.objects.get(translations__title="Roundtable on the UN Study")
    assert response["Location"] == f"/en/plan/{action.code}/"
    assert (action.status, str(action.due), list(action.countries.values_list("code", flat=True))) == ("planned", "2030-05-01", ["LT"])


def test_a_new_action_without_a_title_is_refused(client_as: ClientAs) -> None:
    before = state()
    response = client_as("secretariat").post("/en/plan/new/", {"status": "planned", "code": ""})
    assert response.status_code == 400
    assert "Give the action a title in at least one language." in response.content.decode()
    assert state() == before


def test_a_taken_code_is_refused_on_the_page(client_as: ClientAs, swedish: Action) -> None:
    before = state()
    response = client_as("secretariat").post("/en/plan/new/", {"title_en": "Another", "status": "planned", "code": "PoA-2007-001"})
    assert response.status_code == 409
    assert "There is already an action with the code PoA-2007-001." in response.content.decode()
    assert state() == before


def test_ncp_reports_progress_on_the_page(client_as: ClientAs, swedish: Action) -> None:
    client = client_as("ncp-se")
    assert "Report progress" in client.get("/en/plan/PoA-2007-001/").content.decode()
    response = client.post(
        "/en/plan/PoA-2007-001/update/", {"status": "done", "note": "Evaluated.", "evidence_url": "https://example.org/eval"}
    )
    assert response.status_code == 302
    assert Action.objects.get(pk=swedish.pk).status == "done"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "proposed"}, "Change the status, say what happened, or give the evidence."),
        (
            {"status": "done", "evidence_url": "ftp://example.org/x"},
            "Give the evidence as a web address starting with https:// or http://.",
        ),
        ({"status": "done", "evidence": "no-such-resource"}, "Choose a library resource that you can see."),
    ],
    ids=["nothing-said", "ftp-evidence", "unknown-resource"],
)
def test_a_bad_update_is_refused_on_the_page(client_as: ClientAs, swedish: Action, data: dict[str, str], message: str) -> None:
    before = state()
    response = client_as("secretariat").post("/en/plan/PoA-2007-001/update/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert state() == before


def test_the_list_makes_the_same_number_of_queries_for_more_actions(client_as: ClientAs, demo_users: Users, swedish: Action) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as("anonymous")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/en/plan/").status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for number in range(4):
        action_create(
            actor=demo_users["secretariat"],
            titles={"en": f"Action {number}"},
            priority=Priority.objects.get(number=2),
            responsible=Organisation.objects.filter(slug__in=["demo-ncp-lt", "demo-ncp-se"]),
            countries=Country.objects.filter(code__in=["LT", "SE"]),
        )
    assert queries() == few
