"""Searching the audit log. The search itself is audited: looking at who looked is also a look."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from carnet.audit.models import AuditEntry
from carnet.audit.policies import AuditPolicy
from carnet.audit.services import record


@dataclass(frozen=True)
class AuditQuery:
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def describe(self) -> str:
        return ";".join(f"{k}={v}" for k, v in self.__dict__.items() if v)[:500]


def audit_search_for(*, actor: Any, query: AuditQuery) -> QuerySet[AuditEntry]:
    entries = AuditPolicy.visible(actor, AuditEntry.objects.all())
    if query.actor:
        entries = entries.filter(actor_username__iexact=query.actor)
    if query.action:
        entries = entries.filter(action__startswith=query.action)
    if query.object_type:
        entries = entries.filter(object_type=query.object_type)
    if query.object_id:
        entries = entries.filter(object_id=query.object_id)
    tz = timezone.get_current_timezone()
    if query.date_from:
        entries = entries.filter(at__gte=datetime.combine(query.date_from, time.min, tzinfo=tz))
    if query.date_to:
        entries = entries.filter(at__lt=datetime.combine(query.date_to + timedelta(days=1), time.min, tzinfo=tz))
    record(actor=actor, action="audit.search", object_type="audit.auditentry", purpose=query.describe())
    return entries.order_by("-seq")
