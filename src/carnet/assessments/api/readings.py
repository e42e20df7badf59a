"""Taking readings through the API: an instrument version's content, a case's readings, start, answers, complete, link.

No `from __future__ import annotations`: ninja reads the annotations at import time.
Bad input (a level of another domain, an unpublished version, a finished reading) is a 4xx
with a machine-readable body, and nothing is stored: several answers go in one transaction.
"""

import uuid
from datetime import date, datetime
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from carnet.accounts.models import User
from carnet.assessments.forms import LevelText, instrument_content
from carnet.assessments.models import Answer, InstrumentVersion, Reading, ReadingMode, ReadingStatus, Respondent, VersionStatus
from carnet.assessments.policies import AssessmentAction, AssessmentPolicy
from carnet.assessments.services import missing_domains, published_version, reading_start
from carnet.assessments.services_link import AnswerInput, answers_record, format_code, link_issue, reading_finish
from carnet.cases.errors import InvalidCaseData
from carnet.cases.models import Case
from carnet.cases.policies import CasePolicy
from carnet.cases.selectors import case_get_for
from carnet.core.errors import DomainError

router = Router()


class LevelOut(Schema):
    id: int
    score: int
    colour: str
    risk_flag: bool
    statement: str


class DomainOut(Schema):
    id: int
    key: str
    position: int
    name: str
    levels: list[LevelOut]


class InstrumentVersionOut(Schema):
    id: int
    instrument: str
    name: str
    number: int
    status: str
    language: str
    domains: list[DomainOut]


class AnswerOut(Schema):
    domain_id: int
    domain_key: str
    respondent: Respondent
    level_id: int | None
    score: int | None
    declined: bool
    wished_level_id: int | None


class ReadingOut(Schema):
    id: uuid.UUID
    case_id: uuid.UUID
    version_id: int
    mode: ReadingMode
    status: ReadingStatus
    language: str
    taken_on: date
    started_at: datetime
    completed_at: datetime | None
    answers: list[AnswerOut]
    missing: list[str] = Field(description="Keys of the domains nobody has answered yet.")


class ReadingIn(Schema):
    version_id: int
    mode: ReadingMode = ReadingMode.WITH_WORKER
    language: str = Field("en", max_length=10)
    taken_on: date | None = None


class AnswerIn(Schema):
    domain_id: int
    respondent: Respondent
    level_id: int | None = None
    declined: bool = Field(False, description="“I don't want to say”: no level.")
    wished_level_id: int | None = Field(None, description="Where the child wants to be next time (optional).")


class AnswersIn(Schema):
    answers: list[AnswerIn] = Field(min_length=1, max_length=100)


class LinkOut(Schema):
    url: str = Field(description="The path of the child's page; prefix the site's address.")
    code: str = Field(description="Eight characters to read out; the child types them on the code page.")
    code_url: str
    expires_at: datetime


