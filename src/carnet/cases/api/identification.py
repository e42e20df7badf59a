"""The identification section through the API: read it whole; add status decisions, forms of exploitation and
places on the route; replace the recruitment-and-control profile (If-Match); answer the indicator checklist.

No `from __future__ import annotations`: ninja reads the annotations at import time.
"""

import uuid
from datetime import date, datetime
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from carnet.accounts.models import User
from carnet.cases.errors import InvalidCaseData, StaleVersion
from carnet.cases.models import Case, Exploitation, Identification, RouteLeg, StatusDecision
from carnet.cases.models.codes import (
    CriminalitySubtype,
    ExploitationType,
    IndicatorAnswer,
    MeansOfControl,
    Recruitment,
    Relationship,
    RouteStage,
    TraffickingStatus,
)
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.cases.selectors import case_get_for
from carnet.cases.services_identification import (
    IdentificationSection,
    IndicatorSummary,
    exploitation_add,
    exploitation_remove,
    identification_section,
    identification_update,
    indicators_answer,
    profile_of,
    route_leg_add,
    route_leg_remove,
    status_decision_add,
)
from carnet.core.errors import DomainError

router = Router()

PURPOSE = "identification"
NOT_A_SCORE = "A summary of the worker's answers, not a score: it does not decide whether the child is a victim of trafficking."


class StatusDecisionIn(Schema):
    status: TraffickingStatus
    deciding_organisation: str = Field(min_length=1, max_length=200)
    decided_on: date
    note: str = Field("", max_length=500)


class StatusDecisionOut(Schema):
    id: int
    status: TraffickingStatus
    deciding_organisation: str
    decided_on: date
    note: str
    recorded_by: str
    recorded_at: datetime


class ExploitationIn(Schema):
    kind: ExploitationType
    criminality_subtype: CriminalitySubtype | None = Field(None, description="Required when kind is criminality; empty otherwise.")
    country: str = Field("", max_length=2, description="Two-letter code (ISO 3166-1).")
    started_on: date | None = None
    ended_on: date | None = None
    non_punishment_considered: bool = False
    non_punishment_note: str = Field("", max_length=500)


class ExploitationOut(Schema):
    id: int
    kind: ExploitationType
    criminality_subtype: str
    country: str
    started_on: date | None
    ended_on: date | None
    non_punishment_considered: bool
    non_punishment_note: str


class ProfileIn(Schema):
    recruitment: Recruitment = Recruitment.UNKNOWN
    relationship: Relationship = Relationship.UNKNOWN
    means_of_control: list[MeansOfControl] = Field(default_factory=list, max_length=len(MeansOfControl.values))


class ProfileOut(Schema):
    recruitment: Recruitment
    relationship: Relationship
    means_of_control: list[str]
    version: int


class RouteLegIn(Schema):
    stage: RouteStage
    country: str = Field(min_length=2, max_length=2, description="Two-letter code (ISO 3166-1).")
    city: str = Field("", max_length=100)
    on: date | None = None


class RouteLegOut(Schema):
    id: int
    stage: RouteStage
    country: str
    city: str
    on: date | None


class IndicatorOut(Schema):
    code: str
    dimension: str
    strength: str
    text: str
    answer: IndicatorAnswer


class IndicatorAnswersIn(Schema):
    answers: dict[str, IndicatorAnswer] = Field(
        description="Indicator code -> present, absent or unknown. Indicators not named keep their answer."
    )


class IndicatorAnswersOut(Schema):
    changed: int


class DimensionSummaryOut(Schema):
    dimension: str
    label: str
    total: int
    strong_present: int
    medium_present: int
    weak_present: int
    absent: int
    unknown: int


class SummaryOut(Schema):
    note: str
    sentences: list[str]
    dimensions_with_strong_indicators: int
    dimensions_with_any_indicator: int
    answered: int
    total: int
    dimensions: list[DimensionSummaryOut]


class IdentificationOut(Schema):
    current_status: StatusDecisionOut | None
    status_history: list[StatusDecisionOut]
    exploitations: list[ExploitationOut]
    profile: ProfileOut
    route: list[RouteLegOut]
    indicators: list[IndicatorOut]
    summary: SummaryOut


