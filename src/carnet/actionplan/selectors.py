"""Reads of the Plan of Action.

The actions themselves are public (``ActionPlanPolicy.visible`` keeps them all); what an
action came from is not: the meetings that fed it are shown only when the reader may see
them (``EventPolicy.visible`` in SQL), so an invited or members-only meeting never shows
through an action's page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from carnet.actionplan.models import Action, ActionStatus, ActionUpdate
from carnet.actionplan.policies import ActionPlanPolicy
from carnet.events.models import Event, Outcome
from carnet.events.policies import EventPolicy


@dataclass(frozen=True)
class ActionFilters:
    status: str = ""
    priority: int | None = None  # the priority's number
    country: str = ""  # ISO code
    accountable: str = ""  # the organisation's slug


def action_list_for(*, actor: Any, filters: ActionFilters | None = None) -> QuerySet[Action]:
    """The actions, filtered; with their priority, accountable organisations and countries loaded."""
    filters = filters or ActionFilters()
    qs = ActionPlanPolicy.visible(actor, Action.objects.all())
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.priority is not None:
        qs = qs.filter(priority__number=filters.priority)
    if filters.country:
        qs = qs.filter(countries__code=filters.country)
    if filters.accountable:
        qs = qs.filter(responsible__slug=filters.accountable)
    return (
        qs.distinct()
        .select_related("priority")
        .prefetch_related("translations", "priority__translations", "responsible__translations", "countries__translations")
        .order_by("code")
    )


def status_counts(qs: QuerySet[Action]) -> dict[str, int]:
    """How many of ``qs`` are in each status (every status named, zeros included)."""
    counted = {row["status"]: row["n"] for row in qs.order_by().values("status").annotate(n=Count("pk", distinct=True))}
    return {status: counted.get(status, 0) for status in ActionStatus.values}


def action_get_for(*, actor: Any, code: str) -> Action:
    """One action by its code (404 when there is none)."""
    action: Action | None = (
        ActionPlanPolicy.visible(actor, Action.objects.all())
        .select_related("priority")
        .prefetch_related("translations", "responsible__translations", "countries__translations")
        .filter(code=code)
        .first()
    )
    if action is None:
        raise Http404
    return action


def action_history(action: Action) -> QuerySet[ActionUpdate]:
    """The action's updates, latest first, with their authors and evidence."""
    updates: QuerySet[ActionUpdate] = action.updates.select_related("author", "evidence").order_by("-created_at", "-pk")
    return updates


def action_origins_for(*, actor: Any, action: Action) -> list[Outcome]:
    """The outcome items the action came from, of meetings the reader may see, each with its meeting."""
    events = EventPolicy.visible(actor, Event.objects.all()).values("pk")
    return list(
        Outcome.objects.filter(action=action, event__in=events)
        .select_related("event")
        .prefetch_related("translations", Prefetch("event__translations"))
        .order_by("event__start_date", "position")
    )


def text_in(obj: Any, field: str, language: str) -> tuple[str, str]:
    """A translated field in ``language``, else English, else any language; with the language it is in."""
    stored: Mapping[str, Any] = {t.language_code: t for t in obj.translations.all()}
    for code in (language, "en", *sorted(stored)):
        translation = stored.get(code)
        if translation is not None and getattr(translation, field, None):
            return str(getattr(translation, field)), code
    return "", language
