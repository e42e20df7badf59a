"""Who may read the audit log: the data-protection officer's roles (secretariat, system administrator)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from django.db.models import QuerySet

from carnet.accounts.models import Role
from carnet.accounts.roles import has_role
from carnet.audit.models import AuditEntry
from carnet.core.policies import Policy, Rule


class AuditAction(StrEnum):
    VIEW_LOG = "view_log"


def _is_dpo(actor: Any, obj: Any) -> bool:
    return has_role(actor, Role.SECRETARIAT, Role.SYSADMIN)


class AuditPolicy(Policy):
    rules: ClassVar[dict[str, Rule]] = {AuditAction.VIEW_LOG: _is_dpo}

    @classmethod
    def visible(cls, actor: Any, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:  # type: ignore[override]  # narrowed to entries
        return queryset if cls.can(actor, AuditAction.VIEW_LOG) else queryset.none()
