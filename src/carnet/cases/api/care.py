"""The care plan through the API: read it (ETag), add objectives, services and reviews, move services on (If-Match).

No `from __future__ import annotations`: ninja reads the annotations at import time.
Bad input answers 422 with ``errors: [{field, reason}]``; a case one may not see is 404, one
one may see but not edit is 403.
"""

import uuid
from datetime import date
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.errors import ValidationError as InputError

from carnet.accounts.models import User
from carnet.cases.errors import StaleVersion
from carnet.cases.models import CareObjective, CareReview, CareService, Case
from carnet.cases.models.codes import Pillar, ServiceStatus
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.cases.selectors import case_get_for
from carnet.cases.services_care import (
    care_plan_of,
    objective_add,
    objective_set_achieved,
    read_text,
    review_record,
    service_add,
    service_update,
)
from carnet.core.errors import DomainError

router = Router()


# --- Shared with the best-interests API --------------------------------------------------------


def invalid(error: ValidationError, renames: dict[str, str] | None = None) -> InputError:
    """A service's ValidationError as the API's 422: one ``{field, reason}`` per problem, fields named as the client sent them."""
    renames = renames or {}
    problems: list[dict[str, Any]] = []
    for name, messages in error.message_dict.items():
        location = ("body",) if name == "__all__" else ("body", "payload", renames.get(name, name))
        problems.extend({"loc": location, "msg": message, "type": "value_error"} for message in messages)
    return InputError(problems)


def etag(case: Case) -> str:
    return f'W/"{case.pk}-{case.version}"'


