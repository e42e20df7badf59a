"""The case itself through the API: caseload, opening, reading (ETag), identity edits (If-Match), risk, flags.

No `from __future__ import annotations`: ninja reads the annotations at import time.
"""

import uuid
from datetime import date, datetime
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from carnet.accounts.models import User
from carnet.cases.errors import InvalidCaseData, StaleVersion
from carnet.cases.identity import Identity
from carnet.cases.models import Case
from carnet.cases.models.codes import CaseStatus, FlagKind, LegalBasis, RiskLevel, Sex
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.cases.selectors import CaseFilters, case_get_for, case_identity_for, case_list_for
from carnet.cases.services import NewCase, case_open, case_set_risk, case_update_identity, flag_raise
from carnet.core.errors import DomainError
from carnet.core.models import Country

router = Router()


class CaseSummaryOut(Schema):
    id: uuid.UUID
    number: str
    pseudonym: str
    country: str
    status: CaseStatus
    risk_level: RiskLevel
    age_band: str
    opened_on: date
    version: int


class IdentitySchema(Schema):
    given_names: str = Field("", max_length=200)
    family_name: str = Field("", max_length=200)
    aliases: list[str] = Field(default_factory=list, max_length=20)
    date_of_birth: date | None = None
    estimated_age: int | None = Field(None, ge=0, le=30)
    citizenships: list[str] = Field(default_factory=list, max_length=10)
    languages: list[str] = Field(default_factory=list, max_length=20)
    contacts: str = Field("", max_length=500)


class CaseOut(CaseSummaryOut):
    identity: IdentitySchema
    sex: Sex
    presumed_minor: bool
    identified_on: date | None
    closed_at: datetime | None
    flags: list[dict[str, str]]


class CaseIn(Schema):
    country: str = Field(min_length=2, max_length=2)
    opened_on: date
    identified_on: date | None = None
    sex: Sex = Sex.UNKNOWN
    risk_level: RiskLevel = RiskLevel.MEDIUM
    legal_basis: LegalBasis = LegalBasis.LEGAL_MANDATE
    legal_basis_given_by: str = Field("", max_length=200)
    pseudonym: str = Field("", max_length=60)
    identity: IdentitySchema


class IdentityIn(Schema):
    sex: Sex = Sex.UNKNOWN
    identity: IdentitySchema


class RiskIn(Schema):
    level: RiskLevel
    reason: str = Field(min_length=1, max_length=500)


class FlagIn(Schema):
    kind: FlagKind
    reason: str = Field(min_length=1, max_length=500)


class CaseFilterIn(Schema):
    status: CaseStatus | None = None
    risk_level: RiskLevel | None = None
    flag: FlagKind | None = None
    age_band: str = ""
    exploitation: str = ""
    number: str = ""
    name: str = Field("", description="Exact name, matched through the blind index.")


def _summary(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "pseudonym": case.child.pseudonym,
        "country": case.country.code,
        "status": case.status,
        "risk_level": case.risk_level,
        "age_band": case.child.age_band,
        "opened_on": case.opened_on,
        "version": case.version,
    }


def _identity(identity: Identity) -> IdentitySchema:
    return IdentitySchema(**{**identity.__dict__})


def _case_out(request: HttpRequest, case: Case) -> CaseOut:
    identity = case_identity_for(actor=request.user, case=case, purpose="api")
    flags = [{"kind": f.kind, "reason": f.reason} for f in case.flags.filter(removed_at__isnull=True)]
    return CaseOut(
        **_summary(case),
        identity=_identity(identity),
        sex=Sex(case.child.sex),
        presumed_minor=case.child.presumed_minor,
        identified_on=case.identified_on,
        closed_at=case.closed_at,
        flags=flags,
    )


def _etag(case: Case) -> str:
    return f'W/"{case.pk}-{case.version}"'


def _with_etag(response: HttpResponse, case: Case) -> HttpResponse:
    response["ETag"] = _etag(case)
    return response


