"""Action plans per domain: services (validation, encryption at rest, audit), overdue reviews in words, pages, API."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format

from carnet.assessments.models import ActionPlanItem
from carnet.assessments.selectors import plan_of
from carnet.assessments.services_plans import plan_item_add, plan_item_done
from carnet.audit.models import AuditEntry
from tests.assessments.factories import take_reading
from tests.cases.factories import open_case

pytestmark = pytest.mark.django_db

OUTSIDERS = ["caseworker-lt", "ncp-lt", "secretariat", "sysadmin"]


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def worker(demo_users):
    return demo_users["caseworker-se"]


@pytest.fixture
def case(worker):
    return open_case(worker, opened_on=today() - timedelta(days=60))


def _plan_audit(case) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_id=str(case.pk), action__startswith="assessment.plan.")
        .order_by("seq")
        .values_list("action", flat=True)
    )


def _raw(item: ActionPlanItem, column: str) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM assessments_actionplanitem WHERE id = %s", [item.pk])  # noqa: S608  (a fixed column name)
        return bytes(cursor.fetchone()[0])


# --- Services ---------------------------------------------------------------------------------------


def test_an_item_is_added_encrypted_linked_to_the_latest_reading_and_audited(worker, case):
    # given a reading
    reading = take_reading(worker, case, {"peers": 1}, taken_on=today() - timedelta(days=2))
    # when the worker adds to the plan of "my peers"
    item = plan_item_add(
        actor=worker,
        case=case,
        domain_key="peers",
        wants_to_change="Make one friend I can trust",
        next_steps="Join the Tuesday football group",
        who_helps="Key worker Anna",
        review_on=today() + timedelta(days=21),
    )
    # then the free texts are not in the database in clear, but read back through the plan
    assert b"friend" not in _raw(item, "wants_to_change_enc")
    assert b"football" not in _raw(item, "next_steps_enc")
    plan = plan_of(actor=worker, case=case)
    assert [(d.key, d.name) for d in plan] == [("peers", "My peers")]
    view = plan[0].items[0]
    assert (view.wants_to_change, view.next_steps) == ("Make one friend I can trust", "Join the Tuesday football group")
    assert (view.item.who_helps, view.item.review_on, view.item.reading_id) == ("Key worker Anna", today() + timedelta(days=21), reading.pk)
    assert (view.overdue, view.review_in_words) == (False, f"Review due on {date_format(today() + timedelta(days=21), 'DATE_FORMAT')}.")
    # and it is audited as assessment.plan.add
    assert _plan_audit(case) == ["assessment.plan.add"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"domain_key": "flying"}, "domain_key"),
        ({"wants_to_change": "   "}, "wants_to_change"),
        ({"wants_to_change": "x" * 2001}, "wants_to_change"),
        ({"next_steps": "x" * 2001}, "next_steps"),
        ({"who_helps": "x" * 201}, "who_helps"),
        ({"review_on": date(2001, 1, 1)}, "review_on"),
    ],
    ids=["unknown-domain", "nothing-to-change", "too-long", "steps-too-long", "helper-too-long", "review-in-the-past"],
)
def test_bad_items_are_refused_and_nothing_is_stored(changes, field, worker, case):
    values = {"domain_key": "health", "wants_to_change": "Sleep better", **changes}
    with pytest.raises(ValidationError) as refused:
        plan_item_add(actor=worker, case=case, **values)
    assert list(refused.value.message_dict) == [field]
    assert ActionPlanItem.objects.count() == 0
    assert _plan_audit(case) == []


def test_a_review_date_of_today_is_accepted(worker, case):
    item = plan_item_add(actor=worker, case=case, domain_key="health", wants_to_change="Sleep better", review_on=today())
    assert (
        plan_of(actor=worker, case=case)[0].items[0].review_in_words == f"Review due today ({date_format(item.review_on, 'DATE_FORMAT')})."
    )


@pytest.mark.parametrize("username", OUTSIDERS)
def test_outsiders_cannot_write_a_plan_and_nothing_changes(username, worker, case, demo_users):
    item = plan_item_add(actor=worker, case=case, domain_key="health", wants_to_change="Sleep better")
    with pytest.raises(PermissionDenied):
        plan_item_add(actor=demo_users[username], case=case, domain_key="health", wants_to_change="x")
    with pytest.raises(PermissionDenied):
        plan_item_done(actor=demo_users[username], case=case, item=item)
    with pytest.raises(PermissionDenied):
        plan_of(actor=demo_users[username], case=case)
    item.refresh_from_db()
    assert (ActionPlanItem.objects.count(), item.done_on) == (1, None)
    assert _plan_audit(case) == ["assessment.plan.add"]


@pytest.mark.parametrize("username", ["supervisor-se", "ncp-se"])
def test_the_supervisor_and_the_ncp_may_write_the_plan(username, case, demo_users):
    plan_item_add(actor=demo_users[username], case=case, domain_key="money", wants_to_change="Open a bank account")
    assert ActionPlanItem.objects.filter(case=case, created_by=demo_users[username]).count() == 1


def test_an_item_is_marked_done_once_not_in_the_future(worker, case):
    item = plan_item_add(actor=worker, case=case, domain_key="health", wants_to_change="Sleep better")
    with pytest.raises(ValidationError) as future:
        plan_item_done(actor=worker, case=case, item=item, done_on=today() + timedelta(days=1))
    assert list(future.value.message_dict) == ["done_on"]
    with pytest.raises(ValidationError) as before:
        plan_item_done(actor=worker, case=case, item=item, done_on=today() - timedelta(days=3))
    assert list(before.value.message_dict) == ["done_on"]
    plan_item_done(actor=worker, case=case, item=item)
    item.refresh_from_db()
    assert item.done_on == today()
    with pytest.raises(ValidationError) as twice:
        plan_item_done(actor=worker, case=case, item=item)
    assert list(twice.value.message_dict) == ["done_on"]
    assert _plan_audit(case) == ["assessment.plan.add", "assessment.plan.done"]


def test_an_item_of_another_case_cannot_be_marked_through_this_one(worker, case):
    other = open_case(worker)
    item = plan_item_add(actor=worker, case=other, domain_key="health", wants_to_change="Sleep better")
    with pytest.raises(ValidationError) as refused:
        plan_item_done(actor=worker, case=case, item=item.pk)
    assert list(refused.value.message_dict) == ["item"]
    item.refresh_from_db()
    assert item.done_on is None


def test_an_overdue_review_is_said_in_words(worker, case):
    # given an item whose review date has passed (time moved on since it was set)
    item = plan_item_add(actor=worker, case=case, domain_key="running-away", wants_to_change="Stay in at night", review_on=today())
    ActionPlanItem.objects.filter(pk=item.pk).update(review_on=today() - timedelta(days=3))
    # when the plan is read
    plan = plan_of(actor=worker, case=case)
    # then the review is overdue, said in words with the date and how long ago
    view = plan[0].items[0]
    due = date_format(today() - timedelta(days=3), "DATE_FORMAT")
    assert (view.overdue, view.overdue_days, plan[0].overdue) == (True, 3, 1)
    assert view.review_in_words == f"Review overdue: it was due on {due}, 3 days ago."
    # and once done it is no longer overdue
    plan_item_done(actor=worker, case=case, item=item)
    view = plan_of(actor=worker, case=case)[0].items[0]
    assert (view.overdue, view.review_in_words) == (False, "")


def test_items_are_grouped_per_domain_in_the_instruments_order_open_ones_first(worker, case):
    take_reading(worker, case, taken_on=today() - timedelta(days=2))
    done = plan_item_add(actor=worker, case=case, domain_key="running-away", wants_to_change="First")
    plan_item_done(actor=worker, case=case, item=done)
    plan_item_add(actor=worker, case=case, domain_key="running-away", wants_to_change="Second")
    plan_item_add(actor=worker, case=case, domain_key="education", wants_to_change="Go to school")
    plan = plan_of(actor=worker, case=case)
    assert [d.key for d in plan] == ["education", "running-away"]
    assert [v.wants_to_change for v in plan[1].items] == ["Second", "First"]


# --- Pages ---------------------------------------------------------------------------------------------


def test_adding_through_the_page_redirects_to_the_domain(case, client_as):
    client = client_as("caseworker-se")
    response = client.post(
        f"/en/assessments/cases/{case.pk}/chart/plan/",
        {"domain_key": "money", "wants_to_change": "Save for a phone", "who_helps": "Aunt", "review_on": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/en/assessments/cases/{case.pk}/chart/#plan-money"
    page = client.get(response["Location"]).content.decode()
    assert "Added to the action plan." in page
    assert "Save for a phone" in page


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"domain_key": "money", "wants_to_change": ""}, "This field is required."),
        ({"domain_key": "money", "wants_to_change": "x", "review_on": "2001-01-01"}, "A review date cannot be in the past."),
        ({"domain_key": "flying", "wants_to_change": "x"}, "Select a valid choice."),
    ],
    ids=["empty", "past-review", "unknown-domain"],
)
def test_a_bad_item_re_renders_with_the_message_and_saves_nothing(body, message, case, client_as):
    response = client_as("caseworker-se").post(f"/en/assessments/cases/{case.pk}/chart/plan/", body)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ActionPlanItem.objects.count() == 0


def test_the_overdue_review_and_marking_done_through_the_page_in_russian(worker, case, client_as):
    item = plan_item_add(actor=worker, case=case, domain_key="health", wants_to_change="Спать лучше", review_on=today())
    ActionPlanItem.objects.filter(pk=item.pk).update(review_on=today() - timedelta(days=2))
    page = client_as("caseworker-se").get(f"/ru/assessments/cases/{case.pk}/chart/").content.decode()
    assert "Спать лучше" in page
    assert "Моё здоровье" in page
    assert 'class="plan-item overdue"' in page
    response = client_as("caseworker-se").post(f"/ru/assessments/cases/{case.pk}/chart/plan/{item.pk}/done/", {})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.done_on == today()


def test_marking_done_in_the_future_through_the_page_says_so(worker, case, client_as):
    item = plan_item_add(actor=worker, case=case, domain_key="health", wants_to_change="Sleep better")
    future = (today() + timedelta(days=2)).isoformat()
    response = client_as("caseworker-se").post(
        f"/en/assessments/cases/{case.pk}/chart/plan/{item.pk}/done/", {f"item-{item.pk}-done_on": future}
    )
    assert response.status_code == 400
    assert "A step cannot be done in the future." in response.content.decode()
    item.refresh_from_db()
    assert item.done_on is None


def test_an_item_of_another_case_is_not_found_through_this_case(worker, case, client_as):
    other = open_case(worker)
    item = plan_item_add(actor=worker, case=other, domain_key="health", wants_to_change="Sleep better")
    response = client_as("caseworker-se").post(f"/en/assessments/cases/{case.pk}/chart/plan/{item.pk}/done/", {})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.done_on is None


@pytest.mark.parametrize("username", OUTSIDERS)
def test_outsiders_get_404_when_posting_and_nothing_is_stored(username, case, client_as):
    response = client_as(username).post(f"/en/assessments/cases/{case.pk}/chart/plan/", {"domain_key": "money", "wants_to_change": "x"})
    assert response.status_code == 404
    assert ActionPlanItem.objects.count() == 0


# --- API ---------------------------------------------------------------------------------------------------


def _post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_the_api_adds_and_lists_the_plan(case, client_as):
    client = client_as("caseworker-se")
    created = _post(
        client,
        f"/api/v1/assessments/cases/{case.pk}/action-plan",
        {"domain_key": "health", "wants_to_change": "Sleep better", "next_steps": "See the nurse", "review_on": today().isoformat()},
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["domain_key"], body["wants_to_change"], body["next_steps"], body["review_overdue"]) == (
        "health", "Sleep better", "See the nurse", False,
    )  # fmt: skip
    listed = client.get(f"/api/v1/assessments/cases/{case.pk}/action-plan")
    assert listed.status_code == 200
    assert [i["id"] for i in listed.json()] == [body["id"]]
    assert AuditEntry.objects.filter(action="assessment.plan.add", object_id=str(case.pk)).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"domain_key": "flying", "wants_to_change": "x"}, "domain_key"),
        ({"domain_key": "health", "wants_to_change": ""}, "wants_to_change"),
        ({"domain_key": "health", "wants_to_change": "x", "review_on": "2001-01-01"}, "review_on"),
    ],
    ids=["unknown-domain", "empty", "past-review"],
)
def test_bad_api_input_is_422_with_the_field_and_changes_nothing(body, field, case, client_as):
    response = _post(client_as("caseworker-se"), f"/api/v1/assessments/cases/{case.pk}/action-plan", body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert ActionPlanItem.objects.count() == 0


@pytest.mark.parametrize("username", OUTSIDERS)
def test_the_plan_api_is_404_for_outsiders_and_changes_nothing(username, case, client_as):
    client = client_as(username)
    read = client.get(f"/api/v1/assessments/cases/{case.pk}/action-plan")
    write = _post(client, f"/api/v1/assessments/cases/{case.pk}/action-plan", {"domain_key": "health", "wants_to_change": "x"})
    assert (read.status_code, write.status_code) == (404, 404)
    assert ActionPlanItem.objects.count() == 0
