"""Who may see and do what with a case.

A case is visible to its case team, the supervisors of its organisation in its country,
the national contact point of its country, and whoever holds a current break-glass
grant on it. Nobody else: not the secretariat, not system administrators, not another
country's NCP. Visibility is a SQL filter (``visible``); a case outside it is a 404.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from carnet.accounts.models import Membership, Role
from carnet.accounts.roles import grants_of
from carnet.cases.models import BreakGlass, Case, TeamMember
from carnet.cases.models.codes import TeamRole
from carnet.core.policies import Policy, Rule


class CaseAction(StrEnum):
    OPEN = "open"  # open a new case in one's own country
    VIEW = "view"
    EDIT = "edit"  # record identification, care plan, assessments, notes, documents
    MANAGE = "manage"  # team, status, closing
    APPROVE = "approve"  # approve or send back a best-interests determination
    EXPORT = "export"
    BREAK_GLASS = "break_glass"  # ask for emergency access to a case one cannot see


CASE_OPENERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.NCP)


def _authenticated(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active


def entitlement_q(actor: Any) -> Q:
    """The cases ``actor`` is entitled to by role (team, supervisor of the organisation, NCP of the country)."""
    if not _authenticated(actor):
        return Q(pk__in=[])
    grants = grants_of(actor)
    condition = Q(Exists(TeamMember.objects.filter(case=OuterRef("pk"), user=actor)))
    ncp_countries = [g.country for g in grants if g.role == Role.NCP and g.country]
    if ncp_countries:
        condition |= Q(country__code__in=ncp_countries)
    for grant in grants:
        if grant.role == Role.SUPERVISOR and grant.country and grant.organisation_id:
            condition |= Q(country__code=grant.country, organisation_id=grant.organisation_id)
    return condition


def break_glass_q(actor: Any) -> Q:
    if not _authenticated(actor):
        return Q(pk__in=[])
    current = BreakGlass.objects.filter(case=OuterRef("pk"), user=actor, expires_at__gt=timezone.now())
    return Q(Exists(current))


def _in_team(actor: Any, case: Case, *roles: str) -> bool:
    team = TeamMember.objects.filter(case=case, user=actor)
    if roles:
        team = team.filter(role__in=roles)
    return team.exists()


def _is_supervisor_for(actor: Any, case: Case) -> bool:
    return _in_team(actor, case, TeamRole.SUPERVISOR) or any(
        g.role == Role.SUPERVISOR and g.country == case.country.code and g.organisation_id == case.organisation_id for g in grants_of(actor)
    )


def _is_ncp_for(actor: Any, case: Case) -> bool:
    return any(g.role == Role.NCP and g.country == case.country.code for g in grants_of(actor))


def _can_view(actor: Any, case: Case) -> bool:
    return _authenticated(actor) and CasePolicy.visible(actor, Case.objects.filter(pk=case.pk)).exists()


def _can_edit(actor: Any, case: Case) -> bool:
    # Editing needs an entitlement, not just break-glass (which is for reading in an emergency), and an open case.
    if case.anonymised_at is not None:
        return False
    return _authenticated(actor) and Case.objects.filter(entitlement_q(actor), pk=case.pk).exists()


def _can_manage(actor: Any, case: Case) -> bool:
    return _can_edit(actor, case) and (_in_team(actor, case, TeamRole.OWNER) or _is_supervisor_for(actor, case) or _is_ncp_for(actor, case))


def _can_approve(actor: Any, case: Case) -> bool:
    return _can_edit(actor, case) and _is_supervisor_for(actor, case)


def _can_open(actor: Any, country: Any) -> bool:
    """``country`` is a Country (or None for "any country I work in")."""
    grants = [g for g in grants_of(actor) if g.role in CASE_OPENERS and g.country]
    if country is None:
        return bool(grants)
    return any(g.country == country.code for g in grants)


def _can_break_glass(actor: Any, case: Case) -> bool:
    """A supervisor or NCP of the case's country who is not already entitled may ask."""
    if not _authenticated(actor) or Case.objects.filter(entitlement_q(actor), pk=case.pk).exists():
        return False
    return any(g.role in (Role.SUPERVISOR, Role.NCP) and g.country == case.country.code for g in grants_of(actor))


class CasePolicy(Policy):
    rules: ClassVar[dict[str, Rule]] = {
        CaseAction.OPEN: _can_open,
        CaseAction.VIEW: _can_view,
        CaseAction.EDIT: _can_edit,
        CaseAction.MANAGE: _can_manage,
        CaseAction.APPROVE: _can_approve,
        CaseAction.EXPORT: _can_edit,
        CaseAction.BREAK_GLASS: _can_break_glass,
    }

    @classmethod
    def visible(cls, actor: Any, queryset: QuerySet[Case]) -> QuerySet[Case]:  # type: ignore[override]  # narrowed to cases
        if not _authenticated(actor):
            return queryset.none()
        return queryset.filter(entitlement_q(actor) | break_glass_q(actor))


def countries_where_can_open(actor: Any) -> list[str]:
    return sorted({g.country for g in grants_of(actor) if g.role in CASE_OPENERS and g.country})


def organisation_for_new_case(actor: Any, country_code: str) -> int | None:
    """The organisation a new case belongs to: the opener's own in that country."""
    for membership in Membership.objects.active().filter(user_id=actor.pk, role__in=CASE_OPENERS, country__code=country_code):
        if membership.organisation_id:
            return int(membership.organisation_id)
    return None
