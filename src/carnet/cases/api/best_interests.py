"""Best interests through the API: assessments, determinations and their approval, return plans and follow-up visits.

No `from __future__ import annotations`: ninja reads the annotations at import time.
A case one may not see is 404; one may see but not edit (or, for approving, not supervise) is
403, and so is approving or sending back one's own submission (code ``second_person_required``);
a step the decision's status does not allow is 409 (``wrong_status``); bad input is 422 with
``errors: [{field, reason}]``.
"""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from carnet.accounts.models import User
from carnet.cases.api.care import editable_case, etag, expected_version, invalid
from carnet.cases.models import Case, Determination, FollowUpVisit, ReturnPlan
from carnet.cases.models.codes import DecisionStatus, DurableSolution
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.cases.selectors import case_get_for
from carnet.cases.services_best_interests import (
    AssessmentTexts,
    AssessmentView,
    DeterminationView,
    assessment_record,
    best_interests_of,
    determination_approve,
    determination_record,
    determination_send_back,
    determination_submit,
    return_plan_create,
    visit_plan,
    visit_record,
)

router = Router()


class ReTraffickingRisk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


# --- Schemas ----------------------------------------------------------------------------


class AssessmentTextsSchema(Schema):
    child_views: str = Field(min_length=1, max_length=10000, description="The child's views, in their own words")
    family: str = Field("", max_length=10000, description="Family assessment")
    safety: str = Field("", max_length=10000, description="Safety and risk of re-trafficking in the country of origin")
    care_at_origin: str = Field("", max_length=10000, description="Care available in the country of origin")
    education_health: str = Field("", max_length=10000, description="Education and health")
    guardian_opinion: str = Field("", max_length=10000, description="The guardian's opinion")


class AssessmentIn(AssessmentTextsSchema):
    assessed_on: date
    re_trafficking_risk: ReTraffickingRisk | None = None


class AssessmentOut(Schema):
    id: int
    assessed_on: date
    re_trafficking_risk: str
    assessed_by: str
    child_views: str | None
    family: str | None
    safety: str | None
    care_at_origin: str | None
    education_health: str | None
    guardian_opinion: str | None


class VisitOut(Schema):
    id: int
    planned_on: date
    visited_on: date | None
    result: str | None


class ReturnPlanOut(Schema):
    id: int
    determination_id: int
    receiving_country: str
    receiving_agency: str
    escort: str
    travel_on: date | None
    visits: list[VisitOut]


class DeterminationOut(Schema):
    id: int
    assessment_id: int
    panel: str
    options_weighed: list[DurableSolution]
    decision: DurableSolution
    reasons: str | None
    decided_on: date
    review_on: date | None
    appeal: str
    status: DecisionStatus
    submitted_by: str
    decided_by: str | None
    decided_at: datetime | None
    sent_back_reason: str
    current: bool = Field(description="True only for the approved determination that is the case's current decision")
    return_plan: ReturnPlanOut | None


class BestInterestsOut(Schema):
    case_id: uuid.UUID
    version: int
    current: DeterminationOut | None
    assessments: list[AssessmentOut]
    determinations: list[DeterminationOut]


class DeterminationIn(Schema):
    assessment_id: int
    panel: str = Field(min_length=1, max_length=500)
    options_weighed: list[DurableSolution] = Field(min_length=1, max_length=3)
    decision: DurableSolution
    reasons: str = Field(min_length=1, max_length=10000)
    decided_on: date
    review_on: date | None = None
    appeal: str = Field("", max_length=500)


class ApproveIn(Schema):
    note: str = Field("", max_length=300)


class SendBackIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class ReturnPlanIn(Schema):
    receiving_country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    receiving_agency: str = Field(min_length=1, max_length=200)
    escort: str = Field("", max_length=200)
    travel_on: date | None = None


class VisitIn(Schema):
    planned_on: date


class VisitResultIn(Schema):
    visited_on: date
    result: str = Field(min_length=1, max_length=10000)


def _assessment(view: AssessmentView) -> AssessmentOut:
    a = view.assessment
    texts = {name: text for name, _label, text in view.texts}
    return AssessmentOut(
        id=a.pk, assessed_on=a.assessed_on, re_trafficking_risk=a.re_trafficking_risk, assessed_by=a.assessed_by.get_username(), **texts
    )


