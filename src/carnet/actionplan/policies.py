"""Who may read and change the Plan of Action.

The Plan of Action is the WGCC's public accountability: everyone may read the actions,
who is accountable and where each stands (the meeting pages show it beside each area for
action). The **secretariat** keeps it: it creates actions (from meeting outcomes or on
their own) and records updates of status with their evidence. National coordinators and
national contact points report progress on actions their country is accountable for.
Anything not listed is denied (carnet.core.policies.Policy).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from django.db.models import Model, QuerySet

from carnet.accounts.models import Role
from carnet.accounts.roles import grants_of
from carnet.actionplan.models import Action
from carnet.core.policies import Policy, Rule

M = TypeVar("M", bound=Model)


class ActionPlanAction(StrEnum):
    VIEW = "view"
    CREATE = "create"
    UPDATE = "update"  # record a status update with evidence; obj: an Action


def _active(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def _secretariat(actor: Any, obj: Any = None) -> bool:
    return _active(actor) and any(g.role == Role.SECRETARIAT for g in grants_of(actor))


def _update(actor: Any, obj: Any) -> bool:
    if _secretariat(actor):
        return True
    if not isinstance(obj, Action) or not _active(actor):
        return False
    own = {g.country for g in grants_of(actor) if g.role in (Role.NCP, Role.COORDINATOR) and g.country}
    return bool(own) and obj.countries.filter(code__in=own).exists()


class ActionPlanPolicy(Policy):
    rules: ClassVar[dict[str, Rule]] = {
        ActionPlanAction.VIEW: lambda actor, obj: True,
        ActionPlanAction.CREATE: _secretariat,
        ActionPlanAction.UPDATE: _update,
    }

    @classmethod
    def visible(cls, actor: Any, queryset: QuerySet[M]) -> QuerySet[M]:
        return queryset