def _invalid(error: ValidationError) -> DomainError:
    return InvalidCaseData("; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()))


def _reading(request: HttpRequest, reading_id: uuid.UUID, purpose: str) -> Reading:
    """A reading of a case the user may see, else 404 (the same for "missing" and "not yours")."""
    visible = CasePolicy.visible(request.user, Case.objects.all())
    case_id = Reading.objects.filter(pk=reading_id, case__in=visible).values_list("case_id", flat=True).first()
    if case_id is None:
        raise Http404
    case = case_get_for(actor=request.user, case_ref=case_id, purpose=purpose)
    reading = Reading.objects.select_related("version").get(pk=reading_id, case=case)
    reading.case = case
    return reading


def _require_take(request: HttpRequest, case: Case) -> None:
    if not AssessmentPolicy.can(request.user, AssessmentAction.TAKE_READING, case):
        raise PermissionDenied


def _reading_out(reading: Reading) -> ReadingOut:
    answers = Answer.objects.filter(reading=reading).select_related("domain", "level").order_by("domain__position", "respondent")
    return ReadingOut(
        id=reading.pk,
        case_id=reading.case_id,
        version_id=reading.version_id,
        mode=ReadingMode(reading.mode),
        status=ReadingStatus(reading.status),
        language=reading.language,
        taken_on=reading.taken_on,
        started_at=reading.started_at,
        completed_at=reading.completed_at,
        answers=[
            AnswerOut(
                domain_id=a.domain_id,
                domain_key=a.domain.key,
                respondent=Respondent(a.respondent),
                level_id=a.level_id,
                score=a.level.score if a.level else None,
                declined=a.declined,
                wished_level_id=a.wished_level_id,
            )
            for a in answers
        ],
        missing=[d.key for d in missing_domains(reading)] if reading.status == ReadingStatus.DRAFT else [],
    )


def _level_out(level: LevelText) -> LevelOut:
    return LevelOut(id=level.id, score=level.score, colour=level.colour, risk_flag=level.risk_flag, statement=level.statement)


@router.get("/instruments/{int:version_id}", response=InstrumentVersionOut, summary="An instrument version's domains and statements")
def instrument_version(request: HttpRequest, version_id: int, lang: str = "") -> InstrumentVersionOut:
    """In the language asked for (``lang``, else the request's Accept-Language); English where a text is missing.
    Published and retired versions only: retired ones so that past readings can still be shown."""
    version = (
        InstrumentVersion.objects.select_related("instrument")
        .filter(pk=version_id, status__in=[VersionStatus.PUBLISHED, VersionStatus.RETIRED])
        .first()
    )
    if version is None:
        raise Http404
    codes = [code for code, _name in settings.LANGUAGES]
    language = lang if lang in codes else (translation.get_language() or settings.LANGUAGE_CODE)
    language = language if language in codes else settings.LANGUAGE_CODE
    domains = instrument_content(version, language)
    return InstrumentVersionOut(
        id=version.pk,
        instrument=version.instrument.slug,
        name=str(version.instrument.safe_translation_getter("name", language_code=language, any_language=True) or ""),
        number=version.number,
        status=version.status,
        language=language,
        domains=[
            DomainOut(id=d.id, key=d.key, position=d.position, name=d.name, levels=[_level_out(lv) for lv in d.levels]) for d in domains
        ],
    )


@router.get("/cases/{case_id}/readings", response=list[ReadingOut], summary="A case's readings (drafts and complete)")
def reading_list(request: HttpRequest, case_id: uuid.UUID) -> list[ReadingOut]:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="api: self-assessment")
    if not AssessmentPolicy.can(request.user, AssessmentAction.VIEW_READINGS, case):
        raise PermissionDenied
    readings = Reading.objects.filter(case=case).exclude(status=ReadingStatus.CANCELLED).select_related("version")
    return [_reading_out(reading) for reading in readings]


@router.post("/cases/{case_id}/readings", response={201: ReadingOut}, summary="Start a reading (a draft)")
def reading_create(request: HttpRequest, case_id: uuid.UUID, payload: ReadingIn) -> Status[ReadingOut]:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="api: start a reading")
    _require_take(request, case)
    if payload.language not in [code for code, _name in settings.LANGUAGES]:
        raise InvalidCaseData(_("language: %(code)s is not a language of carnet.") % {"code": payload.language})
    try:
        reading = reading_start(
            actor=request.user,
            case=case,
            version=published_version(payload.version_id),
            mode=payload.mode,
            language=payload.language,
            taken_on=payload.taken_on,
        )
    except ValidationError as error:
        raise _invalid(error) from error
    return Status(201, _reading_out(reading))


@router.put("/readings/{reading_id}/answers", response=ReadingOut, summary="Record answers (all or none)")
def reading_answers(request: HttpRequest, reading_id: uuid.UUID, payload: AnswersIn) -> ReadingOut:
    reading = _reading(request, reading_id, "api: answer a reading")
    _require_take(request, reading.case)
    answers = [AnswerInput(**answer.model_dump()) for answer in payload.answers]
    try:
        answers_record(actor=cast(User, request.user), reading=reading, answers=answers)
    except ValidationError as error:
        raise _invalid(error) from error
    return _reading_out(reading)


@router.post("/readings/{reading_id}/complete", response=ReadingOut, summary="Finish a reading: every domain answered")
def reading_complete_api(request: HttpRequest, reading_id: uuid.UUID) -> ReadingOut:
    reading = _reading(request, reading_id, "api: finish a reading")
    _require_take(request, reading.case)
    finished = reading_finish(reading=reading, actor=cast(User, request.user))
    return _reading_out(finished)


def _paths(reading: Reading, secret: str) -> dict[str, Any]:
    with translation.override(reading.language):
        return {"url": reverse("assessments:child_start", args=[secret]), "code_url": reverse("assessments:child_code")}


@router.post("/readings/{reading_id}/link", response={201: LinkOut}, summary="Hand the reading to the child: a one-time link and code")
def reading_link(request: HttpRequest, reading_id: uuid.UUID) -> Status[LinkOut]:
    """A new link replaces any earlier one. The secret and code are shown only in this answer: carnet keeps digests."""
    reading = _reading(request, reading_id, "api: child's link")
    _require_take(request, reading.case)
    try:
        issued = link_issue(actor=cast(User, request.user), reading=reading)
    except ValidationError as error:
        raise _invalid(error) from error
    return Status(201, LinkOut(**_paths(reading, issued.secret), code=format_code(issued.code), expires_at=issued.expires_at))