def _plan(plan: ReturnPlan, view: DeterminationView) -> ReturnPlanOut:
    return ReturnPlanOut(
        id=plan.pk,
        determination_id=plan.determination_id,
        receiving_country=plan.receiving_country,
        receiving_agency=plan.receiving_agency,
        escort=plan.escort,
        travel_on=plan.travel_on,
        visits=[
            VisitOut(id=v.visit.pk, planned_on=v.visit.planned_on, visited_on=v.visit.visited_on, result=v.result) for v in view.visits
        ],
    )


def _determination(view: DeterminationView) -> DeterminationOut:
    d = view.determination
    return DeterminationOut(
        id=d.pk,
        assessment_id=d.assessment_id,
        panel=d.panel,
        options_weighed=[DurableSolution(v) for v in d.options_weighed],
        decision=DurableSolution(d.decision),
        reasons=view.reasons,
        decided_on=d.decided_on,
        review_on=d.review_on,
        appeal=d.appeal,
        status=DecisionStatus(d.status),
        submitted_by=d.submitted_by.get_username(),
        decided_by=d.decided_by.get_username() if d.decided_by else None,
        decided_at=d.decided_at,
        sent_back_reason=d.sent_back_reason,
        current=view.current,
        return_plan=_plan(view.return_plan, view) if view.return_plan else None,
    )


def _one(case: Case, determination_id: int) -> DeterminationOut:
    view = next(v for v in best_interests_of(case).determinations if v.determination.pk == determination_id)
    return _determination(view)


def _find_determination(case: Case, determination_id: int) -> None:
    if not Determination.objects.filter(pk=determination_id, case=case).exists():
        raise Http404


# --- Operations ---------------------------------------------------------------------------


@router.get("/cases/{case_id}/best-interests", response=BestInterestsOut, summary="Read assessments, determinations and return plans")
def best_interests_read(request: HttpRequest, case_id: uuid.UUID, response: HttpResponse) -> BestInterestsOut:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="api: best interests")
    data = best_interests_of(case)
    response["ETag"] = etag(case)
    return BestInterestsOut(
        case_id=case.pk,
        version=case.version,
        current=_determination(data.current) if data.current else None,
        assessments=[_assessment(a) for a in data.assessments],
        determinations=[_determination(d) for d in data.determinations],
    )


@router.post("/cases/{case_id}/best-interests/assessments", response={201: AssessmentOut}, summary="Record a best-interests assessment")
def best_interests_assessment_add(request: HttpRequest, case_id: uuid.UUID, payload: AssessmentIn) -> Status[AssessmentOut]:
    case = editable_case(request, case_id, "api: best-interests assessment")
    texts = AssessmentTexts(**payload.model_dump(include=set(AssessmentTextsSchema.model_fields)))
    try:
        assessment = assessment_record(
            actor=cast(User, request.user),
            case=case,
            assessed_on=payload.assessed_on,
            texts=texts,
            re_trafficking_risk=payload.re_trafficking_risk.value if payload.re_trafficking_risk else "",
        )
    except ValidationError as error:
        raise invalid(error) from error
    view = next(v for v in best_interests_of(case).assessments if v.assessment.pk == assessment.pk)
    return Status(201, _assessment(view))


@router.post(
    "/cases/{case_id}/best-interests/determinations",
    response={201: DeterminationOut},
    summary="Record the panel's determination (a draft until submitted and approved)",
)
def best_interests_determination_add(request: HttpRequest, case_id: uuid.UUID, payload: DeterminationIn) -> Status[DeterminationOut]:
    case = editable_case(request, case_id, "api: best-interests determination")
    data = payload.model_dump()
    data["assessment"] = data.pop("assessment_id")
    try:
        determination = determination_record(actor=cast(User, request.user), case=case, **data)
    except ValidationError as error:
        raise invalid(error, {"assessment": "assessment_id"}) from error
    return Status(201, _one(case, determination.pk))


