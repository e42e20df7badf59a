"""Who may do what with the self-assessment tool.

Readings belong to a case: whoever may see the case may see its readings, whoever may edit
it may take readings and write action plans (carnet.cases.policies decides). Aggregated
outcomes are for supervisors, NCPs and national coordinators, for their own country, and
never by worker. Instruments are managed by the secretariat.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from carnet.accounts.models import Role
from carnet.accounts.roles import countries_for, has_role
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.core.policies import Policy, Rule

AGGREGATE_ROLES = (Role.SUPERVISOR, Role.NCP, Role.COORDINATOR)


class AssessmentAction(StrEnum):
    VIEW_READINGS = "view_readings"  # obj: a Case
    TAKE_READING = "take_reading"  # obj: a Case
    VIEW_AGGREGATES = "view_aggregates"  # obj: a country code, or None for "any of mine"
    MANAGE_INSTRUMENTS = "manage_instruments"


def _view(actor: Any, case: Any) -> bool:
    return CasePolicy.can(actor, CaseAction.VIEW, case)


def _take(actor: Any, case: Any) -> bool:
    return CasePolicy.can(actor, CaseAction.EDIT, case)


def _aggregates(actor: Any, country: Any) -> bool:
    countries = countries_for(actor, *AGGREGATE_ROLES)
    return bool(countries) if country is None else country in countries


def _instruments(actor: Any, obj: Any) -> bool:
    return has_role(actor, Role.SECRETARIAT)


class AssessmentPolicy(Policy):
    rules: ClassVar[dict[str, Rule]] = {
        AssessmentAction.VIEW_READINGS: _view,
        AssessmentAction.TAKE_READING: _take,
        AssessmentAction.VIEW_AGGREGATES: _aggregates,
        AssessmentAction.MANAGE_INSTRUMENTS: _instruments,
    }


def aggregate_countries(actor: Any) -> list[str]:
    return sorted(countries_for(actor, *AGGREGATE_ROLES))
