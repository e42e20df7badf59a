"""What an actor is in the network, computed once per request from active memberships."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carnet.accounts.models import SECOND_FACTOR_ROLES, Membership, Role


@dataclass(frozen=True)
class Grant:
    role: Role
    country: str | None  # ISO code, or None for a regional role
    organisation_id: int | None


def grants_of(user: Any) -> frozenset[Grant]:
    """The user's active grants; cached on the user object for the rest of the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_carnet_grants", None)
    if cached is None:
        rows = Membership.objects.active().filter(user_id=user.pk).values_list("role", "country__code", "organisation_id")
        cached = frozenset(Grant(Role(role), country, org) for role, country, org in rows)
        user._carnet_grants = cached
    return cached


def has_role(user: Any, *roles: Role, country: str | None = None) -> bool:
    """True when the user holds one of ``roles`` (for ``country``, when given; a regional grant covers none)."""
    return any(g.role in roles and (country is None or g.country == country) for g in grants_of(user))


def countries_for(user: Any, *roles: Role) -> set[str]:
    """The countries in which the user holds one of ``roles``."""
    return {g.country for g in grants_of(user) if g.role in roles and g.country}


def needs_second_factor(user: Any) -> bool:
    return any(g.role in SECOND_FACTOR_ROLES for g in grants_of(user))


def forget_grants(user: Any) -> None:
    if hasattr(user, "_carnet_grants"):
        del user._carnet_grants
