"""Best interests: assessments, the panel's determination, four-eyes approval, the return plan and its visits.

Services directly (including denials that change nothing), the pages in English and Russian with the
journey of the issue's "Done when", the API, and the object rows of the permission matrix.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from carnet.audit.models import AuditEntry
from carnet.cases.errors import InvalidCaseData, StaleVersion
from carnet.cases.models import BestInterestsAssessment, Case, Determination, FollowUpVisit, ReturnPlan
from carnet.cases.models.codes import DecisionStatus, DurableSolution
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.cases.services_best_interests import (
    AssessmentTexts,
    assessment_record,
    best_interests_of,
    current_determination,
    determination_approve,
    determination_record,
    determination_send_back,
    determination_submit,
    return_plan_create,
    visit_plan,
    visit_record,
)
from tests.cases.factories import open_case
from tests.cases.test_care import check_object_row
from tests.matrix.cases_best_interests import API as BI_API
from tests.matrix.cases_best_interests import PAGES as BI_PAGES

pytestmark = pytest.mark.django_db

OUTSIDERS = ["caseworker-lt", "ncp-lt", "secretariat", "sysadmin"]
RETURN = DurableSolution.RETURN
LOCAL = DurableSolution.LOCAL_INTEGRATION


def today():
    return timezone.localdate()


def days(n: int):
    return today() + timedelta(days=n)


@pytest.fixture
def case(demo_users):
    return open_case(demo_users["caseworker-se"])


@pytest.fixture
def worker(demo_users):
    return demo_users["caseworker-se"]


@pytest.fixture
def supervisor(demo_users):
    return demo_users["supervisor-se"]


def _audit(case: Case) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk), action__startswith="case.best_interests.")
        .order_by("seq")
        .values_list("action", flat=True)
    )


def _version(case: Case) -> int:
    return Case.objects.get(pk=case.pk).version


def _assess(case, actor, *, on=None, views="I want to finish school here.", risk="high"):
    return assessment_record(
        actor=actor, case=case, assessed_on=on or days(-10), re_trafficking_risk=risk,
        texts=AssessmentTexts(child_views=views, family="Mother reachable by phone", safety="Recruiter lives in the home town"),
    )  # fmt: skip


def _determine(case, actor, assessment, *, decision=RETURN, options=(LOCAL, RETURN), decided_on=None, review_on=None):
    return determination_record(
        actor=actor, case=case, assessment=assessment, panel="Guardian, caseworker, psychologist", options_weighed=list(options),
        decision=decision, reasons="Family safe, school place ready", decided_on=decided_on or days(-8), review_on=review_on,
    )  # fmt: skip


def _approved(case, worker, supervisor, *, decision=RETURN):
    assessment = _assess(case, worker)
    determination = _determine(case, worker, assessment, decision=decision)
    determination_submit(actor=worker, case=case, determination=determination)
    return determination_approve(actor=supervisor, case=case, determination=determination)


# --- Assessment ------------------------------------------------------------------------------


def test_an_assessment_keeps_the_childs_own_words_encrypted(case, worker):
    words = "Я хочу остаться здесь и учиться"
    assessment = _assess(case, worker, views=words)
    with connection.cursor() as cursor:
        cursor.execute("SELECT child_views_enc, family_enc, safety_enc FROM cases_bestinterestsassessment WHERE id = %s", [assessment.pk])
        raw = b"".join(bytes(column) for column in cursor.fetchone())
    assert words.encode() not in raw
    assert b"Recruiter" not in raw
    assert b"Mother" not in raw
    view = best_interests_of(case).assessments[0]
    assert view.text("child_views") == words
    assert view.text("safety") == "Recruiter lives in the home town"
    assert view.text("guardian_opinion") is None
    assert (assessment.re_trafficking_risk, assessment.assessed_by) == ("high", worker)
    assert _audit(case) == ["case.best_interests.assess"]


def test_assessments_are_repeatable_and_listed_latest_first(case, worker):
    _assess(case, worker, on=days(-30), views="first")
    _assess(case, worker, on=days(-2), views="second")
    assert [v.text("child_views") for v in best_interests_of(case).assessments] == ["second", "first"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"on": 1}, "assessed_on"), ({"views": "  "}, "child_views"), ({"risk": "critical"}, "re_trafficking_risk")],
    ids=["in-the-future", "no-views-of-the-child", "unknown-risk"],
)
def test_a_bad_assessment_is_refused_and_nothing_changes(changes, field, case, worker):
    before = _version(case)
    kwargs: dict[str, Any] = {"views": changes.get("views", "x"), "risk": changes.get("risk", "low")}
    if "on" in changes:
        kwargs["on"] = days(changes["on"])
    with pytest.raises(ValidationError) as refused:
        _assess(case, worker, **kwargs)
    assert list(refused.value.message_dict) == [field]
    assert BestInterestsAssessment.objects.count() == 0
    assert (_version(case), _audit(case)) == (before, [])


# --- Determination ------------------------------------------------------------------------------


def test_a_determination_starts_as_a_draft_that_does_not_count(case, worker):
    determination = _determine(case, worker, _assess(case, worker), options=(RETURN, LOCAL, RETURN))
    assert determination.status == DecisionStatus.DRAFT
    assert determination.options_weighed == ["local_integration", "return"]
    assert current_determination(case) is None
    assert best_interests_of(case).determinations[0].reasons == "Family safe, school place ready"
    with connection.cursor() as cursor:
        cursor.execute("SELECT reasons_enc FROM cases_determination WHERE id = %s", [determination.pk])
        assert b"school place" not in bytes(cursor.fetchone()[0])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"decided_on": -11}, "decided_on"),
        ({"decided_on": 1}, "decided_on"),
        ({"options": (LOCAL,)}, "options_weighed"),
        ({"options": (RETURN, "adoption")}, "options_weighed"),
        ({"decision": "adoption", "options": (RETURN,)}, "decision"),
        ({"review_on": -8}, "review_on"),
    ],
    ids=[
        "decision-before-assessment", "decision-in-the-future", "decision-not-among-options", "unknown-option", "unknown-decision",
        "review-not-after-decision",
    ],
)  # fmt: skip
def test_a_bad_determination_is_refused_and_nothing_changes(changes, field, case, worker):
    assessment = _assess(case, worker, on=days(-10))
    before = _version(case)
    kwargs: dict[str, Any] = {}
    for name in ("decided_on", "review_on"):
        if name in changes:
            kwargs[name] = days(changes[name])
    for name in ("options", "decision"):
        if name in changes:
            kwargs[name] = changes[name]
    with pytest.raises(ValidationError) as refused:
        _determine(case, worker, assessment, **kwargs)
    assert list(refused.value.message_dict) == [field]
    assert Determination.objects.count() == 0
    assert (_version(case), _audit(case)) == (before, ["case.best_interests.assess"])


def test_a_determination_must_rest_on_an_assessment_of_the_same_case(case, worker):
    foreign = _assess(open_case(worker), worker)
    with pytest.raises(ValidationError) as refused:
        _determine(case, worker, foreign)
    assert list(refused.value.message_dict) == ["assessment"]


def test_the_decision_may_be_taken_on_the_day_of_the_assessment(case, worker):
    assessment = _assess(case, worker, on=days(-3))
    assert _determine(case, worker, assessment, decided_on=days(-3)).decided_on == days(-3)


# --- Approval: draft -> submitted -> approved / sent back, four eyes ----------------------------


def test_a_caseworkers_submission_approved_by_the_supervisor_becomes_the_current_decision(case, worker, supervisor):
    # given a draft return decision
    determination = _determine(case, worker, _assess(case, worker))
    # when the caseworker submits it and the supervisor approves it with a note
    determination_submit(actor=worker, case=case, determination=determination)
    approved = determination_approve(actor=supervisor, case=case, determination=determination, note="Guardian agrees")
    # then it is approved by the supervisor and is the case's current decision
    assert (approved.status, approved.submitted_by, approved.decided_by) == ("approved", worker, supervisor)
    assert approved.decided_at is not None
    assert current_determination(case) == approved
    assert _audit(case) == [
        "case.best_interests.assess", "case.best_interests.determine", "case.best_interests.submit", "case.best_interests.approve",
    ]  # fmt: skip
    approval = AuditEntry.objects.get(action="case.best_interests.approve")
    assert approval.actor_username == "supervisor-se"
    assert approval.purpose == f"determination {approved.pk}: return approved; Guardian agrees"


def test_a_supervisor_cannot_approve_their_own_submission(case, supervisor):
    # given a decision the supervisor drafted and submitted themselves
    determination = _determine(case, supervisor, _assess(case, supervisor))
    determination_submit(actor=supervisor, case=case, determination=determination)
    before, audit = _version(case), _audit(case)
    # when they approve it or send it back, then the second pair of eyes is missing
    for step in (
        lambda: determination_approve(actor=supervisor, case=case, determination=determination),
        lambda: determination_send_back(actor=supervisor, case=case, determination=determination, reason="withdraw"),
    ):
        with pytest.raises(InvalidCaseData) as refused:
            step()
        assert (refused.value.code, refused.value.status) == ("second_person_required", 403)
    # and nothing changed
    determination.refresh_from_db()
    assert (determination.status, determination.decided_by) == ("submitted", None)
    assert (_version(case), _audit(case)) == (before, audit)
    assert current_determination(case) is None


def test_the_database_refuses_an_approval_by_the_submitter(case, supervisor):
    determination = _determine(case, supervisor, _assess(case, supervisor))
    with pytest.raises(IntegrityError), transaction.atomic():
        Determination.objects.filter(pk=determination.pk).update(status="approved", decided_by=supervisor)


@pytest.mark.parametrize("username", ["caseworker-se", "ncp-se"])
def test_the_caseworker_and_the_ncp_may_not_approve(username, case, worker, demo_users):
    # the NCP sees and edits the case but is not a supervisor of it
    actor = demo_users[username]
    assert CasePolicy.can(actor, CaseAction.VIEW, case)
    assert CasePolicy.can(actor, CaseAction.EDIT, case)
    assert not CasePolicy.can(actor, CaseAction.APPROVE, case)
    determination = _determine(case, demo_users["supervisor-se"], _assess(case, worker))
    determination_submit(actor=demo_users["supervisor-se"], case=case, determination=determination)
    before, audit = _version(case), _audit(case)
    with pytest.raises(PermissionDenied):
        determination_approve(actor=actor, case=case, determination=determination)
    with pytest.raises(PermissionDenied):
        determination_send_back(actor=actor, case=case, determination=determination, reason="no")
    determination.refresh_from_db()
    assert determination.status == "submitted"
    assert (_version(case), _audit(case)) == (before, audit)


@pytest.mark.parametrize("username", OUTSIDERS)
def test_outsiders_can_do_nothing_and_nothing_changes(username, case, worker, supervisor, demo_users):
    determination = _determine(case, worker, _assess(case, worker))
    before, audit = _version(case), _audit(case)
    outsider = demo_users[username]
    steps = [
        lambda: _assess(case, outsider),
        lambda: _determine(case, outsider, determination.assessment),
        lambda: determination_submit(actor=outsider, case=case, determination=determination),
        lambda: determination_approve(actor=outsider, case=case, determination=determination),
        lambda: determination_send_back(actor=outsider, case=case, determination=determination, reason="no"),
        lambda: return_plan_create(actor=outsider, case=case, determination=determination, receiving_country="LT", receiving_agency="A"),
    ]
    for step in steps:
        with pytest.raises(PermissionDenied):
            step()
    determination.refresh_from_db()
    assert determination.status == "draft"
    assert (BestInterestsAssessment.objects.count(), Determination.objects.count(), ReturnPlan.objects.count()) == (1, 1, 0)
    assert (_version(case), _audit(case)) == (before, audit)


def test_only_a_submitted_decision_can_be_approved_and_only_a_draft_submitted(case, worker, supervisor):
    determination = _determine(case, worker, _assess(case, worker))
    with pytest.raises(InvalidCaseData) as early:
        determination_approve(actor=supervisor, case=case, determination=determination)
    assert (early.value.code, early.value.status) == ("wrong_status", 409)
    determination_submit(actor=worker, case=case, determination=determination)
    with pytest.raises(InvalidCaseData) as twice:
        determination_submit(actor=worker, case=case, determination=determination)
    assert twice.value.code == "wrong_status"
    determination_approve(actor=supervisor, case=case, determination=determination)
    with pytest.raises(InvalidCaseData):
        determination_send_back(actor=supervisor, case=case, determination=determination, reason="too late")
    determination.refresh_from_db()
    assert determination.status == "approved"


def test_sending_back_needs_a_reason_which_is_kept_and_audited(case, worker, supervisor):
    determination = _determine(case, worker, _assess(case, worker))
    determination_submit(actor=worker, case=case, determination=determination)
    with pytest.raises(ValidationError) as refused:
        determination_send_back(actor=supervisor, case=case, determination=determination, reason=" ")
    assert list(refused.value.message_dict) == ["reason"]
    determination.refresh_from_db()
    assert determination.status == "submitted"
    determination_send_back(actor=supervisor, case=case, determination=determination, reason="Hear the guardian first")
    determination.refresh_from_db()
    assert (determination.status, determination.sent_back_reason, determination.decided_by) == (
        "rejected",
        "Hear the guardian first",
        supervisor,
    )
    assert current_determination(case) is None
    entry = AuditEntry.objects.get(action="case.best_interests.send_back")
    assert (entry.actor_username, entry.purpose) == ("supervisor-se", f"determination {determination.pk}: Hear the guardian first")


def test_only_the_latest_approved_decision_is_current(case, worker, supervisor):
    first = _approved(case, worker, supervisor, decision=LOCAL)
    pending = _determine(case, worker, first.assessment, decision=RETURN)
    determination_submit(actor=worker, case=case, determination=pending)
    assert current_determination(case) == first
    determination_approve(actor=supervisor, case=case, determination=pending)
    assert current_determination(case) == Determination.objects.get(pk=pending.pk)
    views = best_interests_of(case)
    assert [v.current for v in views.determinations] == [True, False]


# --- Return plan and follow-up visits ---------------------------------------------------------------


def test_a_return_plan_needs_the_current_approved_return_decision(case, worker, supervisor):
    assessment = _assess(case, worker)
    draft = _determine(case, worker, assessment)
    local = _approved(case, worker, supervisor, decision=LOCAL)
    for determination in (draft, local):
        with pytest.raises(InvalidCaseData) as refused:
            return_plan_create(actor=worker, case=case, determination=determination, receiving_country="LT", receiving_agency="Agency")
        assert refused.value.code == "wrong_status"
    assert ReturnPlan.objects.count() == 0


def test_a_return_plan_and_its_visits(case, worker, supervisor):
    determination = _approved(case, worker, supervisor)
    plan = return_plan_create(
        actor=worker, case=case, determination=determination, receiving_country="lt", receiving_agency="Child Rights Service, Vilnius",
        escort="Social worker", travel_on=days(-5),
    )  # fmt: skip
    assert (plan.receiving_country, plan.created_by) == ("LT", worker)
    visit = visit_plan(actor=worker, case=case, plan=plan, planned_on=days(-2))
    visit_record(
        actor=worker, case=case, visit=visit, visited_on=days(-1), result="Back at school; feels safe", expected_version=_version(case)
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT result_enc FROM cases_followupvisit WHERE id = %s", [visit.pk])
        assert b"school" not in bytes(cursor.fetchone()[0])
    view = best_interests_of(case).current
    assert view is not None
    assert view.return_plan == plan
    assert [(v.visit.visited_on, v.result) for v in view.visits] == [(days(-1), "Back at school; feels safe")]
    assert _audit(case)[-3:] == ["case.best_interests.return_plan", "case.best_interests.visit_plan", "case.best_interests.visit_record"]
    with pytest.raises(InvalidCaseData):
        return_plan_create(actor=worker, case=case, determination=determination, receiving_country="LT", receiving_agency="Again")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"receiving_country": "LTU"}, "receiving_country"),
        ({"receiving_country": "1T"}, "receiving_country"),
        ({"receiving_agency": " "}, "receiving_agency"),
        ({"travel_on": -9}, "travel_on"),
    ],
    ids=["three-letters", "not-letters", "no-agency", "travel-before-decision"],
)
def test_a_bad_return_plan_is_refused(kwargs, field, case, worker, supervisor):
    determination = _approved(case, worker, supervisor)
    values: dict[str, Any] = {"receiving_country": "LT", "receiving_agency": "Agency", **kwargs}
    if "travel_on" in kwargs:
        values["travel_on"] = days(kwargs["travel_on"])
    with pytest.raises(ValidationError) as refused:
        return_plan_create(actor=worker, case=case, determination=determination, **values)
    assert list(refused.value.message_dict) == [field]
    assert ReturnPlan.objects.count() == 0


def test_visits_come_after_the_return_and_not_in_the_future(case, worker, supervisor):
    determination = _approved(case, worker, supervisor)
    plan = return_plan_create(
        actor=worker, case=case, determination=determination, receiving_country="LT", receiving_agency="A", travel_on=days(-5)
    )
    with pytest.raises(ValidationError) as early:
        visit_plan(actor=worker, case=case, plan=plan, planned_on=days(-6))
    assert list(early.value.message_dict) == ["planned_on"]
    visit = visit_plan(actor=worker, case=case, plan=plan, planned_on=days(3))
    with pytest.raises(ValidationError) as future:
        visit_record(actor=worker, case=case, visit=visit, visited_on=days(1), result="x")
    assert list(future.value.message_dict) == ["visited_on"]
    seen = _version(case)
    visit_plan(actor=worker, case=case, plan=plan, planned_on=days(10))
    with pytest.raises(StaleVersion):
        visit_record(actor=worker, case=case, visit=visit, visited_on=days(0), result="x", expected_version=seen)
    visit.refresh_from_db()
    assert (visit.visited_on, visit.result_enc) == (None, None)


# --- Pages ---------------------------------------------------------------------------------------------


def _page(client, case, lang="en"):
    return client.get(f"/{lang}/cases/{case.pk}/best-interests/")


def test_the_journey_caseworker_submits_a_return_decision_and_the_supervisor_approves_it(case, client_as):
    worker = client_as("caseworker-se")
    base = f"/en/cases/{case.pk}/best-interests"
    # the caseworker records an assessment in the child's own words
    response = worker.post(
        f"{base}/assessments/",
        {
            "assessed_on": days(-4).isoformat(),
            "child_views": "I miss my grandmother.",
            "re_trafficking_risk": "low",
            "family": "Grandmother able to care",
        },
    )
    assert (response.status_code, response["Location"]) == (302, f"{base}/#assessments")
    assessment = BestInterestsAssessment.objects.get()
    # and the panel's return decision, saved as a draft
    response = worker.post(
        f"{base}/determinations/",
        {
            "assessment": assessment.pk, "panel": "Guardian; caseworker; psychologist", "options_weighed": ["local_integration", "return"],
            "decision": "return", "reasons": "Grandmother is safe and willing", "decided_on": days(-2).isoformat(),
        },
    )  # fmt: skip
    assert response.status_code == 302
    determination = Determination.objects.get()
    assert determination.status == "draft"
    html = _page(worker, case).content.decode()
    assert "Submit for approval" in html
    assert ">Approve<" not in html
    # then submits it for approval
    response = worker.post(f"{base}/determinations/{determination.pk}/submit/")
    assert response.status_code == 302
    assert ">Approve<" not in _page(worker, case).content.decode()
    # the supervisor sees Approve and Send back, and approves
    supervisor = client_as("supervisor-se")
    html = _page(supervisor, case).content.decode()
    assert ">Approve<" in html
    assert ">Send back<" in html
    response = supervisor.post(f"{base}/determinations/{determination.pk}/approve/", {f"approve-{determination.pk}-note": "Agreed"})
    assert (response.status_code, response["Location"]) == (302, f"{base}/#determination-{determination.pk}")
    determination.refresh_from_db()
    assert (determination.status, determination.decided_by.username) == ("approved", "supervisor-se")
    # the page now shows the current decision and offers the return plan
    html = _page(worker, case).content.decode()
    assert "This is the case's current decision." in html
    assert "Record the return plan" in html
    assert "I miss my grandmother." in html
    # and nobody outside the case sees any of it, in either language
    for username in OUTSIDERS:
        for lang in ("en", "ru"):
            response = _page(client_as(username), case, lang)
            assert response.status_code == 404, (username, lang)
            assert "grandmother" not in response.content.decode().lower()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_page_renders_in_both_languages(lang, case, worker, supervisor, client_as):
    determination = _approved(case, worker, supervisor)
    plan = return_plan_create(
        actor=worker, case=case, determination=determination, receiving_country="LT", receiving_agency="Vilnius agency"
    )
    visit_plan(actor=worker, case=case, plan=plan, planned_on=days(5))
    response = _page(client_as("ncp-se"), case, lang)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'lang="{lang}"' in html
    assert "I want to finish school here." in html
    assert "Vilnius agency" in html
    assert AuditEntry.objects.filter(action="case.view", actor_username="ncp-se", purpose="best interests").count() == 1


def test_the_submitting_supervisor_is_told_to_find_a_second_one_and_gets_no_approve_button(case, supervisor, client_as):
    determination = _determine(case, supervisor, _assess(case, supervisor))
    determination_submit(actor=supervisor, case=case, determination=determination)
    client = client_as("supervisor-se")
    html = _page(client, case).content.decode()
    assert "another supervisor of the case must approve it" in html
    assert ">Approve<" not in html
    # posting anyway is refused with the same message and changes nothing
    response = client.post(f"/en/cases/{case.pk}/best-interests/determinations/{determination.pk}/approve/")
    assert response.status_code == 403
    assert "another supervisor of the case must approve it" in response.content.decode()
    determination.refresh_from_db()
    assert determination.status == "submitted"


def test_the_ncp_sees_the_decision_but_cannot_approve(case, worker, client_as):
    determination = _determine(case, worker, _assess(case, worker))
    determination_submit(actor=worker, case=case, determination=determination)
    client = client_as("ncp-se")
    html = _page(client, case).content.decode()
    assert "Awaiting approval by a supervisor of the case." in html
    assert ">Approve<" not in html
    response = client.post(f"/en/cases/{case.pk}/best-interests/determinations/{determination.pk}/approve/")
    assert response.status_code == 403
    determination.refresh_from_db()
    assert determination.status == "submitted"


def test_a_decision_before_its_assessment_is_refused_on_the_page(case, worker, client_as):
    assessment = _assess(case, worker, on=days(-3))
    response = client_as("caseworker-se").post(
        f"/en/cases/{case.pk}/best-interests/determinations/",
        {
            "assessment": assessment.pk,
            "panel": "P",
            "options_weighed": ["return"],
            "decision": "return",
            "reasons": "R",
            "decided_on": days(-4).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "The decision cannot come before the assessment it rests on" in response.content.decode()
    assert Determination.objects.count() == 0


def test_sending_back_through_the_page_shows_the_reason(case, worker, client_as):
    determination = _determine(case, worker, _assess(case, worker))
    determination_submit(actor=worker, case=case, determination=determination)
    client = client_as("supervisor-se")
    prefix = f"send-back-{determination.pk}"
    empty = client.post(f"/en/cases/{case.pk}/best-interests/determinations/{determination.pk}/send-back/", {f"{prefix}-reason": ""})
    assert empty.status_code == 400
    response = client.post(
        f"/en/cases/{case.pk}/best-interests/determinations/{determination.pk}/send-back/", {f"{prefix}-reason": "Ask the guardian"}
    )
    assert response.status_code == 302
    html = _page(client_as("caseworker-se"), case).content.decode()
    assert "Ask the guardian" in html
    assert "Sent back" in html


def test_a_determination_of_another_case_is_not_found_here(case, worker, supervisor, client_as):
    other = open_case(worker)
    foreign = _determine(other, worker, _assess(other, worker))
    response = client_as("caseworker-se").post(f"/en/cases/{case.pk}/best-interests/determinations/{foreign.pk}/submit/")
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "draft"


# --- API -------------------------------------------------------------------------------------------------


def _post(client, path, body=None, **headers):
    return client.post(path, data=json.dumps(body or {}), content_type="application/json", headers=headers)


def test_the_api_journey_from_assessment_to_follow_up_visit(case, client_as):
    worker, supervisor = client_as("caseworker-se"), client_as("supervisor-se")
    base = f"/api/v1/cases/{case.pk}"
    assessment = _post(
        worker, f"{base}/best-interests/assessments", {"assessed_on": days(-6).isoformat(), "child_views": "I want to go home."}
    )
    assert assessment.status_code == 201
    assert assessment.json()["child_views"] == "I want to go home."
    determination = _post(
        worker,
        f"{base}/best-interests/determinations",
        {
            "assessment_id": assessment.json()["id"], "panel": "Panel", "options_weighed": ["return", "local_integration"],
            "decision": "return", "reasons": "Safe family", "decided_on": days(-5).isoformat(), "review_on": days(60).isoformat(),
        },
    )  # fmt: skip
    assert determination.status_code == 201
    did = determination.json()["id"]
    assert (determination.json()["status"], determination.json()["current"]) == ("draft", False)
    submitted = _post(worker, f"{base}/determinations/{did}/submit")
    assert (submitted.status_code, submitted.json()["status"]) == (200, "submitted")
    approved = _post(supervisor, f"{base}/determinations/{did}/approve", {"note": "ok"})
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["decided_by"], approved.json()["current"]) == ("approved", "supervisor-se", True)
    plan = _post(
        worker,
        f"{base}/determinations/{did}/return-plan",
        {"receiving_country": "LT", "receiving_agency": "Agency", "travel_on": days(-4).isoformat()},
    )
    assert plan.status_code == 201
    visit = _post(worker, f"{base}/return-plans/{plan.json()['id']}/visits", {"planned_on": days(-2).isoformat()})
    assert visit.status_code == 201
    etag = worker.get(f"{base}/best-interests")["ETag"]
    result = _post(
        worker,
        f"{base}/follow-up-visits/{visit.json()['id']}/result",
        {"visited_on": days(-1).isoformat(), "result": "Well"},
        **{"If-Match": etag},
    )
    assert (result.status_code, result.json()["result"]) == (200, "Well")
    read = worker.get(f"{base}/best-interests").json()
    assert read["current"]["id"] == did
    assert read["current"]["return_plan"]["visits"][0]["result"] == "Well"


def test_the_api_refuses_a_decision_before_its_assessment_with_the_field(case, worker, client_as):
    assessment = _assess(case, worker, on=days(-3))
    response = _post(
        client_as("caseworker-se"),
        f"/api/v1/cases/{case.pk}/best-interests/determinations",
        {
            "assessment_id": assessment.pk,
            "panel": "P",
            "options_weighed": ["return"],
            "decision": "return",
            "reasons": "R",
            "decided_on": days(-4).isoformat(),
        },
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["decided_on"]
    assert Determination.objects.count() == 0


def test_the_api_refuses_unknown_codes_with_the_field(case, worker, client_as):
    assessment = _assess(case, worker)
    response = _post(
        client_as("caseworker-se"),
        f"/api/v1/cases/{case.pk}/best-interests/determinations",
        {
            "assessment_id": assessment.pk,
            "panel": "P",
            "options_weighed": ["adoption"],
            "decision": "return",
            "reasons": "R",
            "decided_on": days(-1).isoformat(),
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "options_weighed.0"
    risky = _post(
        client_as("caseworker-se"),
        f"/api/v1/cases/{case.pk}/best-interests/assessments",
        {"assessed_on": "2026-01-01", "child_views": "x", "re_trafficking_risk": "critical"},
    )
    assert (risky.status_code, risky.json()["errors"][0]["field"]) == (422, "re_trafficking_risk")


def test_the_api_refuses_self_approval_and_non_supervisors(case, supervisor, client_as):
    determination = _determine(case, supervisor, _assess(case, supervisor))
    determination_submit(actor=supervisor, case=case, determination=determination)
    path = f"/api/v1/cases/{case.pk}/determinations/{determination.pk}/approve"
    own = _post(client_as("supervisor-se"), path)
    ncp = _post(client_as("ncp-se"), path)
    outsider = _post(client_as("ncp-lt"), path)
    assert (own.status_code, own.json()["code"]) == (403, "second_person_required")
    assert (ncp.status_code, ncp.json()["code"]) == (403, "forbidden")
    assert (outsider.status_code, outsider.json()["code"]) == (404, "not_found")
    determination.refresh_from_db()
    assert determination.status == "submitted"


def test_the_api_says_409_for_a_step_the_status_does_not_allow(case, worker, supervisor, client_as):
    determination = _determine(case, worker, _assess(case, worker))
    response = _post(client_as("supervisor-se"), f"/api/v1/cases/{case.pk}/determinations/{determination.pk}/approve")
    assert (response.status_code, response.json()["code"]) == (409, "wrong_status")
    plan = _post(
        client_as("caseworker-se"),
        f"/api/v1/cases/{case.pk}/determinations/{determination.pk}/return-plan",
        {"receiving_country": "LT", "receiving_agency": "A"},
    )
    assert (plan.status_code, plan.json()["code"]) == (409, "wrong_status")


@pytest.mark.parametrize("username", OUTSIDERS)
def test_the_api_is_404_for_outsiders(username, case, worker, client_as):
    _assess(case, worker)
    client = client_as(username)
    read = client.get(f"/api/v1/cases/{case.pk}/best-interests")
    write = _post(client, f"/api/v1/cases/{case.pk}/best-interests/assessments", {"assessed_on": "2026-01-01", "child_views": "x"})
    assert (read.status_code, write.status_code) == (404, 404)
    assert "finish school" not in read.content.decode()
    assert BestInterestsAssessment.objects.count() == 1


# --- Object rows of the permission matrix -------------------------------------------------------------

# How far each object row needs the case to have gone before the request.
STAGES = {
    "cases:best_interests_determination_add": "assessment",
    "cases:best_interests_submit": "draft",
    "cases:best_interests_approve": "submitted",
    "cases:best_interests_send_back": "submitted",
    "cases:best_interests_return_plan": "approved",
    "cases:best_interests_visit_add": "plan",
    "cases:best_interests_visit_record": "visit",
    "POST /cases/{case_id}/best-interests/determinations": "assessment",
    "POST /cases/{case_id}/determinations/{determination_id}/submit": "draft",
    "POST /cases/{case_id}/determinations/{determination_id}/approve": "submitted",
    "POST /cases/{case_id}/determinations/{determination_id}/send-back": "submitted",
    "POST /cases/{case_id}/determinations/{determination_id}/return-plan": "approved",
    "POST /cases/{case_id}/return-plans/{plan_id}/visits": "plan",
    "POST /cases/{case_id}/follow-up-visits/{visit_id}/result": "visit",
}
ORDER = ["assessment", "draft", "submitted", "approved", "plan", "visit"]
BI_OBJECT_ROWS = {**{k: v for k, v in BI_PAGES.items() if v.objects}, **{k: v for k, v in BI_API.items() if v.objects}}


def test_every_object_row_has_a_stage():
    assert sorted(BI_OBJECT_ROWS) == sorted(STAGES)


@pytest.mark.parametrize("name", sorted(STAGES))
def test_best_interests_object_rows(name, client_as, demo_users):
    worker, supervisor = demo_users["caseworker-se"], demo_users["supervisor-se"]
    stage = ORDER.index(STAGES[name])

    def make():
        from datetime import date

        case = open_case(worker)
        values: dict[str, Any] = {}
        assessment = _assess(case, worker, on=date(2026, 1, 10))
        values["assessment"] = assessment.pk
        if stage >= ORDER.index("draft"):
            determination = _determine(case, worker, assessment, decided_on=date(2026, 1, 12))
            values["determination"] = determination.pk
        if stage >= ORDER.index("submitted"):
            determination_submit(actor=worker, case=case, determination=determination)
        if stage >= ORDER.index("approved"):
            determination_approve(actor=supervisor, case=case, determination=determination)
        if stage >= ORDER.index("plan"):
            plan = return_plan_create(actor=worker, case=case, determination=determination, receiving_country="LT", receiving_agency="A")
            values["plan"] = plan.pk
        if stage >= ORDER.index("visit"):
            values["visit"] = visit_plan(actor=worker, case=case, plan=plan, planned_on=date(2026, 1, 20)).pk
        version = _version(case)
        return case, {"case": case.pk, "version": version, "etag": f'W/"{case.pk}-{version}"', **values}

    def state(case):
        return (
            _version(case),
            _audit(case),
            list(Determination.objects.filter(case=case).values_list("status", flat=True)),
            FollowUpVisit.objects.filter(visited_on__isnull=False).count(),
        )

    check_object_row(BI_OBJECT_ROWS[name], make, state, client_as)