@router.post("/cases/{case_id}/determinations/{determination_id}/submit", response=DeterminationOut, summary="Submit a draft for approval")
def determination_submit_op(request: HttpRequest, case_id: uuid.UUID, determination_id: int) -> DeterminationOut:
    case = editable_case(request, case_id, "api: submit determination")
    _find_determination(case, determination_id)
    determination_submit(actor=cast(User, request.user), case=case, determination=determination_id)
    return _one(case, determination_id)


def _approving_case(request: HttpRequest, case_id: uuid.UUID, determination_id: int, purpose: str) -> Case:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose=purpose)
    if not CasePolicy.can(request.user, CaseAction.APPROVE, case):
        raise PermissionDenied
    _find_determination(case, determination_id)
    return case


@router.post(
    "/cases/{case_id}/determinations/{determination_id}/approve",
    response=DeterminationOut,
    summary="Approve a submitted determination (a supervisor of the case other than its submitter)",
)
def determination_approve_op(request: HttpRequest, case_id: uuid.UUID, determination_id: int, payload: ApproveIn) -> DeterminationOut:
    case = _approving_case(request, case_id, determination_id, "api: approve determination")
    determination_approve(actor=cast(User, request.user), case=case, determination=determination_id, note=payload.note)
    return _one(case, determination_id)


@router.post(
    "/cases/{case_id}/determinations/{determination_id}/send-back",
    response=DeterminationOut,
    summary="Send a submitted determination back, with a reason",
)
def determination_send_back_op(request: HttpRequest, case_id: uuid.UUID, determination_id: int, payload: SendBackIn) -> DeterminationOut:
    case = _approving_case(request, case_id, determination_id, "api: send back determination")
    try:
        determination_send_back(actor=cast(User, request.user), case=case, determination=determination_id, reason=payload.reason)
    except ValidationError as error:
        raise invalid(error) from error
    return _one(case, determination_id)


@router.post(
    "/cases/{case_id}/determinations/{determination_id}/return-plan",
    response={201: ReturnPlanOut},
    summary="Plan the return ordered by the case's current, approved decision",
)
def return_plan_add(request: HttpRequest, case_id: uuid.UUID, determination_id: int, payload: ReturnPlanIn) -> Status[ReturnPlanOut]:
    case = editable_case(request, case_id, "api: return plan")
    _find_determination(case, determination_id)
    try:
        plan = return_plan_create(actor=cast(User, request.user), case=case, determination=determination_id, **payload.model_dump())
    except ValidationError as error:
        raise invalid(error) from error
    view = next(v for v in best_interests_of(case).determinations if v.determination.pk == determination_id)
    return Status(201, _plan(plan, view))


@router.post("/cases/{case_id}/return-plans/{plan_id}/visits", response={201: VisitOut}, summary="Plan a follow-up visit after the return")
def visit_add(request: HttpRequest, case_id: uuid.UUID, plan_id: int, payload: VisitIn) -> Status[VisitOut]:
    case = editable_case(request, case_id, "api: follow-up visit")
    if not ReturnPlan.objects.filter(pk=plan_id, determination__case=case).exists():
        raise Http404
    try:
        visit = visit_plan(actor=cast(User, request.user), case=case, plan=plan_id, planned_on=payload.planned_on)
    except ValidationError as error:
        raise invalid(error) from error
    return Status(201, VisitOut(id=visit.pk, planned_on=visit.planned_on, visited_on=None, result=None))


@router.post(
    "/cases/{case_id}/follow-up-visits/{visit_id}/result",
    response=VisitOut,
    summary="Record that a follow-up visit took place and what it found (If-Match required)",
)
def visit_result(request: HttpRequest, case_id: uuid.UUID, visit_id: int, payload: VisitResultIn, response: HttpResponse) -> VisitOut:
    case = editable_case(request, case_id, "api: follow-up visit")
    if not FollowUpVisit.objects.filter(pk=visit_id, return_plan__determination__case=case).exists():
        raise Http404
    version = expected_version(request, case)
    try:
        visit = visit_record(
            actor=cast(User, request.user),
            case=case,
            visit=visit_id,
            visited_on=payload.visited_on,
            result=payload.result,
            expected_version=version,
        )
    except ValidationError as error:
        raise invalid(error) from error
    response["ETag"] = etag(case)
    return VisitOut(id=visit.pk, planned_on=visit.planned_on, visited_on=visit.visited_on, result=payload.result.strip())
