"""Risk alerts on the case owner's dashboard, handling them with a safety note, reviews due, the header count, the API,
and the object rows of the permission matrix for alerts."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone
from django.utils.formats import date_format

from carnet.assessments.context_processors import alerts as alerts_processor
from carnet.assessments.models import ActionPlanItem, RiskAlert
from carnet.assessments.selectors import open_alerts_for, read_text, reviews_due_for
from carnet.assessments.services_plans import AlertHandled, alert_handle, plan_item_add, plan_item_done
from carnet.audit.models import AuditEntry
from tests.assessments.factories import take_reading
from tests.cases.factories import open_case
from tests.fixtures import ROLES
from tests.matrix.assessments_chart import API as CHART_API
from tests.matrix.assessments_chart import PAGES as CHART_PAGES
from tests.matrix.base import ANON

pytestmark = pytest.mark.django_db

DASHBOARD = "/en/assessments/dashboard/"


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def worker(demo_users):
    return demo_users["caseworker-se"]


@pytest.fixture
def case(worker):
    return open_case(worker, opened_on=today() - timedelta(days=60))


def _risky(worker, case, *, days_ago: int = 2, **scores: int):
    """A reading at the risk level of running away (and whatever else is named)."""
    return take_reading(worker, case, {"running-away": 1, **scores}, taken_on=today() - timedelta(days=days_ago))


def _handle(client, alert, note, **extra):
    return client.post(f"/en/assessments/alerts/{alert.pk}/handle/", {f"alert-{alert.pk}-note": note, **extra})


# --- Alerts on the dashboard -------------------------------------------------------------------------


def test_a_risk_level_shows_on_the_owners_dashboard_with_case_pseudonym_domain_statement_and_date(worker, case, client_as):
    # given a reading where the child runs away for long periods (a level where a worker must act)
    _risky(worker, case)
    # when the case owner opens the dashboard
    response = client_as("caseworker-se").get(DASHBOARD)
    # then the alert is there: case number, pseudonym, domain, the statement and the reading's date, asking for a safety note
    assert response.status_code == 200
    page = response.content.decode()
    assert f"{case.number} · {case.child.pseudonym}" in page
    assert "Running away" in page
    assert "I run away for long periods of time and I stay with risky people or sleep rough" in page
    assert date_format(today() - timedelta(days=2), "DATE_FORMAT") in page
    assert "Safety note" in page
    # and showing the child's answer is audited as a view of the case
    assert AuditEntry.objects.filter(action="case.view", actor_username="caseworker-se", purpose="dashboard: risk alerts").count() == 1


@pytest.mark.parametrize("username", ["caseworker-lt", "secretariat", "supervisor-se", "ncp-se", "sysadmin"])
def test_only_the_owner_sees_the_alert_on_their_dashboard(username, worker, case, client_as, demo_users):
    _risky(worker, case)
    page = client_as(username).get(DASHBOARD).content.decode()
    assert case.number not in page
    assert "No open risk alerts on your cases." in page
    assert list(open_alerts_for(demo_users[username])) == []


def test_alerts_are_newest_first_and_a_reading_without_risk_raises_none(worker, case, demo_users):
    take_reading(worker, case, taken_on=today() - timedelta(days=30))  # every domain at 2: no alert
    assert RiskAlert.objects.count() == 0
    _risky(worker, case, days_ago=20)
    other = open_case(worker)
    take_reading(worker, other, {"secure-base": 1}, taken_on=today())
    alerts = list(open_alerts_for(worker))
    assert [(a.case_id, a.domain.key) for a in alerts] == [(other.pk, "secure-base"), (case.pk, "running-away")]


def test_the_dashboard_in_russian_shows_the_childs_words_in_russian(worker, case, client_as):
    _risky(worker, case)
    page = client_as("caseworker-se").get("/ru/assessments/dashboard/").content.decode()
    assert "Побеги" in page
    assert "Я надолго убегаю, живу у опасных людей или ночую на улице" in page


# --- Handling an alert -----------------------------------------------------------------------------


def test_handling_needs_a_note_and_changes_nothing_without_one(worker, case, client_as):
    _risky(worker, case)
    alert = RiskAlert.objects.get()
    response = _handle(client_as("caseworker-se"), alert, "   ")
    assert response.status_code == 400
    assert "This field is required." in response.content.decode() or "Write a safety note" in response.content.decode()
    alert.refresh_from_db()
    assert (alert.handled_at, alert.safety_note_enc) == (None, None)
    with pytest.raises(ValidationError) as refused:
        alert_handle(actor=worker, alert=alert, note="  ")
    assert list(refused.value.message_dict) == ["note"]


def test_a_safety_note_handles_the_alert_encrypted_and_audited_and_clears_the_dashboard(worker, case, client_as):
    _risky(worker, case)
    alert = RiskAlert.objects.get()
    client = client_as("caseworker-se")
    # when the owner writes a safety note
    response = _handle(client, alert, "Called the shelter; she stays there tonight")
    # then the alert is handled, the note encrypted at rest, the change audited, and the dashboard is clear
    assert (response.status_code, response["Location"]) == (302, DASHBOARD)
    alert.refresh_from_db()
    assert (alert.handled_by.username, alert.handled_at is not None) == ("caseworker-se", True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT safety_note_enc FROM assessments_riskalert WHERE id = %s", [alert.pk])
        assert b"shelter" not in bytes(cursor.fetchone()[0])
    assert read_text(alert, "safety_note_enc", case) == "Called the shelter; she stays there tonight"
    assert AuditEntry.objects.filter(action="assessment.risk_alert.handle", object_id=str(case.pk)).count() == 1
    page = client.get(DASHBOARD).content.decode()
    assert "The safety note is saved and the alert is closed." in page
    assert "No open risk alerts on your cases." in page
    # and the chart page shows the note
    chart = client.get(f"/en/assessments/cases/{case.pk}/chart/").content.decode()
    assert "Called the shelter; she stays there tonight" in chart


def test_a_handled_alert_cannot_be_handled_again(worker, case):
    _risky(worker, case)
    alert = alert_handle(actor=worker, alert=RiskAlert.objects.get(), note="Safe at home")
    with pytest.raises(AlertHandled):
        alert_handle(actor=worker, alert=alert, note="Again")
    assert read_text(RiskAlert.objects.get(), "safety_note_enc", case) == "Safe at home"


def test_the_supervisor_may_handle_it_from_the_chart_page(worker, case, client_as):
    _risky(worker, case)
    alert = RiskAlert.objects.get()
    response = _handle(client_as("supervisor-se"), alert, "Spoke with the owner", back="chart")
    assert (response.status_code, response["Location"]) == (302, f"/en/assessments/cases/{case.pk}/chart/#risk-alerts")
    alert.refresh_from_db()
    assert alert.handled_by.username == "supervisor-se"


def test_an_empty_note_from_the_chart_page_re_renders_the_chart_with_the_message(worker, case, client_as):
    _risky(worker, case)
    alert = RiskAlert.objects.get()
    response = _handle(client_as("caseworker-se"), alert, "", back="chart")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Star chart and action plan" in page
    assert "This field is required." in page


@pytest.mark.parametrize("username", ["caseworker-lt", "ncp-lt", "secretariat", "sysadmin"])
def test_outsiders_cannot_handle_an_alert_and_nothing_changes(username, worker, case, client_as, demo_users):
    _risky(worker, case)
    alert = RiskAlert.objects.get()
    assert _handle(client_as(username), alert, "Not mine").status_code == 404
    with pytest.raises(PermissionDenied):
        alert_handle(actor=demo_users[username], alert=alert, note="Not mine")
    alert.refresh_from_db()
    assert (alert.handled_at, alert.safety_note_enc) == (None, None)


# --- The header count --------------------------------------------------------------------------------


def test_the_header_count_is_the_owners_open_alerts(worker, case, demo_users):
    _risky(worker, case, **{"secure-base": 1})
    request = RequestFactory().get("/")
    request.user = worker
    assert alerts_processor(request)["open_risk_alerts"] == 2
    request.user = demo_users["supervisor-se"]
    assert alerts_processor(request)["open_risk_alerts"] == 0
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert alerts_processor(request)["open_risk_alerts"] == 0


# --- Reviews due -------------------------------------------------------------------------------------


def test_reviews_due_within_14_days_and_overdue_ones_are_listed_for_the_users_cases(worker, case, client_as, demo_users):
    soon = plan_item_add(actor=worker, case=case, domain_key="health", wants_to_change="Sleep", review_on=today() + timedelta(days=14))
    plan_item_add(actor=worker, case=case, domain_key="money", wants_to_change="Save", review_on=today() + timedelta(days=15))
    late = plan_item_add(actor=worker, case=case, domain_key="peers", wants_to_change="Friends", review_on=today())
    ActionPlanItem.objects.filter(pk=late.pk).update(review_on=today() - timedelta(days=2))
    done = plan_item_add(actor=worker, case=case, domain_key="education", wants_to_change="School", review_on=today())
    plan_item_done(actor=worker, case=case, item=done)
    # when the owner reads the reviews due
    due = reviews_due_for(actor=worker)
    # then the overdue one comes first, then the one due in 14 days; not the one in 15 days, not a done one
    assert [(r.item.pk, r.domain, r.overdue_days) for r in due] == [(late.pk, "My peers", 2), (soon.pk, "My general health", 0)]
    page = client_as("caseworker-se").get(DASHBOARD).content.decode()
    assert f"Overdue: it was due on {date_format(today() - timedelta(days=2), 'DATE_FORMAT')}, 2 days ago." in page
    assert f"Due on {date_format(today() + timedelta(days=14), 'DATE_FORMAT')}." in page
    # and nobody outside the case's team sees them on their dashboard
    assert reviews_due_for(actor=demo_users["caseworker-lt"]) == []
    assert reviews_due_for(actor=demo_users["supervisor-se"]) == []


# --- API -----------------------------------------------------------------------------------------------


def test_the_api_lists_my_open_alerts_and_handles_one(worker, case, client_as):
    _risky(worker, case)
    client = client_as("caseworker-se")
    listed = client.get("/api/v1/assessments/alerts")
    assert listed.status_code == 200
    [alert] = listed.json()
    assert (alert["case_number"], alert["pseudonym"], alert["domain_key"], alert["level_score"], alert["handled_at"]) == (
        case.number, case.child.pseudonym, "running-away", 1, None,
    )  # fmt: skip
    assert client_as("caseworker-lt").get("/api/v1/assessments/alerts").json() == []
    empty = client.post(f"/api/v1/assessments/alerts/{alert['id']}/handle", data=json.dumps({"note": ""}), content_type="application/json")
    assert empty.status_code == 422
    assert RiskAlert.objects.get().handled_at is None
    handled = client.post(
        f"/api/v1/assessments/alerts/{alert['id']}/handle", data=json.dumps({"note": "Safe tonight"}), content_type="application/json"
    )
    assert handled.status_code == 200
    assert handled.json()["handled_by"] == "caseworker-se"
    assert client.get("/api/v1/assessments/alerts").json() == []
    again = client.post(
        f"/api/v1/assessments/alerts/{alert['id']}/handle", data=json.dumps({"note": "Again"}), content_type="application/json"
    )
    assert (again.status_code, again.json()["code"]) == (409, "alert_handled")


def test_the_api_is_404_for_an_alert_one_cannot_see(worker, case, client_as):
    _risky(worker, case)
    alert = RiskAlert.objects.get()
    response = client_as("caseworker-lt").post(
        f"/api/v1/assessments/alerts/{alert.pk}/handle", data=json.dumps({"note": "x"}), content_type="application/json"
    )
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    alert.refresh_from_db()
    assert alert.handled_at is None


# --- Object rows of the permission matrix --------------------------------------------------------------


def _request(client: Any, method: str, path: str, body: dict[str, Any]) -> int:
    call = getattr(client, method.lower())
    if path.startswith("/api/"):
        return int(call(path, data=json.dumps(body), content_type="application/json").status_code)
    return int(call(path, data=body).status_code)


@pytest.mark.parametrize(
    "row", [CHART_PAGES["assessments:alert_handle"], CHART_API["POST /assessments/alerts/{alert_id}/handle"]], ids=["page", "api"]
)
def test_the_alert_object_rows(row, worker, client_as):
    for role in ROLES:
        # given a fresh case with an open risk alert
        case = open_case(worker)
        _risky(worker, case, days_ago=0)
        alert = RiskAlert.objects.get(case=case)
        values = {"alert": alert.pk, "case": case.pk}
        body = {k.format(**values): str(v) for k, v in (row.body or {}).items()}
        # when the role handles it
        status = _request(client_as(role), row.method, row.path.format(**values), body)
        # then the status is the row's, and only a success handled it
        assert status == row.expect[role], role
        alert.refresh_from_db()
        assert (alert.handled_at is not None) is (status == 200 or (status == 302 and role != ANON)), role


@pytest.mark.parametrize(
    ("username", "shown"),
    [("ncp-se", True), ("supervisor-se", True), ("coordinator-lt", True), ("caseworker-se", False), ("secretariat", False)],
)
def test_the_outcomes_link_is_for_those_who_may_see_aggregates(username, shown, client_as):
    html = client_as(username).get("/en/").content.decode()
    assert ('href="/en/assessments/outcomes/"' in html) is shown
