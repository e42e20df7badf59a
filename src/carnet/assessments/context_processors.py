"""What every page may show about the self-assessment tool: the count of open risk alerts in the site header."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from carnet.assessments.policies import AssessmentAction, AssessmentPolicy
from carnet.assessments.selectors import open_alert_count


def alerts(request: HttpRequest) -> dict[str, Any]:
    """``open_risk_alerts``: risk alerts waiting for a safety note on the signed-in user's own cases (0 for anyone else)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"open_risk_alerts": 0, "can_view_outcomes": False}
    return {
        "open_risk_alerts": open_alert_count(user),
        "can_view_outcomes": AssessmentPolicy.can(user, AssessmentAction.VIEW_AGGREGATES, None),
    }