def expected_version(request: HttpRequest, case: Case) -> int:
    """If-Match is required to change existing data: 428 without it, 412 when it names an older version of the case."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise DomainError("Send If-Match with the ETag of the case you are changing.", code="precondition_required").with_status(428)
    if header != etag(case) and header != "*":
        raise StaleVersion("The case changed since you read it: read it again.", current_version=case.version).with_status(412)
    return case.version


def editable_case(request: HttpRequest, case_id: uuid.UUID, purpose: str) -> Case:
    """The case (404 if not visible), if the actor may edit it (403 otherwise)."""
    case = case_get_for(actor=request.user, case_ref=case_id, purpose=purpose)
    if not CasePolicy.can(request.user, CaseAction.EDIT, case):
        raise PermissionDenied
    return case


# --- Schemas ----------------------------------------------------------------------------


class ServiceOut(Schema):
    id: int
    objective_id: int
    kind: str
    provider: str
    status: ServiceStatus
    starts_on: date | None
    ends_on: date | None
    referred: bool


class ObjectiveOut(Schema):
    id: int
    pillar: Pillar
    text: str
    target_on: date | None
    achieved_on: date | None
    services: list[ServiceOut]


class PillarOut(Schema):
    pillar: Pillar
    objectives: list[ObjectiveOut]


class ReviewOut(Schema):
    id: int
    reviewed_on: date
    summary: str | None = Field(description="Decrypted; null only if the case was anonymised.")
    next_review_on: date | None
    reviewed_by: str


class CarePlanOut(Schema):
    case_id: uuid.UUID
    version: int
    pillars: list[PillarOut]
    reviews: list[ReviewOut]
    next_review_on: date | None
    review_overdue: bool


class ObjectiveIn(Schema):
    pillar: Pillar
    text: str = Field(min_length=1, max_length=500)
    target_on: date | None = None


class AchievedIn(Schema):
    achieved_on: date | None = Field(description="null reopens the objective")


class ServiceChangeIn(Schema):
    status: ServiceStatus = ServiceStatus.PLANNED
    starts_on: date | None = None
    ends_on: date | None = None
    referred: bool = Field(False, description="Referred to another service in the country")


class ServiceIn(ServiceChangeIn):
    objective_id: int
    kind: str = Field(min_length=1, max_length=100)
    provider: str = Field(min_length=1, max_length=200)


class ReviewIn(Schema):
    reviewed_on: date
    summary: str = Field(min_length=1, max_length=5000)
    next_review_on: date | None = None


def _service(service: CareService) -> ServiceOut:
    return ServiceOut(
        id=service.pk,
        objective_id=service.objective_id,
        kind=service.kind,
        provider=service.provider,
        status=ServiceStatus(service.status),
        starts_on=service.starts_on,
        ends_on=service.ends_on,
        referred=service.referred,
    )


def _objective(objective: CareObjective) -> ObjectiveOut:
    return ObjectiveOut(
        id=objective.pk,
        pillar=Pillar(objective.pillar),
        text=objective.text,
        target_on=objective.target_on,
        achieved_on=objective.achieved_on,
        services=[_service(s) for s in objective.services.all()],
    )


def _review(review: CareReview, summary: str | None) -> ReviewOut:
    return ReviewOut(
        id=review.pk,
        reviewed_on=review.reviewed_on,
        summary=summary,
        next_review_on=review.next_review_on,
        reviewed_by=review.reviewed_by.get_username(),
    )


def _plan(case: Case) -> CarePlanOut:
    plan = care_plan_of(case)
    return CarePlanOut(
        case_id=case.pk,
        version=case.version,
        pillars=[PillarOut(pillar=Pillar(p.pillar), objectives=[_objective(o) for o in p.objectives]) for p in plan.pillars],
        reviews=[_review(r.review, r.summary) for r in plan.reviews],
        next_review_on=plan.next_review_on,
        review_overdue=plan.review_overdue,
    )


# --- Operations ---------------------------------------------------------------------------


@router.get("/cases/{case_id}/care", response=CarePlanOut, summary="Read the care plan (ETag: the case's version)")
def care_read(request: HttpRequest, case_id: uuid.UUID, response: HttpResponse) -> CarePlanOut:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="api: care plan")
    response["ETag"] = etag(case)
    return _plan(case)


@router.post("/cases/{case_id}/care/objectives", response={201: ObjectiveOut}, summary="Add an objective under a pillar")
def care_objective_add(request: HttpRequest, case_id: uuid.UUID, payload: ObjectiveIn) -> Status[ObjectiveOut]:
    case = editable_case(request, case_id, "api: care plan objective")
    try:
        objective = objective_add(actor=cast(User, request.user), case=case, **payload.model_dump())
    except ValidationError as error:
        raise invalid(error) from error
    return Status(201, _objective(objective))


@router.post(
    "/cases/{case_id}/care/objectives/{objective_id}/achieved",
    response=ObjectiveOut,
    summary="Record the date an objective was achieved (If-Match required)",
)
def care_objective_achieved(
    request: HttpRequest, case_id: uuid.UUID, objective_id: int, payload: AchievedIn, response: HttpResponse
) -> ObjectiveOut:
    case = editable_case(request, case_id, "api: care plan objective")
    if not case.objectives.filter(pk=objective_id).exists():
        raise Http404
    version = expected_version(request, case)
    try:
        objective = objective_set_achieved(
            actor=cast(User, request.user), case=case, objective=objective_id, achieved_on=payload.achieved_on, expected_version=version
        )
    except ValidationError as error:
        raise invalid(error) from error
    response["ETag"] = etag(case)
    return _objective(objective)


@router.post("/cases/{case_id}/care/services", response={201: ServiceOut}, summary="Add a service to an objective")
def care_service_add(request: HttpRequest, case_id: uuid.UUID, payload: ServiceIn) -> Status[ServiceOut]:
    case = editable_case(request, case_id, "api: care plan service")
    data: dict[str, Any] = payload.model_dump()
    data["objective"] = data.pop("objective_id")
    try:
        service = service_add(actor=cast(User, request.user), case=case, **data)
    except ValidationError as error:
        raise invalid(error, {"objective": "objective_id"}) from error
    return Status(201, _service(service))


@router.put(
    "/cases/{case_id}/care/services/{service_id}", response=ServiceOut, summary="Change a service's status and dates (If-Match required)"
)
def care_service_update(
    request: HttpRequest, case_id: uuid.UUID, service_id: int, payload: ServiceChangeIn, response: HttpResponse
) -> ServiceOut:
    case = editable_case(request, case_id, "api: care plan service")
    if not CareService.objects.filter(pk=service_id, objective__case=case).exists():
        raise Http404
    version = expected_version(request, case)
    try:
        service = service_update(
            actor=cast(User, request.user), case=case, service=service_id, expected_version=version, **payload.model_dump()
        )
    except ValidationError as error:
        raise invalid(error) from error
    response["ETag"] = etag(case)
    return _service(service)


@router.post("/cases/{case_id}/care/reviews", response={201: ReviewOut}, summary="Record a review of the care plan")
def care_review_add(request: HttpRequest, case_id: uuid.UUID, payload: ReviewIn) -> Status[ReviewOut]:
    case = editable_case(request, case_id, "api: care plan review")
    try:
        review = review_record(actor=cast(User, request.user), case=case, **payload.model_dump())
    except ValidationError as error:
        raise invalid(error) from error
    return Status(201, _review(review, read_text(review, "summary_enc", case)))
