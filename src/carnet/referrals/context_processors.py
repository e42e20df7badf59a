"""What every page may show about referrals: the "Referrals" link in the navigation, for the people who work on cases."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from carnet.accounts.models import Role
from carnet.accounts.roles import has_role

REFERRAL_ROLES = (Role.NCP, Role.CASEWORKER, Role.SUPERVISOR)


def referrals_nav(request: HttpRequest) -> dict[str, Any]:
    """``can_use_referrals``: national contact points, caseworkers and supervisors (their inbox and outbox)."""
    return {"can_use_referrals": has_role(getattr(request, "user", None), *REFERRAL_ROLES)}
