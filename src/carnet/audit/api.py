"""Searching the audit log through the API (data-protection officer roles only).

No `from __future__ import annotations` here: ninja must see `Query[...]` as a real type.
"""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from carnet.audit.policies import AuditAction, AuditPolicy
from carnet.audit.selectors import AuditQuery, audit_search_for

router = Router(tags=["audit"])


class EntryOut(Schema):
    seq: int
    at: datetime
    actor_username: str
    action: str
    object_type: str
    object_id: str
    purpose: str
    outcome: str
    ip: str
    hash: str


class EntryFilter(Schema):
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None
    date_to: date | None = None


@router.get("/entries", response=list[EntryOut], summary="Search the audit log")
@paginate(LimitOffsetPagination)
def entries(request: HttpRequest, filters: Query[EntryFilter]) -> object:
    if not AuditPolicy.can(request.user, AuditAction.VIEW_LOG):
        raise PermissionDenied
    return audit_search_for(actor=request.user, query=AuditQuery(**filters.model_dump()))
