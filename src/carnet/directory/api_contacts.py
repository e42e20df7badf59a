"""Contact sharing through the API: contact requests and their answers, one's own consents and visibility.

No `from __future__ import annotations`: ninja reads the annotations at import time.

Paths sit under ``/api/v1/directory``. A person, request or consent the caller may not know about
is 404 (missing and not yours are one answer); a step the caller may not take is 403; a step the
request's status does not allow, or a request already pending, is 409 (nothing changed); bad input
is 422 with ``errors: [{field, reason}]``. No contact value appears in these answers: contacts are
read from the people endpoints, through :mod:`carnet.directory.visibility`.
"""

import uuid
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja import Status as Reply
from ninja.errors import ValidationError as InputError

from carnet.directory import selectors as reads
from carnet.directory import services_contacts as contacts
from carnet.directory.models import ContactConsent, ContactRequest, Person
from carnet.directory.policies import DirectoryAction, DirectoryPolicy
from carnet.directory.selectors import person_get_for

router = Router(tags=["directory: contact sharing"])

BASE = "/directory"


class DirectoryContactProblemOut(Schema):
    field: str | None = Field(description="The field as the client sent it; null for the whole request")
    reason: str
    type: str = ""


class DirectoryContactErrorOut(Schema):
    detail: str
    code: str = Field(
        description="`not_found`, `forbidden`, `unauthorized`, `wrong_status`, `already_pending`, `nothing_hidden`, `invalid`, ..."
    )
    errors: list[DirectoryContactProblemOut] | None = Field(None, description="One entry per invalid field (422 only)")


def _errors(*codes: int) -> dict[int, type[DirectoryContactErrorOut]]:
    return dict.fromkeys(codes, DirectoryContactErrorOut)


class ContactRequestOut(Schema):
    id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    requester: str = Field(description="The requester's name (their username when they have none)")
    reason: str
    status: str = Field(description="`pending`, `approved`, `declined` or `withdrawn`")
    created_at: datetime
    decided_at: datetime | None
    decline_reason: str
    expires_at: datetime | None = Field(description="When an approved request's access ends")
    active: bool = Field(description="An approved request whose access has not ended")


class ContactRequestsOut(Schema):
    asked: list[ContactRequestOut] = Field(description="The caller's own requests, newest first")
    to_decide: list[ContactRequestOut] = Field(
        description="Pending requests the caller may answer (about them, or people of their NCP country)"
    )


class ContactRequestIn(Schema):
    reason: str = Field(description="Why the caller needs the contact details (required, at most 1000 characters)")


class ContactDecisionIn(Schema):
    approve: bool
    reason: str = Field("", description="Optional; shown to the requester when declining (at most 500 characters)")


class ConsentOut(Schema):
    id: int
    fields: list[str]
    audience: str = Field(description="`members` or `public`")
    given_on: date
    valid_until: date | None
    withdrawn_at: datetime | None
    current: bool


class ConsentIn(Schema):
    fields: list[str] = Field(description="A subset of `email`, `phone`, `address`")
    audience: str = Field(description="`members` or `public`")
    given_on: date | None = Field(None, description="Today when omitted")
    valid_until: date | None = None


class ConsentWithdrawalOut(Schema):
    consent: ConsentOut
    narrowed: dict[str, str] = Field(description="Field -> the visibility it was narrowed to, for every field the consent no longer covers")
    message: str


class VisibilityIn(Schema):
    field: str = Field(description="`email`, `phone` or `address`")
    visibility: str = Field(description="`public`, `members` or `restricted`")


class MyVisibilityOut(Schema):
    person_id: uuid.UUID
    visibility: dict[str, str] = Field(description="Field -> who sees it now")
    allowed: dict[str, list[str]] = Field(description="Field -> the visibilities the current consents allow")


def _invalid(error: ValidationError) -> InputError:
    problems: list[dict[str, Any]] = []
    for name, messages in error.message_dict.items():
        location = ("body",) if name == "__all__" else ("body", "payload", name)
        problems.extend({"loc": location, "msg": message, "type": "value_error"} for message in messages)
    return InputError(problems)


def _request_out(request: ContactRequest, now: datetime) -> dict[str, Any]:
    return {
        "id": request.pk,
        "person_id": request.person_id,
        "person_name": request.person.full_name,
        "requester": contacts.display_name(request.requester),
        "reason": request.reason,
        "status": request.status,
        "created_at": request.created_at,
        "decided_at": request.decided_at,
        "decline_reason": request.decline_reason,
        "expires_at": request.expires_at,
        "active": reads.grant_active(request, now),
    }


def _consent_out(consent: ContactConsent) -> dict[str, Any]:
    return {
        "id": consent.pk,
        "fields": list(consent.fields),
        "audience": consent.audience,
        "given_on": consent.given_on,
        "valid_until": consent.valid_until,
        "withdrawn_at": consent.withdrawn_at,
        "current": reads.is_current(consent),
    }


def _browse(request: HttpRequest) -> None:
    if not DirectoryPolicy.can(request.user, DirectoryAction.BROWSE):
        raise PermissionDenied


