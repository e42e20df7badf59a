"""Who may see, register for and run events (docs/decisions/0011).

Seeing an event:
* drafts: only those who may manage it;
* ``public`` events: everyone; ``members`` events: anyone with an active membership;
* ``invited`` events: the people registered for it (the organisers invite by registering
  them) and those who manage it.
A cancelled event stays visible to whoever could see it (it says that it is cancelled).
Someone who may not see an event cannot learn that it exists: lists, calendars, feeds and
the API filter in SQL (:meth:`EventPolicy.visible`); a direct address answers 404.

Managing (create, edit, cancel, documents, registrations and the participant list,
outcomes, closing): the **secretariat** for every event; a **national contact point** or
**national coordinator** for the events they created (a national roundtable, an NCP
meeting they host). Turning an area for action into an action of the Plan of Action is
the secretariat's (it owns the Plan of Action: ``carnet.actionplan.policies``).

Registering: any network member, for an event they can see that is not a draft, not
cancelled and not closed; the registration window and capacity are the services' rules.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from django.db.models import Model, Q, QuerySet

from carnet.accounts.models import Role
from carnet.accounts.roles import grants_of
from carnet.core.policies import Policy, Rule
from carnet.events.models import Event, EventStatus, EventVisibility

M = TypeVar("M", bound=Model)

HOSTS = (Role.NCP, Role.COORDINATOR)


class EventAction(StrEnum):
    VIEW = "view"  # obj: an Event
    CREATE = "create"
    MANAGE = "manage"  # obj: an Event (edit, cancel, documents, registrations, participants, outcomes, close)
    REGISTER = "register"  # obj: an Event
    LINK_ACTION = "link_action"  # turn an area for action into an action of the Plan of Action


def _active(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def _roles(actor: Any) -> set[str]:
    return {str(g.role) for g in grants_of(actor)} if _active(actor) else set()


def is_secretariat(actor: Any) -> bool:
    return Role.SECRETARIAT in _roles(actor)


def may_manage(actor: Any, event: Event) -> bool:
    roles = _roles(actor)
    if Role.SECRETARIAT in roles:
        return True
    return bool(roles & set(HOSTS)) and event.created_by_id == actor.pk


def visibility_q(actor: Any, prefix: str = "") -> Q:
    """The events ``actor`` may know of, as a filter on Event (or, with ``prefix``, on a related model)."""
    roles = _roles(actor)
    if Role.SECRETARIAT in roles:
        return Q()
    not_draft = ~Q(**{f"{prefix}status": EventStatus.DRAFT})
    q = not_draft & Q(**{f"{prefix}visibility": EventVisibility.PUBLIC})
    if roles:
        q |= not_draft & Q(**{f"{prefix}visibility": EventVisibility.MEMBERS})
        q |= not_draft & Q(**{f"{prefix}visibility": EventVisibility.INVITED, f"{prefix}registrations__user_id": actor.pk})
        if roles & set(HOSTS):
            q |= Q(**{f"{prefix}created_by_id": actor.pk})
    return q


def _view(actor: Any, obj: Any) -> bool:
    if not isinstance(obj, Event):
        return obj is None
    if may_manage(actor, obj):
        return True
    if obj.status == EventStatus.DRAFT:
        return False
    if obj.visibility == EventVisibility.PUBLIC:
        return True
    if not _roles(actor):
        return False
    if obj.visibility == EventVisibility.MEMBERS:
        return True
    return bool(obj.registrations.filter(user_id=actor.pk).exists())


def _create(actor: Any, obj: Any) -> bool:
    return bool(_roles(actor) & {Role.SECRETARIAT, *HOSTS})


def _manage(actor: Any, obj: Any) -> bool:
    if obj is None:
        return _create(actor, obj)
    return isinstance(obj, Event) and may_manage(actor, obj)


def _register(actor: Any, obj: Any) -> bool:
    return (
        isinstance(obj, Event)
        and bool(_roles(actor))
        and obj.status in (EventStatus.TENTATIVE, EventStatus.CONFIRMED)
        and obj.closed_at is None
        and _view(actor, obj)
    )


def _link_action(actor: Any, obj: Any) -> bool:
    return is_secretariat(actor)


class EventPolicy(Policy):
    rules: ClassVar[dict[str, Rule]] = {
        EventAction.VIEW: _view,
        EventAction.CREATE: _create,
        EventAction.MANAGE: _manage,
        EventAction.REGISTER: _register,
        EventAction.LINK_ACTION: _link_action,
    }

    @classmethod
    def visible(cls, actor: Any, queryset: QuerySet[M]) -> QuerySet[M]:
        """Events (or rows whose ``event`` is one) the actor may know of, in SQL; distinct because of the registration join."""
        prefix = "" if queryset.model is Event else "event__"
        return queryset.filter(visibility_q(actor, prefix)).distinct()
