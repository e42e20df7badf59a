"""Referrals through the API: the NCP inbox and outbox, a referral's lifecycle, its thread and follow-up visits.

No `from __future__ import annotations`: ninja reads the annotations at import time.

Paths sit under ``/api/v1/referrals``. A referral the caller is on neither side of
is 404 (missing and not yours are one answer); a step the caller's side or role may not take
is 403; a step the referral's status does not allow is 409 (``wrong_status``, nothing changed);
bad input is 422 with ``errors: [{field, reason}]``. What the receiving side learns of the child
is exactly the delivered message's subject (``shared``): the fields of the referral's
disclosure profile, nothing else, with absent fields absent rather than empty.
"""

import base64
import binascii
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal, cast

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja import Status as Reply
from ninja.errors import ValidationError as InputError
from ninja.pagination import LimitOffsetPagination, paginate

from carnet.accounts.models import User
from carnet.cases.api.care import invalid
from carnet.cases.models import Case
from carnet.cases.selectors import case_get_for
from carnet.cases.services_records import check_upload
from carnet.cases.views.records import document_response
from carnet.referrals import services
from carnet.referrals.models import AWAITING_ANSWER, CLOSED, Referral, Side, Status
from carnet.referrals.policies import ReferralAction, ReferralPolicy, side_of
from carnet.referrals.profiles import (
    PROFILES,
    PURPOSE_ALLOWS,
    PURPOSE_DEFAULT_PROFILE,
    URGENCY_DAYS,
    DisclosureProfile,
    DocumentKind,
    LegalBasis,
    Outcome,
    Purpose,
    Urgency,
    ordered,
    profiles_for,
)
from carnet.referrals.profiles import (
    Field as ProfileField,
)
from carnet.referrals.selectors import (
    Box,
    ReferralFilters,
    attachment_for,
    box_counts_for,
    covering_note_for,
    follow_ups_for,
    referral_get_for,
    referral_list_for,
    shared_subject_for,
    thread_for,
    timeline_for,
)
from carnet.referrals.services import NOTE_MAX_CHARS, REASON_MAX_CHARS, Upload

router = Router()

BASE = "/referrals"
ATTACHMENTS_MAX = 10


# The API's own names for the referral codes: the models' choices share their class names with other apps'
# (cases have a LegalBasis and a DocumentKind too), and OpenAPI components are named by class.


class ReferralStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    INFO_REQUESTED = "info_requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class ReferralSide(StrEnum):
    SENDER = "sender"
    RECEIVER = "receiver"
    SYSTEM = "system"


class ReferralPurpose(StrEnum):
    FAMILY_TRACING = "family_tracing"
    RISK_ASSESSMENT = "risk_assessment"
    RETURN_PREPARATION = "return_preparation"
    SERVICE_CONTINUITY = "service_continuity"
    INFORMATION_REQUEST = "information_request"