def _decision(decision: StatusDecision) -> StatusDecisionOut:
    return StatusDecisionOut(
        id=decision.pk,
        status=TraffickingStatus(decision.status),
        deciding_organisation=decision.deciding_organisation,
        decided_on=decision.decided_on,
        note=decision.note,
        recorded_by=decision.recorded_by.get_username(),
        recorded_at=decision.recorded_at,
    )


def _exploitation(exploitation: Exploitation) -> ExploitationOut:
    return ExploitationOut(
        id=exploitation.pk,
        kind=ExploitationType(exploitation.kind),
        criminality_subtype=exploitation.criminality_subtype,
        country=exploitation.country,
        started_on=exploitation.started_on,
        ended_on=exploitation.ended_on,
        non_punishment_considered=exploitation.non_punishment_considered,
        non_punishment_note=exploitation.non_punishment_note,
    )


def _profile(profile: Identification) -> ProfileOut:
    return ProfileOut(
        recruitment=Recruitment(profile.recruitment),
        relationship=Relationship(profile.relationship),
        means_of_control=list(profile.means_of_control),
        version=profile.version,
    )


def _leg(leg: RouteLeg) -> RouteLegOut:
    return RouteLegOut(id=leg.pk, stage=RouteStage(leg.stage), country=leg.country, city=leg.city, on=leg.on)


def _summary(summary: IndicatorSummary) -> SummaryOut:
    return SummaryOut(
        note=NOT_A_SCORE,
        sentences=summary.sentences,
        dimensions_with_strong_indicators=summary.with_strong,
        dimensions_with_any_indicator=summary.with_any,
        answered=summary.answered,
        total=summary.total,
        dimensions=[
            DimensionSummaryOut(
                dimension=d.dimension,
                label=d.label,
                total=d.total,
                strong_present=d.present["strong"],
                medium_present=d.present["medium"],
                weak_present=d.present["weak"],
                absent=d.absent,
                unknown=d.unknown,
            )
            for d in summary.dimensions
        ],
    )


def _section(section: IdentificationSection) -> IdentificationOut:
    current = section.current_status
    return IdentificationOut(
        current_status=_decision(current) if current else None,
        status_history=[_decision(d) for d in section.status_history],
        exploitations=[_exploitation(e) for e in section.exploitations],
        profile=_profile(section.profile),
        route=[_leg(leg) for leg in section.route],
        indicators=[
            IndicatorOut(
                code=item.indicator.code,
                dimension=item.indicator.dimension,
                strength=item.indicator.strength,
                text=str(item.indicator),
                answer=IndicatorAnswer(item.answer),
            )
            for item in section.checklist
        ],
        summary=_summary(section.summary),
    )


def _editable(request: HttpRequest, case_id: uuid.UUID) -> Case:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose=PURPOSE)
    if not CasePolicy.can(request.user, CaseAction.EDIT, case):
        raise PermissionDenied
    return case


def _invalid(error: ValidationError) -> DomainError:
    """Input that parsed but breaks a rule of the case file: 422 with every field's message."""
    detail = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return InvalidCaseData(detail).with_status(422)


def _etag(case: Case, profile: Identification) -> str:
    return f'W/"identification-{case.pk}-{profile.version}"'


def _expected_profile_version(request: HttpRequest, case: Case) -> int:
    """If-Match is required to replace the profile: 428 without it, 412 when it names an older version."""
    profile = profile_of(case)
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise DomainError("Send If-Match with the ETag of the identification you are changing.", code="precondition_required").with_status(
            428
        )
    if header != _etag(case, profile) and header != "*":
        raise StaleVersion("The identification changed since you read it: read it again.", current_version=profile.version).with_status(412)
    return profile.version


@router.get(
    "/cases/{case_id}/identification", response=IdentificationOut, summary="Read the identification section (ETag: the profile's version)"
)
def identification_read(request: HttpRequest, case_id: uuid.UUID, response: HttpResponse) -> IdentificationOut:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose=PURPOSE)
    section = identification_section(case)
    response["ETag"] = _etag(case, section.profile)
    return _section(section)


