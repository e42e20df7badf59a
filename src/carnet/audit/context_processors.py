from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from carnet.audit.policies import AuditAction, AuditPolicy


def audit_nav(request: HttpRequest) -> dict[str, Any]:
    return {"can_view_audit": AuditPolicy.can(getattr(request, "user", None), AuditAction.VIEW_LOG)}