class ReferralUrgency(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENCY = "emergency"


class ReferralLegalBasis(StrEnum):
    CONSENT = "consent"
    LEGAL_MANDATE = "legal_mandate"


class ReferralOutcome(StrEnum):
    RETURNED_IN_CARE = "returned_in_care"
    FAMILY_FOUND = "family_found"
    FAMILY_NOT_FOUND = "family_not_found"
    RISK_ASSESSED = "risk_assessed"
    SERVICES_CONTINUED = "services_continued"
    INFORMATION_PROVIDED = "information_provided"
    CHILD_NOT_LOCATED = "child_not_located"
    OTHER = "other"


class ReferralDocumentKind(StrEnum):
    CORRESPONDENCE = "correspondence"
    IDENTITY_DOCUMENT = "identity_document"
    SOCIAL_REPORT = "social_report"
    MEDICAL = "medical"
    BEST_INTERESTS = "best_interests"
    RETURN_PLAN = "return_plan"


# Mirrors of the models' choices (tests/referrals/test_api.py keeps them equal).
API_ENUMS: dict[type[StrEnum], type[Any]] = {
    ReferralStatus: Status,
    ReferralSide: Side,
    ReferralPurpose: Purpose,
    ReferralUrgency: Urgency,
    ReferralLegalBasis: LegalBasis,
    ReferralOutcome: Outcome,
    ReferralDocumentKind: DocumentKind,
}


# --- Schemas: errors and reference data -----------------------------------------------------------


class ReferralProblemOut(Schema):
    field: str | None = Field(
        description="The field as the client sent it (e.g. `to_country`, `attachments.0.kind`); null for the whole request"
    )
    reason: str
    type: str = ""


class ReferralErrorOut(Schema):
    detail: str
    code: str = Field(description="`not_found`, `forbidden`, `unauthorized`, `wrong_status`, `invalid`, ...")
    errors: list[ReferralProblemOut] | None = Field(None, description="One entry per invalid field (422 only)")


def _errors(*codes: int) -> dict[int, type[ReferralErrorOut]]:
    return dict.fromkeys(codes, ReferralErrorOut)


READ_ERRORS = _errors(401, 404, 422)
STEP_ERRORS = _errors(401, 403, 404, 409, 422)


class ReferralBox(StrEnum):
    INBOX = Box.INBOX
    OUTBOX = Box.OUTBOX


class ReferralStep(StrEnum):
    """What the caller may do next: each is the last segment of the operation's path (POST .../{referral_id}/<step>)."""

    SEND = "send"
    APPROVAL_REQUEST = "approval-request"
    ACKNOWLEDGE = "acknowledge"
    REQUEST_INFORMATION = "request-information"
    PROVIDE_INFORMATION = "provide-information"
    ACCEPT = "accept"
    DECLINE = "decline"
    ASSIGN = "assign"
    START = "start"
    COMPLETE = "complete"
    WITHDRAW = "withdraw"
    MESSAGES = "messages"
    FOLLOW_UPS = "follow-ups"


class ReferralCodeOut(Schema):
    code: str
    label: str


class DisclosureProfileOut(Schema):
    name: str
    label: str
    fields: list[ReferralCodeOut] = Field(description="The parts of the case the profile shares")
    documents: list[ReferralCodeOut] = Field(description="The kinds of document attachments on the thread may be")


class ReferralPurposeOut(Schema):
    purpose: ReferralPurpose
    label: str
    default_profile: str
    profiles: list[str] = Field(description="The profiles this purpose allows, smallest first")
    fields: list[str] = Field(description="The most this purpose may share")


class ReferralUrgencyOut(Schema):
    urgency: ReferralUrgency
    label: str
    days: int = Field(description="Days the receiving NCP has to answer when no deadline is given")


class ReferralReferenceDataOut(Schema):
    profiles: list[DisclosureProfileOut]
    purposes: list[ReferralPurposeOut]
    urgencies: list[ReferralUrgencyOut]
    legal_bases: list[ReferralCodeOut]
    outcomes: list[ReferralCodeOut]


# --- Schemas: referrals ---------------------------------------------------------------------


class ReferralCaseOut(Schema):
    id: uuid.UUID
    number: str


class ReferralSummaryOut(Schema):
    id: uuid.UUID
    reference: str = Field(description="The pseudonymous cross-border reference, e.g. XB-7F3K-9Q2M")
    side: Literal["sender", "receiver"] = Field(description="The caller's side of the referral")
    from_country: str
    to_country: str
    purpose: ReferralPurpose
    urgency: ReferralUrgency
    respond_by: date
    overdue: bool = Field(description="Waiting for the receiving NCP's answer past `respond_by`")
    escalated: bool
    status: ReferralStatus
    case: ReferralCaseOut | None = Field(
        description=(
            "The case on the caller's side: the source case for the sending side; the case opened on acceptance for the receiving side"
        )
    )
    created_at: datetime
    sent_at: datetime | None
    acknowledged_at: datetime | None
    decided_at: datetime | None
    accepted_at: datetime | None
    completed_at: datetime | None
    withdrawn_at: datetime | None
    escalated_at: datetime | None
    version: int


class ReferralLegalBasisOut(Schema):
    basis: ReferralLegalBasis
    decided_by: str
    decided_on: date


class ReferralOut(ReferralSummaryOut):
    legal_basis: ReferralLegalBasisOut
    profile: DisclosureProfileOut
    shared: dict[str, Any] | None = Field(
        description=(
            "What was shared about the child: the delivered message's subject (format carnet.referral/1), with only the fields "
            "the profile carries; null while the referral is a draft"
        )
    )
    note: str = Field(description="The sender's covering note")
    assigned_to: str | None
    outcome: ReferralOutcome | None
    approval_requested_at: datetime | None
    delivered_at: datetime | None
    actions: list[ReferralStep] = Field(description="What the caller may do now, each the path segment of its operation")


class ReferralCountsOut(Schema):
    box: ReferralBox
    by_status: dict[str, int] = Field(description="Every status, with 0 where there is none")
    overdue: int
    total: int


class ReferralEventOut(Schema):
    at: datetime
    kind: str
    status: ReferralStatus
    side: ReferralSide
    actor: str
    note: str


class ReferralAttachmentOut(Schema):
    id: uuid.UUID
    kind: ReferralDocumentKind
    filename: str
    content_type: str
    size: int
    sha256: str


class ReferralMessageOut(Schema):
    id: uuid.UUID
    side: ReferralSide
    author: str
    body: str
    created_at: datetime
    attachments: list[ReferralAttachmentOut]


class ReferralFollowUpOut(Schema):
    id: uuid.UUID
    planned_on: date | None
    visited_on: date
    result: str
    reported_by: str
    created_at: datetime


class MatchCheckOut(Schema):
    country: str
    possible_match: bool
    compared: bool = Field(description="False when the case has no name with a date of birth and no document number to compare")
    answer: str


# --- Schemas: input -------------------------------------------------------------------------------


class ReferralFilterIn(Schema):
    box: ReferralBox = ReferralBox.INBOX
    status: ReferralStatus | None = None
    purpose: ReferralPurpose | None = None
    country: str = Field("", max_length=2, description="The other side's country (ISO code)")
    overdue: bool = False
    q: str = Field("", max_length=200, description="A reference, or an exact name or document number of what was shared")


class ReferralIn(Schema):
    case_id: uuid.UUID
    to_country: str = Field(max_length=2, description="ISO code of a country with an operational national contact point")
    purpose: ReferralPurpose
    urgency: ReferralUrgency = ReferralUrgency.ROUTINE
    respond_by: date | None = Field(None, description="Default: by urgency")
    legal_basis: ReferralLegalBasis | None = Field(None, description="Required")
    legal_basis_decided_by: str = Field("", max_length=200, description="Required: who consented or decided")
    legal_basis_decided_on: date | None = Field(None, description="Required: the date of the consent or decision")
    profile: str = Field("", max_length=30, description="A disclosure profile the purpose allows; default: the purpose's suggestion")
    note: str = Field("", max_length=NOTE_MAX_CHARS, description="Covering note to the receiving NCP")


class ReferralQuestionIn(Schema):
    question: str = Field("", max_length=REASON_MAX_CHARS)


class ReferralAnswerIn(Schema):
    answer: str = Field("", max_length=NOTE_MAX_CHARS)


class ReferralAcceptIn(Schema):
    assign_to: str = Field("", max_length=150, description="Username of a caseworker, supervisor or NCP of the receiving country")
    existing_case: str = Field("", max_length=60, description="Link a case of the receiving country (number or id) instead of opening one")


class ReferralReasonIn(Schema):
    reason: str = Field("", max_length=REASON_MAX_CHARS)


class ReferralAssignIn(Schema):
    username: str = Field("", max_length=150)


class ReferralCompleteIn(Schema):
    outcome: ReferralOutcome
    note: str = Field("", max_length=REASON_MAX_CHARS)


class ReferralAttachmentIn(Schema):
    kind: ReferralDocumentKind = Field(description="Must be a kind of document the referral's profile allows")
    filename: str = Field(min_length=1, max_length=200)
    content_base64: str = Field(
        description="The file's bytes in base64 (RFC 4648). PDF, PNG, JPEG, plain text, DOCX or ODT, matching the file name's extension"
    )


class ReferralMessageIn(Schema):
    body: str = Field("", max_length=NOTE_MAX_CHARS)
    attachments: list[ReferralAttachmentIn] = Field(default_factory=list, max_length=ATTACHMENTS_MAX)


class ReferralFollowUpIn(Schema):
    visited_on: date
    result: str = Field("", max_length=NOTE_MAX_CHARS)
    planned_on: date | None = None


class MatchCheckIn(Schema):
    case_id: uuid.UUID
    country: str = Field(max_length=2)


# --- Building the answers -----------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _codes(values: Any, choices: type[Any]) -> list[dict[str, str]]:
    return [{"code": value, "label": str(choices(value).label)} for value in values]


def _profile(profile: DisclosureProfile) -> dict[str, Any]:
    return {
        "name": profile.name,
        "label": str(profile.label),
        "fields": _codes(ordered(profile.fields), ProfileField),
        "documents": _codes(sorted(profile.documents), DocumentKind),
    }


def _is_overdue(referral: Referral, today: date) -> bool:
    return referral.status in AWAITING_ANSWER and referral.respond_by < today


def _summary(referral: Referral, side: str, today: date) -> dict[str, Any]:
    case: Case | None = referral.source_case if side == Side.SENDER else referral.receiving_case
    return {
        "id": referral.pk,
        "reference": referral.reference,
        "side": side,
        "from_country": referral.from_country.code,
        "to_country": referral.to_country.code,
        "purpose": referral.purpose,
        "urgency": referral.urgency,
        "respond_by": referral.respond_by,
        "overdue": _is_overdue(referral, today),
        "escalated": referral.escalated_at is not None,
        "status": referral.status,
        "case": {"id": case.pk, "number": case.number} if case is not None else None,
        "created_at": referral.created_at,
        "sent_at": referral.sent_at,
        "acknowledged_at": referral.acknowledged_at,
        "decided_at": referral.decided_at,
        "accepted_at": referral.accepted_at,
        "completed_at": referral.completed_at,
        "withdrawn_at": referral.withdrawn_at,
        "escalated_at": referral.escalated_at,
        "version": referral.version,
    }


def _actions(actor: User, referral: Referral, side: str) -> list[ReferralStep]:
    """The steps the services would take from the caller now (the policy and the status, as the services check them)."""

    def can(action: ReferralAction) -> bool:
        return ReferralPolicy.can(actor, action, referral)

    status = referral.status
    steps: list[ReferralStep] = []
    if side == Side.SENDER:
        if can(ReferralAction.SEND):
            steps.append(ReferralStep.SEND)
        elif status == Status.DRAFT and referral.created_by_id == actor.pk and referral.approval_requested_at is None:
            steps.append(ReferralStep.APPROVAL_REQUEST)
        if status == Status.INFO_REQUESTED and can(ReferralAction.PROVIDE):
            steps.append(ReferralStep.PROVIDE_INFORMATION)
    if status != Status.DRAFT and can(ReferralAction.ANSWER):
        if status == Status.SENT:
            steps.append(ReferralStep.ACKNOWLEDGE)
        if status in (Status.SENT, Status.ACKNOWLEDGED):
            steps += [ReferralStep.REQUEST_INFORMATION, ReferralStep.ACCEPT]
        if status in AWAITING_ANSWER:
            steps.append(ReferralStep.DECLINE)
        if status not in CLOSED:
            steps.append(ReferralStep.ASSIGN)
    if status != Status.DRAFT and can(ReferralAction.WORK):
        if status == Status.ACCEPTED:
            steps.append(ReferralStep.START)
        if status in (Status.ACCEPTED, Status.IN_PROGRESS):
            steps.append(ReferralStep.COMPLETE)
        if referral.purpose == Purpose.RETURN_PREPARATION and status in (Status.ACCEPTED, Status.IN_PROGRESS, Status.COMPLETED):
            steps.append(ReferralStep.FOLLOW_UPS)
    if side == Side.SENDER and can(ReferralAction.WITHDRAW):
        steps.append(ReferralStep.WITHDRAW)
    if status not in CLOSED and can(ReferralAction.MESSAGE):
        steps.append(ReferralStep.MESSAGES)
    return steps


def _detail(request: HttpRequest, referral: Referral) -> dict[str, Any]:
    actor = _actor(request)
    side = side_of(actor, referral)
    if side is None:  # referral_get_for only returns referrals the actor is on a side of
        raise Http404
    message = shared_subject_for(actor=actor, referral=referral, purpose="api: view referral")
    return {
        **_summary(referral, side, timezone.localdate()),
        "legal_basis": {
            "basis": referral.legal_basis,
            "decided_by": referral.legal_basis_decided_by,
            "decided_on": referral.legal_basis_decided_on,
        },
        "profile": _profile(PROFILES[referral.profile]),
        "shared": message.subject.model_dump(mode="json", exclude_none=True) if message is not None else None,
        "note": covering_note_for(actor=actor, referral=referral),
        "assigned_to": referral.assigned_to.get_username() if referral.assigned_to is not None else None,
        "outcome": referral.outcome or None,
        "approval_requested_at": referral.approval_requested_at,
        "delivered_at": referral.delivered_at,
        "actions": _actions(actor, referral, side),
    }


def _get(request: HttpRequest, referral_id: uuid.UUID, purpose: str, *, audit: bool = False) -> Referral:
    """The referral (404 when the caller is on neither side); a step's own service audits it, so reading it for one is not."""
    return referral_get_for(actor=request.user, ref=referral_id, purpose=purpose, audit=audit)


def _step(
    request: HttpRequest, referral_id: uuid.UUID, run: Callable[[User, Referral], Any], renames: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run one step of the lifecycle and answer with the referral as it is now."""
    referral = _get(request, referral_id, "api: step")
    try:
        run(_actor(request), referral)
    except ValidationError as error:
        raise invalid(error, renames) from error
    return _detail(request, _get(request, referral_id, "api: after a step"))


class _Summaries:
    """The list's rows, built only for the page the paginator slices out of the query."""

    def __init__(self, referrals: QuerySet[Referral], side: str) -> None:
        self.referrals = referrals
        self.side = side
        self.today = timezone.localdate()

    def __len__(self) -> int:
        return self.referrals.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return [_summary(referral, self.side, self.today) for referral in self.referrals[page]]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self[:])


def _event(entry: Any) -> dict[str, Any]:
    event = entry.event
    return {
        "at": event.at,
        "kind": event.kind,
        "status": event.status,
        "side": event.side,
        "actor": event.actor_username,
        "note": entry.note,
    }


def _message(note: Any, body: str, attachments: list[Any]) -> dict[str, Any]:
    return {
        "id": note.pk,
        "side": note.side,
        "author": note.author.get_username(),
        "body": body,
        "created_at": note.created_at,
        "attachments": [
            {"id": a.pk, "kind": a.kind, "filename": a.filename, "content_type": a.content_type, "size": a.size, "sha256": a.sha256}
            for a in attachments
        ],
    }


def _follow_up(report: Any, result: str) -> dict[str, Any]:
    return {
        "id": report.pk,
        "planned_on": report.planned_on,
        "visited_on": report.visited_on,
        "result": result,
        "reported_by": report.reported_by.get_username(),
        "created_at": report.created_at,
    }


# --- Reference data, lists and counts (registered before /{referral_id} so their paths win) ---------------


@router.get(
    f"{BASE}/profiles",
    response={200: ReferralReferenceDataOut, **_errors(401)},
    summary="Disclosure profiles, and which profiles each purpose allows",
)
def profile_list(request: HttpRequest) -> dict[str, Any]:
    return {
        "profiles": [_profile(p) for p in PROFILES.values()],
        "purposes": [
            {
                "purpose": purpose,
                "label": str(purpose.label),
                "default_profile": PURPOSE_DEFAULT_PROFILE[purpose],
                "profiles": [p.name for p in profiles_for(purpose)],
                "fields": ordered(PURPOSE_ALLOWS[purpose]),
            }
            for purpose in Purpose
        ],
        "urgencies": [{"urgency": u, "label": str(u.label), "days": URGENCY_DAYS[u]} for u in Urgency],
        "legal_bases": _codes(LegalBasis.values, LegalBasis),
        "outcomes": _codes(Outcome.values, Outcome),
    }


@router.get(
    f"{BASE}/counts",
    response={200: ReferralCountsOut, **READ_ERRORS},
    summary="How many referrals of my inbox or outbox are in each status, and overdue",
)
def referral_counts(request: HttpRequest, box: ReferralBox = ReferralBox.INBOX) -> dict[str, Any]:
    counts = box_counts_for(actor=request.user, box=box)
    overdue = counts.pop("overdue", 0)
    by_status = {status: counts.get(status, 0) for status in Status.values}
    return {"box": box, "by_status": by_status, "overdue": overdue, "total": sum(by_status.values())}


@router.get(BASE, response=list[ReferralSummaryOut], summary="My inbox (received) or outbox (sent from cases I may see)")
@paginate(LimitOffsetPagination)
def referral_list(request: HttpRequest, filters: Query[ReferralFilterIn]) -> _Summaries:
    selected = ReferralFilters(
        box=filters.box,
        status=filters.status or "",
        purpose=filters.purpose or "",
        country=filters.country.upper(),
        overdue=filters.overdue,
        query=filters.q,
    )
    side = Side.SENDER if filters.box == ReferralBox.OUTBOX else Side.RECEIVER
    return _Summaries(referral_list_for(actor=request.user, filters=selected), side)


@router.post(
    BASE,
    response={201: ReferralOut, **_errors(401, 403, 404, 422)},
    summary="Start a referral from a case (a draft; the sending country's NCP sends it)",
)
def referral_create(request: HttpRequest, payload: ReferralIn) -> Reply[dict[str, Any]]:
    actor = _actor(request)
    case = case_get_for(actor=actor, case_ref=payload.case_id, purpose="api: refer the case", audit=False)  # the draft is audited
    new = services.NewReferral(
        to_country=payload.to_country,
        purpose=payload.purpose,
        legal_basis=payload.legal_basis or "",
        legal_basis_decided_by=payload.legal_basis_decided_by,
        legal_basis_decided_on=payload.legal_basis_decided_on,
        profile=payload.profile,
        urgency=payload.urgency,
        respond_by=payload.respond_by,
        note=payload.note,
    )
    try:
        referral = services.referral_draft(actor=actor, case=case, new=new)
    except ValidationError as error:
        raise invalid(error) from error
    return Reply(201, _detail(request, _get(request, referral.pk, "api: drafted")))


def _match_answer(answer: services.MatchAnswer) -> str:
    if not answer.compared:
        return _("Nothing to compare: this case has no name with a date of birth and no document number.")
    if answer.possible_match:
        return _("Possible match at the national contact point of %(country)s.") % {"country": answer.country}
    return _("No match at the national contact point of %(country)s.") % {"country": answer.country}


@router.post(
    f"{BASE}/match-check",
    response={200: MatchCheckOut, **_errors(401, 403, 404, 422)},
    summary="Does another country's NCP already know this child? (keyed hashes only; yes or no)",
)
def referral_match_check(request: HttpRequest, payload: MatchCheckIn) -> dict[str, Any]:
    actor = _actor(request)
    case = case_get_for(actor=actor, case_ref=payload.case_id, purpose="api: possible-match check", audit=False)  # the check is audited
    try:
        answer = services.match_check(actor=actor, case=case, country_code=payload.country)
    except ValidationError as error:
        raise invalid(error, {"to_country": "country"}) from error
    return {
        "country": answer.country.code,
        "possible_match": answer.possible_match,
        "compared": answer.compared,
        "answer": _match_answer(answer),
    }


# --- One referral --------------------------------------------------------------------------------


@router.get(
    f"{BASE}/{{referral_id}}",
    response={200: ReferralOut, **READ_ERRORS},
    summary="A referral: what was shared, its legal basis, and what I may do now",
)
def referral_read(request: HttpRequest, referral_id: uuid.UUID) -> dict[str, Any]:
    return _detail(request, _get(request, referral_id, "api: view referral", audit=True))


@router.get(
    f"{BASE}/{{referral_id}}/timeline",
    response={200: list[ReferralEventOut], **READ_ERRORS},
    summary="Every step of the referral, both sides",
)
def referral_timeline(request: HttpRequest, referral_id: uuid.UUID) -> list[dict[str, Any]]:
    referral = _get(request, referral_id, "api: timeline", audit=True)
    return [_event(entry) for entry in timeline_for(actor=request.user, referral=referral)]


@router.post(
    f"{BASE}/{{referral_id}}/send", response={200: ReferralOut, **STEP_ERRORS}, summary="Send (or approve and send) a draft: sending NCP"
)
def referral_send(request: HttpRequest, referral_id: uuid.UUID) -> dict[str, Any]:
    return _step(request, referral_id, lambda actor, r: services.referral_send(actor=actor, referral=r))


@router.post(
    f"{BASE}/{{referral_id}}/approval-request",
    response={200: ReferralOut, **STEP_ERRORS},
    summary="Ask the sending country's NCP to approve and send my draft",
)
def referral_approval_request(request: HttpRequest, referral_id: uuid.UUID) -> dict[str, Any]:
    return _step(request, referral_id, lambda actor, r: services.referral_request_approval(actor=actor, referral=r))


@router.post(
    f"{BASE}/{{referral_id}}/acknowledge",
    response={200: ReferralOut, **STEP_ERRORS},
    summary="Acknowledge receipt: receiving NCP",
)
def referral_acknowledge(request: HttpRequest, referral_id: uuid.UUID) -> dict[str, Any]:
    return _step(request, referral_id, lambda actor, r: services.referral_acknowledge(actor=actor, referral=r))


@router.post(
    f"{BASE}/{{referral_id}}/request-information",
    response={200: ReferralOut, **STEP_ERRORS},
    summary="Ask the sending side for information: receiving NCP",
)
def referral_request_information(request: HttpRequest, referral_id: uuid.UUID, payload: ReferralQuestionIn) -> dict[str, Any]:
    return _step(
        request, referral_id, lambda actor, r: services.referral_request_information(actor=actor, referral=r, question=payload.question)
    )


@router.post(
    f"{BASE}/{{referral_id}}/provide-information",
    response={200: ReferralOut, **STEP_ERRORS},
    summary="Answer the receiving side's request for information: sending side (who may edit the case)",
)
def referral_provide_information(request: HttpRequest, referral_id: uuid.UUID, payload: ReferralAnswerIn) -> dict[str, Any]:
    return _step(
        request, referral_id, lambda actor, r: services.referral_provide_information(actor=actor, referral=r, answer=payload.answer)
    )


@router.post(
    f"{BASE}/{{referral_id}}/accept",
    response={200: ReferralOut, **STEP_ERRORS},
    summary="Accept: the receiving country opens its own case (or links one): receiving NCP",
)
def referral_accept(request: HttpRequest, referral_id: uuid.UUID, payload: ReferralAcceptIn | None = None) -> dict[str, Any]:
    body = payload or ReferralAcceptIn(assign_to="", existing_case="")
    return _step(
        request,
        referral_id,
        lambda actor, r: services.referral_accept(actor=actor, referral=r, assign_to=body.assign_to, existing_case=body.existing_case),
    )


@router.post(
    f"{BASE}/{{referral_id}}/decline",
    response={200: ReferralOut, **STEP_ERRORS},
    summary="Decline, with the reason: receiving NCP",
)
def referral_decline(request: HttpRequest, referral_id: uuid.UUID, payload: ReferralReasonIn) -> dict[str, Any]:
    return _step(request, referral_id, lambda actor, r: services.referral_decline(actor=actor, referral=r, reason=payload.reason))


@router.post(
    f"{BASE}/{{referral_id}}/assign",
    response={200: ReferralOut, **STEP_ERRORS},
    summary="Hand the referral to a caseworker, supervisor or NCP of the receiving country: receiving NCP",
)
def referral_assign(request: HttpRequest, referral_id: uuid.UUID, payload: ReferralAssignIn) -> dict[str, Any]:
    return _step(
        request,
        referral_id,
        lambda actor, r: services.referral_assign(actor=actor, referral=r, username=payload.username),
        {"assign_to": "username"},
    )


@router.post(
    f"{BASE}/{{referral_id}}/start",
    response={200: ReferralOut, **STEP_ERRORS},
    summary="Start the work on an accepted referral: receiving NCP or assignee",
)
def referral_start(request: HttpRequest, referral_id: uuid.UUID) -> dict[str, Any]:
    return _step(request, referral_id, lambda actor, r: services.referral_start(actor=actor, referral=r))


@router.post(
    f"{BASE}/{{referral_id}}/complete",
    response={200: ReferralOut, **STEP_ERRORS},
    summary="Complete, with the outcome: receiving NCP or assignee",
)
def referral_complete(request: HttpRequest, referral_id: uuid.UUID, payload: ReferralCompleteIn) -> dict[str, Any]:
    return _step(
        request,
        referral_id,
        lambda actor, r: services.referral_complete(actor=actor, referral=r, outcome=payload.outcome, note=payload.note),
    )


@router.post(
    f"{BASE}/{{referral_id}}/withdraw",
    response={200: ReferralOut, **STEP_ERRORS},
    summary="Withdraw, with the reason: sending NCP (or the author of a draft)",
)
def referral_withdraw(request: HttpRequest, referral_id: uuid.UUID, payload: ReferralReasonIn) -> dict[str, Any]:
    return _step(request, referral_id, lambda actor, r: services.referral_withdraw(actor=actor, referral=r, reason=payload.reason))


# --- The thread -------------------------------------------------------------------------------------


@router.get(
    f"{BASE}/{{referral_id}}/messages", response={200: list[ReferralMessageOut], **READ_ERRORS}, summary="The thread between the two sides"
)
def message_list(request: HttpRequest, referral_id: uuid.UUID) -> list[dict[str, Any]]:
    referral = _get(request, referral_id, "api: thread", audit=True)
    return [_message(entry.note, entry.body, entry.attachments) for entry in thread_for(actor=request.user, referral=referral)]


def _uploads(payload: ReferralMessageIn) -> list[Upload]:
    uploads = []
    problems = []
    for index, attachment in enumerate(payload.attachments):
        try:
            content = base64.b64decode(attachment.content_base64, validate=True)
        except (binascii.Error, ValueError):
            problems.append(
                {
                    "loc": ("body", "payload", "attachments", index, "content_base64"),
                    "msg": _("This is not valid base64: send the file's bytes encoded as base64 (RFC 4648)."),
                    "type": "value_error",
                }
            )
            continue
        uploads.append(Upload(kind=attachment.kind, filename=attachment.filename, content=content))
    if problems:
        raise InputError(problems)
    return uploads


def _attachment_at_fault(referral: Referral, uploads: list[Upload], error: ValidationError) -> dict[str, str]:
    """Name the attachment the service refused (it checks each kind first, then each file, in order)."""
    names = error.message_dict
    if "kind" in names:
        allowed = PROFILES[referral.profile].documents
        index = next((i for i, u in enumerate(uploads) if u.kind not in allowed), 0)
        return {"kind": f"attachments.{index}.kind"}
    if "file" in names:
        index = 0
        for i, upload in enumerate(uploads):
            try:
                check_upload(filename=upload.filename, content=upload.content)
            except ValidationError:
                index = i
                break
        return {"file": f"attachments.{index}.content_base64"}
    return {}


@router.post(
    f"{BASE}/{{referral_id}}/messages",
    response={201: ReferralMessageOut, **STEP_ERRORS},
    summary="Write to the other side, with attachments of the kinds the profile allows",
    description=(
        "Each attachment's `kind` must be one the referral's disclosure profile allows, and its content (base64) must be a PDF, "
        "PNG, JPEG, plain text (UTF-8), DOCX or ODT agreeing with the file name's extension. The whole request may be at most "
        "the server's upload limit (11 MB by default), so a file of at most about 8 MB."
    ),
)
def message_create(request: HttpRequest, referral_id: uuid.UUID, payload: ReferralMessageIn) -> Reply[dict[str, Any]]:
    referral = _get(request, referral_id, "api: write on the thread")
    uploads = _uploads(payload)
    try:
        posted = services.note_post(actor=_actor(request), referral=referral, body=payload.body, uploads=uploads)
    except ValidationError as error:
        raise invalid(error, _attachment_at_fault(referral, uploads, error)) from error
    return Reply(201, _message(posted.note, payload.body.strip(), posted.attachments))


@router.get(
    f"{BASE}/{{referral_id}}/attachments/{{attachment_id}}",
    response={**READ_ERRORS, 409: ReferralErrorOut},
    summary="Download an attachment (its original bytes, as an attachment)",
    openapi_extra={
        "responses": {
            "200": {"description": "The attachment's content, with its own media type.", "content": {"application/octet-stream": {}}}
        }
    },
)
def attachment_download(request: HttpRequest, referral_id: uuid.UUID, attachment_id: uuid.UUID) -> HttpResponse:
    referral = _get(request, referral_id, "api: download an attachment")
    attachment, content = attachment_for(actor=request.user, referral=referral, attachment_id=attachment_id)
    return document_response(content, filename=attachment.filename, media_type=attachment.content_type)


# --- Follow-up visits after a return -------------------------------------------------------------


@router.get(
    f"{BASE}/{{referral_id}}/follow-ups",
    response={200: list[ReferralFollowUpOut], **READ_ERRORS},
    summary="Follow-up visits reported after a return",
)
def follow_up_list(request: HttpRequest, referral_id: uuid.UUID) -> list[dict[str, Any]]:
    referral = _get(request, referral_id, "api: follow-up visits", audit=True)
    return [_follow_up(entry.report, entry.result) for entry in follow_ups_for(actor=request.user, referral=referral)]


@router.post(
    f"{BASE}/{{referral_id}}/follow-ups",
    response={201: ReferralFollowUpOut, **STEP_ERRORS},
    summary="Report a follow-up visit after a return: receiving NCP or assignee",
)
def follow_up_create(request: HttpRequest, referral_id: uuid.UUID, payload: ReferralFollowUpIn) -> Reply[dict[str, Any]]:
    referral = _get(request, referral_id, "api: report a follow-up visit")
    try:
        report = services.follow_up_report(
            actor=_actor(request), referral=referral, visited_on=payload.visited_on, result=payload.result, planned_on=payload.planned_on
        )
    except ValidationError as error:
        raise invalid(error) from error
    return Reply(201, _follow_up(report, payload.result.strip()))
