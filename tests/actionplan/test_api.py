"""The Plan of Action's API: reading actions (everyone) and recording status updates (those the policy allows)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from django.test import Client

from carnet.accounts.models import User
from carnet.actionplan.models import Action
from carnet.actionplan.services import action_create
from carnet.core.models import Country, Priority
from carnet.directory.models import Organisation
from carnet.events.models import EventVisibility
from carnet.events.services_outcomes import outcome_add, outcome_link_action
from carnet.library.models import Resource
from tests.actionplan.test_services import state
from tests.events import factories

pytestmark = pytest.mark.django_db

Users = dict[str, User]
ClientAs = Callable[[str], Client]


@pytest.fixture(autouse=True)
def _no_cached_translations() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def actions(demo_users: Users) -> list[Action]:
    secretariat = demo_users["secretariat"]
    first = action_create(
        actor=secretariat,
        code="PoA-2007-001",
        titles={"en": "Support for children abused online", "ru": "Поддержка детей"},
        priority=Priority.objects.get(number=4),
        responsible=Organisation.objects.filter(slug="demo-ncp-se"),
        countries=Country.objects.filter(code="SE"),
    )
    second = action_create(actor=secretariat, code="PoA-2008-001", titles={"en": "Monitoring training"}, status="done")
    public = factories.event(author=secretariat, slug="satra-bruk-2006", days_ahead=-40)
    hidden = factories.event(author=secretariat, slug="closed-door", visibility=EventVisibility.INVITED, days_ahead=-5)
    for event, text in ((public, "Help children abused in Internet settings"), (hidden, "A secret item")):
        item = outcome_add(actor=secretariat, event=event, kind="action_area", texts={"en": text})
        outcome_link_action(actor=secretariat, outcome=item, action=first)
    return [first, second]


def post(client: Client, path: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    response = client.post(path, data=json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_everyone_lists_the_actions_with_filters(client_as: ClientAs, actions: list[Action]) -> None:
    body = client_as("anonymous").get("/api/v1/actions?lang=ru").json()
    assert body["count"] == 2
    assert body["items"][0] == {
        "code": "PoA-2007-001",
        "title": "Поддержка детей",
        "language": "ru",
        "status": "proposed",
        "status_label": body["items"][0]["status_label"],  # translated by the translations helper later
        "priority": 4,
        "accountable": ["demo-ncp-se"],
        "countries": ["SE"],
        "due": None,
    }
    assert body["items"][1]["language"] == "en"  # no Russian title: the English one, said so
    assert [a["code"] for a in client_as("anonymous").get("/api/v1/actions?status=done").json()["items"]] == ["PoA-2008-001"]
    assert [a["code"] for a in client_as("anonymous").get("/api/v1/actions?country=se").json()["items"]] == ["PoA-2007-001"]
    assert [a["code"] for a in client_as("anonymous").get("/api/v1/actions?accountable=demo-ncp-se").json()["items"]] == ["PoA-2007-001"]


@pytest.mark.parametrize("query", ["status=finished", "limit=0", "limit=1000", "offset=-1", "lang=tlh"])
def test_bad_list_queries_are_a_400_with_a_json_body(client_as: ClientAs, actions: list[Action], query: str) -> None:
    response = client_as("anonymous").get(f"/api/v1/actions?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_an_action_shows_history_and_only_the_origins_the_reader_may_see(client_as: ClientAs, actions: list[Action]) -> None:
    anonymous = client_as("anonymous").get("/api/v1/actions/PoA-2007-001").json()
    assert [o["event"] for o in anonymous["origins"]] == ["satra-bruk-2006"]
    assert anonymous["origins"][0]["text"] == "Help children abused in Internet settings"
    assert [(u["status"], u["author"]) for u in anonymous["updates"]] == [("proposed", "secretariat")]
    secretariat = client_as("secretariat").get("/api/v1/actions/PoA-2007-001").json()
    assert sorted(o["event"] for o in secretariat["origins"]) == ["closed-door", "satra-bruk-2006"]
    missing = client_as("anonymous").get("/api/v1/actions/PoA-1900-001")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


def test_an_ncp_records_an_update_with_library_evidence(client_as: ClientAs, demo_users: Users, actions: list[Action]) -> None:
    report = Resource.objects.create(slug="evaluation-report", kind="report", visibility="members", created_by=demo_users["secretariat"])
    status, body = post(
        client_as("ncp-se"),
        "/api/v1/actions/PoA-2007-001/updates",
        {"status": "in_progress", "note": "Started.", "evidence_url": "https://example.org/x", "evidence": "evaluation-report"},
    )
    assert status == 201
    assert (body["status"], body["note"], body["evidence"], body["author"]) == ("in_progress", "Started.", report.slug, "ncp-se")
    assert Action.objects.get(code="PoA-2007-001").status == "in_progress"


@pytest.mark.parametrize(
    ("username", "body", "expected"),
    [
        ("ncp-lt", {"status": "done"}, 403),
        ("member-fi", {"status": "done"}, 403),
        ("secretariat", {"status": "proposed"}, 422),
        ("secretariat", {"status": "finished", "note": "x"}, 422),
        ("secretariat", {"status": "done", "evidence_url": "javascript:alert(1)"}, 422),
        ("secretariat", {"status": "done", "evidence": "no-such-resource"}, 422),
        ("secretariat", {"note": "no status"}, 422),
    ],
    ids=["other-country-ncp", "member", "nothing-said", "unknown-status", "script-url", "unknown-evidence", "missing-status"],
)
def test_refused_updates_answer_json_and_change_nothing(
    client_as: ClientAs, actions: list[Action], username: str, body: dict[str, object], expected: int
) -> None:
    before = state()
    status, answer = post(client_as(username), "/api/v1/actions/PoA-2007-001/updates", body)
    assert status == expected
    assert isinstance(answer["detail"], str)
    assert answer["detail"]
    assert state() == before


def test_anonymous_updates_need_sign_in(client_as: ClientAs, actions: list[Action]) -> None:
    before = state()
    status, answer = post(client_as("anonymous"), "/api/v1/actions/PoA-2007-001/updates", {"status": "done"})
    assert (status, answer["code"]) == (401, "unauthorized")
    assert state() == before