def _expected_version(request: HttpRequest, case: Case) -> int:
    """If-Match is required for edits: 428 without it, 412 when it names an older version."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise DomainError("Send If-Match with the ETag of the case you are changing.", code="precondition_required").with_status(428)
    if header != _etag(case) and header != "*":
        raise StaleVersion("The case changed since you read it: read it again.", current_version=case.version).with_status(412)
    return case.version


def _invalid(error: ValidationError) -> DomainError:
    return InvalidCaseData("; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()))


@router.get("/cases", response=list[CaseSummaryOut], summary="My caseload")
@paginate(LimitOffsetPagination)
def case_list(request: HttpRequest, filters: Query[CaseFilterIn]) -> list[dict[str, Any]]:
    data = filters.model_dump()
    selected = CaseFilters(**{k: (v or "") for k, v in data.items()})
    return [_summary(case) for case in case_list_for(actor=request.user, filters=selected)]


@router.post("/cases", response={201: CaseOut}, summary="Open a case")
def case_create(request: HttpRequest, payload: CaseIn) -> Status[CaseOut]:
    country = Country.objects.filter(code=payload.country.upper()).first()
    if country is None or not CasePolicy.can(request.user, CaseAction.OPEN, country):
        raise PermissionDenied
    new = NewCase(
        country=country,
        identity=Identity(**payload.identity.model_dump()),
        opened_on=payload.opened_on,
        identified_on=payload.identified_on,
        sex=payload.sex,
        risk_level=payload.risk_level,
        legal_basis=payload.legal_basis,
        legal_basis_given_by=payload.legal_basis_given_by,
        pseudonym=payload.pseudonym,
    )
    try:
        case = case_open(actor=cast(User, request.user), new=new)
    except ValidationError as error:
        raise _invalid(error) from error
    return Status(201, _case_out(request, case_get_for(actor=request.user, case_ref=case.pk, purpose="api: opened")))


@router.get("/cases/{case_id}", response=CaseOut, summary="Read a case (ETag: its version)")
def case_read(request: HttpRequest, case_id: uuid.UUID, response: HttpResponse) -> CaseOut:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="api")
    response["ETag"] = _etag(case)
    return _case_out(request, case)


@router.put("/cases/{case_id}/identity", response=CaseOut, summary="Replace the child's identity (If-Match required)")
def case_identity_update(request: HttpRequest, case_id: uuid.UUID, payload: IdentityIn, response: HttpResponse) -> CaseOut:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="api: edit identity")
    if not CasePolicy.can(request.user, CaseAction.EDIT, case):
        raise PermissionDenied
    version = _expected_version(request, case)
    try:
        case_update_identity(
            actor=cast(User, request.user),
            case=case,
            identity=Identity(**payload.identity.model_dump()),
            sex=payload.sex,
            expected_version=version,
        )
    except ValidationError as error:
        raise _invalid(error) from error
    case.refresh_from_db()
    response["ETag"] = _etag(case)
    return _case_out(request, case)


@router.post("/cases/{case_id}/risk", response=CaseSummaryOut, summary="Change the risk level")
def case_risk(request: HttpRequest, case_id: uuid.UUID, payload: RiskIn) -> dict[str, Any]:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="api: risk")
    if not CasePolicy.can(request.user, CaseAction.EDIT, case):
        raise PermissionDenied
    case_set_risk(actor=cast(User, request.user), case=case, level=payload.level, reason=payload.reason)
    case.refresh_from_db()
    return _summary(case)


@router.post("/cases/{case_id}/flags", response={201: CaseSummaryOut}, summary="Raise a flag")
def case_flag(request: HttpRequest, case_id: uuid.UUID, payload: FlagIn) -> Status[dict[str, Any]]:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="api: flag")
    if not CasePolicy.can(request.user, CaseAction.EDIT, case):
        raise PermissionDenied
    try:
        flag_raise(actor=cast(User, request.user), case=case, kind=payload.kind, reason=payload.reason)
    except ValidationError as error:
        raise _invalid(error) from error
    case.refresh_from_db()
    return Status(201, _summary(case))