def _own(request: HttpRequest) -> Person:
    _browse(request)
    person = reads.own_person(request.user)
    if person is None:
        raise Http404
    return person


@router.get(
    f"{BASE}/contact-requests",
    response={200: ContactRequestsOut, **_errors(401, 403)},
    summary="My contact requests, and those I may answer",
)
def contact_requests(request: HttpRequest) -> dict[str, Any]:
    _browse(request)
    now = timezone.now()
    return {
        "asked": [_request_out(r, now) for r in reads.requests_asked_by(request.user)],
        "to_decide": [_request_out(r, now) for r in reads.requests_to_decide(request.user)],
    }


@router.post(
    f"{BASE}/people/{{person_id}}/contact-requests",
    response={201: ContactRequestOut, **_errors(401, 403, 404, 409, 422)},
    summary="Ask to see a person's hidden contact details",
)
def contact_request_create(request: HttpRequest, person_id: uuid.UUID, payload: ContactRequestIn) -> Reply[dict[str, Any]]:
    person = person_get_for(actor=request.user, person_id=person_id)
    try:
        created = contacts.contact_request_create(actor=request.user, person=person, reason=payload.reason)
    except ValidationError as error:
        raise _invalid(error) from error
    return Reply(201, _request_out(reads.request_for(actor=request.user, request_id=created.pk), timezone.now()))


@router.post(
    f"{BASE}/contact-requests/{{request_id}}/decide",
    response={200: ContactRequestOut, **_errors(401, 403, 404, 409, 422)},
    summary="Approve or decline a pending request (the person, or the NCP of their country)",
)
def contact_request_decide(request: HttpRequest, request_id: uuid.UUID, payload: ContactDecisionIn) -> dict[str, Any]:
    asked = reads.request_for(actor=request.user, request_id=request_id)
    try:
        contacts.contact_request_decide(actor=request.user, request=asked, approve=payload.approve, reason=payload.reason)
    except ValidationError as error:
        raise _invalid(error) from error
    return _request_out(reads.request_for(actor=request.user, request_id=request_id), timezone.now())


@router.post(
    f"{BASE}/contact-requests/{{request_id}}/withdraw",
    response={200: ContactRequestOut, **_errors(401, 403, 404, 409)},
    summary="Withdraw my own pending request",
)
def contact_request_withdraw(request: HttpRequest, request_id: uuid.UUID) -> dict[str, Any]:
    asked = reads.request_for(actor=request.user, request_id=request_id)
    contacts.contact_request_withdraw(actor=request.user, request=asked)
    return _request_out(reads.request_for(actor=request.user, request_id=request_id), timezone.now())


@router.get(
    f"{BASE}/me/consents", response={200: list[ConsentOut], **_errors(401, 403)}, summary="My consents (empty without a directory entry)"
)
def my_consents(request: HttpRequest) -> list[dict[str, Any]]:
    _browse(request)
    person = reads.own_person(request.user)
    if person is None:
        return []
    return [_consent_out(c) for c in person.consents.all()]


@router.post(
    f"{BASE}/me/consents",
    response={201: ConsentOut, **_errors(401, 403, 404, 422)},
    summary="Give consent to show some of my contact fields more widely",
)
def my_consent_create(request: HttpRequest, payload: ConsentIn) -> Reply[dict[str, Any]]:
    person = _own(request)
    try:
        consent = contacts.consent_record(
            actor=request.user,
            person=person,
            fields=payload.fields,
            audience=payload.audience,
            given_on=payload.given_on or timezone.localdate(),
            valid_until=payload.valid_until,
        )
    except ValidationError as error:
        raise _invalid(error) from error
    return Reply(201, _consent_out(consent))


@router.post(
    f"{BASE}/me/consents/{{consent_id}}/withdraw",
    response={200: ConsentWithdrawalOut, **_errors(401, 403, 404, 409)},
    summary="Withdraw one of my consents; what it no longer covers is narrowed",
)
def my_consent_withdraw(request: HttpRequest, consent_id: int) -> dict[str, Any]:
    _browse(request)
    consent = reads.consent_for(actor=request.user, consent_id=consent_id)
    withdrawal = contacts.consent_withdraw(actor=request.user, consent=consent)
    return {"consent": _consent_out(withdrawal.consent), "narrowed": withdrawal.narrowed, "message": withdrawal.message()}


@router.post(
    f"{BASE}/me/visibility",
    response={200: MyVisibilityOut, **_errors(401, 403, 404, 422)},
    summary="Set who sees one of my contact fields (wider than restricted only with consent)",
)
def my_visibility(request: HttpRequest, payload: VisibilityIn) -> dict[str, Any]:
    person = _own(request)
    try:
        person = contacts.visibility_set(actor=request.user, person=person, field=payload.field, visibility=payload.visibility)
    except ValidationError as error:
        raise _invalid(error) from error
    return {
        "person_id": person.pk,
        "visibility": {name: getattr(person, f"{name}_visibility") for name in Person.CONTACT_FIELDS},
        "allowed": contacts.allowed_visibilities(person),
    }
