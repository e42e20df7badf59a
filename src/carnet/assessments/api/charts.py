"""After the reading through the API: the star chart's data, the action plan, my open risk alerts, handling one.

No `from __future__ import annotations`: ninja reads the annotations at import time.
A case one may not see is 404, one one may see but not edit is 403; bad input is 422 with
``errors: [{field, reason}]``.
"""

import uuid
from datetime import date, datetime
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from carnet.accounts.models import User
from carnet.assessments.models import RiskAlert
from carnet.assessments.policies import AssessmentAction, AssessmentPolicy
from carnet.assessments.selectors import (
    PlanItemView,
    alert_get_for,
    alert_view,
    chart_of,
    open_alerts_for,
    plan_of,
)
from carnet.assessments.services_plans import alert_handle, plan_item_add
from carnet.cases.api.care import invalid
from carnet.cases.models import Case
from carnet.cases.selectors import case_get_for

router = Router()


# --- Schemas ----------------------------------------------------------------------------


class ChartDomainOut(Schema):
    key: str
    name: str


class ChartAnswerOut(Schema):
    domain_key: str
    respondent: str
    score: int | None = Field(description="null when the respondent did not want to say")
    statement: str
    declined: bool
    wished_score: int | None


class ChartReadingOut(Schema):
    id: uuid.UUID
    taken_on: date
    instrument: str
    version: int
    mode: str
    scores: dict[str, int | None] = Field(description="The chart's score per domain key: the child's view first; null is a gap")
    answers: list[ChartAnswerOut]


class DistanceOut(Schema):
    domain_key: str
    first_score: int | None
    first_on: date | None
    latest_score: int | None
    latest_on: date | None
    change: int | None = Field(description="latest minus first; null with fewer than two answers")


class ChartOut(Schema):
    case_id: uuid.UUID
    number: str
    pseudonym: str
    max_score: int
    domains: list[ChartDomainOut]
    readings: list[ChartReadingOut] = Field(description="Every complete reading, oldest first")
    distance_travelled: list[DistanceOut]


class PlanItemOut(Schema):
    id: int
    domain_key: str
    wants_to_change: str | None = Field(description="Decrypted; null only if the case was anonymised")
    next_steps: str | None
    who_helps: str
    review_on: date | None
    done_on: date | None
    review_overdue: bool
    created_at: datetime


class PlanItemIn(Schema):
    domain_key: str = Field(min_length=1, max_length=50)
    wants_to_change: str = Field(min_length=1, max_length=2000)
    next_steps: str = Field("", max_length=2000)
    who_helps: str = Field("", max_length=200)
    review_on: date | None = None


class AlertOut(Schema):
    id: int
    case_id: uuid.UUID
    case_number: str
    pseudonym: str
    reading_id: uuid.UUID
    taken_on: date
    domain_key: str
    domain: str
    level_score: int
    statement: str
    raised_at: datetime
    handled_at: datetime | None
    handled_by: str | None


class AlertHandleIn(Schema):
    note: str = Field(min_length=1, max_length=5000)


# --- Helpers --------------------------------------------------------------------------------


def _case(request: HttpRequest, case_id: uuid.UUID, purpose: str, *, edit: bool = False) -> Case:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose=purpose)
    action = AssessmentAction.TAKE_READING if edit else AssessmentAction.VIEW_READINGS
    if not AssessmentPolicy.can(request.user, action, case):
        raise PermissionDenied
    return case


def _item(view: PlanItemView) -> PlanItemOut:
    item = view.item
    return PlanItemOut(
        id=item.pk,
        domain_key=item.domain_key,
        wants_to_change=view.wants_to_change,
        next_steps=view.next_steps,
        who_helps=item.who_helps,
        review_on=item.review_on,
        done_on=item.done_on,
        review_overdue=view.overdue,
        created_at=item.created_at,
    )