@router.post(
    "/cases/{case_id}/identification/status-decisions", response={201: StatusDecisionOut}, summary="Record a trafficking status decision"
)
def status_decision_create(request: HttpRequest, case_id: uuid.UUID, payload: StatusDecisionIn) -> Status[StatusDecisionOut]:
    case = _editable(request, case_id)
    try:
        decision = status_decision_add(actor=cast(User, request.user), case=case, **payload.model_dump())
    except ValidationError as error:
        raise _invalid(error) from error
    return Status(201, _decision(decision))


@router.post("/cases/{case_id}/identification/exploitations", response={201: ExploitationOut}, summary="Record a form of exploitation")
def exploitation_create(request: HttpRequest, case_id: uuid.UUID, payload: ExploitationIn) -> Status[ExploitationOut]:
    case = _editable(request, case_id)
    data: dict[str, Any] = payload.model_dump()
    data["criminality_subtype"] = data["criminality_subtype"] or ""
    try:
        exploitation = exploitation_add(actor=cast(User, request.user), case=case, **data)
    except ValidationError as error:
        raise _invalid(error) from error
    return Status(201, _exploitation(exploitation))


@router.delete(
    "/cases/{case_id}/identification/exploitations/{exploitation_id}", response={204: None}, summary="Remove a form of exploitation"
)
def exploitation_delete(request: HttpRequest, case_id: uuid.UUID, exploitation_id: int) -> Status[None]:
    case = _editable(request, case_id)
    try:
        exploitation_remove(actor=cast(User, request.user), case=case, exploitation_id=exploitation_id)
    except Exploitation.DoesNotExist as missing:
        raise Http404 from missing
    return Status(204, None)


@router.put(
    "/cases/{case_id}/identification/profile",
    response=ProfileOut,
    summary="Replace recruitment, relationship and means of control (If-Match required)",
)
def profile_update(request: HttpRequest, case_id: uuid.UUID, payload: ProfileIn, response: HttpResponse) -> ProfileOut:
    case = _editable(request, case_id)
    version = _expected_profile_version(request, case)
    try:
        profile = identification_update(
            actor=cast(User, request.user),
            case=case,
            recruitment=payload.recruitment,
            relationship=payload.relationship,
            means_of_control=[str(code) for code in payload.means_of_control],
            expected_version=version,
        )
    except ValidationError as error:
        raise _invalid(error) from error
    response["ETag"] = _etag(case, profile)
    return _profile(profile)


@router.post("/cases/{case_id}/identification/route", response={201: RouteLegOut}, summary="Add a place on the child's route")
def route_create(request: HttpRequest, case_id: uuid.UUID, payload: RouteLegIn) -> Status[RouteLegOut]:
    case = _editable(request, case_id)
    try:
        leg = route_leg_add(actor=cast(User, request.user), case=case, **payload.model_dump())
    except ValidationError as error:
        raise _invalid(error) from error
    return Status(201, _leg(leg))


@router.delete("/cases/{case_id}/identification/route/{leg_id}", response={204: None}, summary="Remove a place from the route")
def route_delete(request: HttpRequest, case_id: uuid.UUID, leg_id: int) -> Status[None]:
    case = _editable(request, case_id)
    try:
        route_leg_remove(actor=cast(User, request.user), case=case, leg_id=leg_id)
    except RouteLeg.DoesNotExist as missing:
        raise Http404 from missing
    return Status(204, None)


@router.put(
    "/cases/{case_id}/identification/indicators",
    response=IndicatorAnswersOut,
    summary="Answer indicators of the checklist (all or nothing)",
)
def indicators_update(request: HttpRequest, case_id: uuid.UUID, payload: IndicatorAnswersIn) -> IndicatorAnswersOut:
    case = _editable(request, case_id)
    try:
        changed = indicators_answer(
            actor=cast(User, request.user), case=case, answers={code: str(answer) for code, answer in payload.answers.items()}
        )
    except ValidationError as error:
        raise _invalid(error) from error
    return IndicatorAnswersOut(changed=changed)
