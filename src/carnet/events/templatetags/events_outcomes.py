"""``{% event_outcomes event %}``: a meeting's outcome items, for the meeting page (events/partials/outcomes.html)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from carnet.actionplan.policies import ActionPlanAction, ActionPlanPolicy
from carnet.events.models import Event
from carnet.events.policies import EventAction, EventPolicy
from carnet.events.selectors_outcomes import grouped_by_kind, outcomes_for_event

register = template.Library()


@register.inclusion_tag("events/partials/outcomes.html", takes_context=True)
def event_outcomes(context: template.Context, event: Event) -> dict[str, Any]:
    request = context.get("request")
    actor = getattr(request, "user", None)
    language = get_language() or "en"
    items = outcomes_for_event(actor=actor, event=event, language=language) if actor is not None else []
    return {
        "event": event,
        "groups": grouped_by_kind(items),
        "count": len(items),
        "language": language,
        "can_manage": actor is not None and EventPolicy.can(actor, EventAction.MANAGE, event),
        "can_link": actor is not None
        and EventPolicy.can(actor, EventAction.LINK_ACTION, event)
        and ActionPlanPolicy.can(actor, ActionPlanAction.CREATE),
    }
