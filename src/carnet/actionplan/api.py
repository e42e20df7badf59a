"""The Plan of Action's API: the actions (everyone may read them) and recording a status update.

No `from __future__ import annotations` here: ninja must see `Query[...]` as a real type.

The actions are public; what an action came from is shown only for meetings the caller
may see (a session or a bearer token is used when one comes). Recording an update needs a
signed-in caller whom the policy allows (the secretariat; an NCP or national coordinator of
a country the action names): 403 otherwise, 422 for invalid input, nothing written.
"""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils import translation
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from carnet.actionplan.models import Action, ActionStatus, ActionUpdate
from carnet.actionplan.policies import ActionPlanAction, ActionPlanPolicy
from carnet.actionplan.selectors import ActionFilters, action_get_for, action_history, action_list_for, action_origins_for, text_in
from carnet.actionplan.services import action_update_status
from carnet.api.auth import READERS
from carnet.api.language import requested_language
from carnet.library.models import Resource
from carnet.library.policies import LibraryPolicy

router = Router(tags=["actionplan"])

MAX_LIMIT = 100


class ErrorOut(Schema):
    detail: str
    code: str


class UpdateOut(Schema):
    status: str
    status_label: str
    note: str
    evidence_url: str
    evidence: str | None  # the library resource's slug
    author: str
    created_at: datetime


class OriginOut(Schema):
    event: str  # the meeting's slug
    event_title: str
    start_date: date
    text: str
    language: str


class ActionOut(Schema):
    code: str
    title: str
    language: str  # the language of the title
    status: str
    status_label: str
    priority: int | None
    accountable: list[str]  # organisation slugs
    countries: list[str]
    due: date | None


class ActionDetailOut(ActionOut):
    description: str
    updates: list[UpdateOut]
    origins: list[OriginOut]


class ActionPage(Schema):
    items: list[ActionOut]
    count: int


class ActionQuery(Schema):
    status: str | None = None
    priority: int | None = None
    country: str | None = None
    accountable: str | None = None
    lang: str | None = None
    limit: int = 50
    offset: int = 0


class LanguageQuery(Schema):
    lang: str | None = None


class UpdateIn(Schema):
    status: str
    note: str = ""
    evidence_url: str = ""
    evidence: str | None = None  # a library resource's slug


def _action_out(action: Action, language: str) -> dict[str, object]:
    title, title_language = text_in(action, "title", language)
    return {
        "code": action.code,
        "title": title,
        "language": title_language,
        "status": action.status,
        "status_label": str(action.get_status_display()),
        "priority": action.priority.number if action.priority else None,
        "accountable": [o.slug for o in action.responsible.all()],
        "countries": [c.code for c in action.countries.all()],
        "due": action.due,
    }


def _update_out(update: ActionUpdate) -> UpdateOut:
    return UpdateOut(
        status=update.status,
        status_label=str(update.get_status_display()),
        note=update.note,
        evidence_url=update.evidence_url,
        evidence=update.evidence.slug if update.evidence else None,
        author=update.author.get_username(),
        created_at=update.created_at,
    )


@router.get("/actions", response={200: ActionPage, 400: ErrorOut}, auth=None, summary="The actions of the Plan of Action, filtered")
def actions(request: HttpRequest, query: Query[ActionQuery]) -> ActionPage:
    language = requested_language(query.lang)
    if not 1 <= query.limit <= MAX_LIMIT or query.offset < 0:
        raise HttpError(400, f"limit is between 1 and {MAX_LIMIT}; offset is 0 or more.")
    if query.status and query.status not in ActionStatus.values:
        raise HttpError(400, f"Unknown status {query.status[:20]!r}: use one of {', '.join(ActionStatus.values)}.")
    filters = ActionFilters(
        status=query.status or "",
        priority=query.priority,
        country=(query.country or "").upper(),
        accountable=query.accountable or "",
    )
    with translation.override(language):
        found = action_list_for(actor=request.user, filters=filters)
        window = found[query.offset : query.offset + query.limit]
        return ActionPage(items=[ActionOut(**_action_out(a, language)) for a in window], count=found.count())  # type: ignore[arg-type]  # dict of the schema's fields


def _detail(request: HttpRequest, action: Action, language: str) -> ActionDetailOut:
    with translation.override(language):
        description, _lang = text_in(action, "description", language)
        origins = []
        for outcome in action_origins_for(actor=request.user, action=action):
            text, text_language = text_in(outcome, "text", language)
            event_title, _lang = text_in(outcome.event, "title", language)
            origins.append(
                OriginOut(
                    event=outcome.event.slug,
                    event_title=event_title,
                    start_date=outcome.event.start_date,
                    text=text,
                    language=text_language,
                )
            )
        return ActionDetailOut(
            **_action_out(action, language),  # type: ignore[arg-type]  # dict of the schema's fields
            description=description,
            updates=[_update_out(u) for u in action_history(action)],
            origins=origins,
        )


@router.get(
    "/actions/{code}",
    response={200: ActionDetailOut, 400: ErrorOut, 404: ErrorOut},
    auth=READERS,
    summary="One action: its history and the meeting outcomes it came from",
)
def action(request: HttpRequest, code: str, query: Query[LanguageQuery]) -> ActionDetailOut:
    language = requested_language(query.lang)
    return _detail(request, action_get_for(actor=request.user, code=code), language)


@router.post(
    "/actions/{code}/updates",
    response={201: UpdateOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Record a status update of an action, with what happened and the evidence",
)
def action_update(request: HttpRequest, code: str, payload: UpdateIn) -> Status[UpdateOut]:
    found = action_get_for(actor=request.user, code=code)
    if not ActionPlanPolicy.can(request.user, ActionPlanAction.UPDATE, found):
        raise PermissionDenied
    evidence = None
    if payload.evidence:
        evidence = LibraryPolicy.visible(request.user, Resource.objects.all()).filter(slug=payload.evidence).first()
        if evidence is None:
            raise HttpError(422, "Choose a library resource that you can see.")
    try:
        update = action_update_status(
            actor=request.user,
            action=found,
            status=payload.status,
            note=payload.note,
            evidence_url=payload.evidence_url,
            evidence=evidence,
        )
    except DjangoValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        raise HttpError(422, " ".join(str(m) for texts in messages.values() for m in texts)) from None
    return Status(201, _update_out(update))
