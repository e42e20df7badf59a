"""Audit entries are only ever made by the service, so the "factory" calls it."""

from __future__ import annotations

from typing import Any

from carnet.audit.models import AuditEntry
from carnet.audit.services import record


def audit_entry(**kwargs: Any) -> AuditEntry:
    kwargs.setdefault("actor", None)
    kwargs.setdefault("action", "test.action")
    kwargs.setdefault("object_type", "test.object")
    kwargs.setdefault("object_id", "1")
    return record(**kwargs)