def _alert(alert: RiskAlert) -> AlertOut:
    view = alert_view(alert)
    return AlertOut(
        id=alert.pk,
        case_id=alert.case_id,
        case_number=alert.case.number,
        pseudonym=alert.case.child.pseudonym,
        reading_id=alert.reading_id,
        taken_on=alert.reading.taken_on,
        domain_key=alert.domain.key,
        domain=view.domain,
        level_score=alert.level.score,
        statement=view.statement,
        raised_at=alert.raised_at,
        handled_at=alert.handled_at,
        handled_by=alert.handled_by.get_username() if alert.handled_by else None,
    )


# --- Operations ---------------------------------------------------------------------------


@router.get("/cases/{case_id}/chart", response=ChartOut, summary="The star chart's data: domains, readings, scores, distance travelled")
def chart_read(request: HttpRequest, case_id: uuid.UUID) -> ChartOut:
    case = _case(request, case_id, "api: star chart")
    chart = chart_of(actor=request.user, case=case, shown=0)
    readings = []
    for n, view in enumerate(chart.readings):
        answers = [
            ChartAnswerOut(
                domain_key=domain.key,
                respondent=answer.respondent,
                score=answer.score,
                statement=answer.statement,
                declined=answer.declined,
                wished_score=answer.wished_score,
            )
            for domain in chart.domains
            for answer in domain.all_cells[n].answers
        ]
        readings.append(
            ChartReadingOut(
                id=view.reading.pk,
                taken_on=view.taken_on,
                instrument=view.instrument,
                version=view.version_number,
                mode=view.mode,
                scores={domain.key: domain.scores[n] for domain in chart.domains},
                answers=answers,
            )
        )
    return ChartOut(
        case_id=case.pk,
        number=case.number,
        pseudonym=case.child.pseudonym,
        max_score=chart.max_score,
        domains=[ChartDomainOut(key=d.key, name=d.name) for d in chart.domains],
        readings=readings,
        distance_travelled=[
            DistanceOut(
                domain_key=d.key,
                first_score=d.first_score,
                first_on=d.first_on,
                latest_score=d.latest_score,
                latest_on=d.latest_on,
                change=d.change,
            )
            for d in chart.domains
        ],
    )


@router.get("/cases/{case_id}/action-plan", response=list[PlanItemOut], summary="The action plan, per domain")
def plan_read(request: HttpRequest, case_id: uuid.UUID) -> list[PlanItemOut]:
    case = _case(request, case_id, "api: action plan")
    return [_item(view) for domain in plan_of(actor=request.user, case=case) for view in domain.items]


@router.post("/cases/{case_id}/action-plan", response={201: PlanItemOut}, summary="Add to the action plan of a domain")
def plan_add(request: HttpRequest, case_id: uuid.UUID, payload: PlanItemIn) -> Status[PlanItemOut]:
    case = _case(request, case_id, "api: action plan add", edit=True)
    try:
        item = plan_item_add(actor=cast(User, request.user), case=case, **payload.model_dump())
    except ValidationError as error:
        raise invalid(error) from error
    view = next(v for d in plan_of(actor=request.user, case=case) for v in d.items if v.item.pk == item.pk)
    return Status(201, _item(view))


@router.get("/alerts", response=list[AlertOut], summary="My open risk alerts (cases I own), newest first")
def alerts_mine(request: HttpRequest) -> list[AlertOut]:
    return [_alert(alert) for alert in open_alerts_for(request.user)]


@router.post("/alerts/{alert_id}/handle", response=AlertOut, summary="Handle a risk alert by writing a safety note")
def alert_handle_op(request: HttpRequest, alert_id: int, payload: AlertHandleIn) -> AlertOut:
    alert = alert_get_for(actor=request.user, alert_id=alert_id)
    try:
        handled = alert_handle(actor=cast(User, request.user), alert=alert, note=payload.note)
    except ValidationError as error:
        raise invalid(error) from error
    handled = alert_get_for(actor=request.user, alert_id=handled.pk)
    return _alert(handled)
