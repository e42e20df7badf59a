from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from carnet.accounts.roles import has_role
from carnet.cases.policies import CASE_OPENERS


def cases_nav(request: HttpRequest) -> dict[str, Any]:
    """Show "Cases" in the navigation to the roles that work on cases."""
    return {"can_use_cases": has_role(getattr(request, "user", None), *CASE_OPENERS)}
