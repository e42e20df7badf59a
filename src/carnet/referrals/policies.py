"""Who may see and do what with a referral.

Two sides, each with its own people:

* the **sending side**: whoever may see the source case (its team, supervisors, the
  sending country's NCP). Only the sending NCP sends, approves a caseworker's draft
  and withdraws.
* the **receiving side**: the receiving country's NCP (its inbox), the person the NCP
  assigned, and the team of the case the acceptance created. A draft is invisible to
  them. The receiving NCP acknowledges, accepts, declines, asks for information and
  assigns; the NCP or the assignee does the work and completes it.

Nobody else sees a referral: not the secretariat, not national coordinators (they get
counts and times on the dashboard, and an escalation notice naming the reference).
Visibility is one SQL filter; outside it, a referral is a 404.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from django.db.models import Q, QuerySet

from carnet.accounts.models import Role
from carnet.accounts.roles import countries_for, grants_of
from carnet.cases.models import Case
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.core.policies import Policy, Rule
from carnet.referrals.models import CLOSED, Referral, Side, Status


class ReferralAction(StrEnum):
    VIEW = "view"
    DRAFT = "draft"  # start a referral from a case (obj: the case)
    SEND = "send"  # send, or approve and send a caseworker's draft
    WITHDRAW = "withdraw"
    ANSWER = "answer"  # acknowledge, accept, decline, ask for information, assign
    WORK = "work"  # start, complete, report a follow-up visit
    PROVIDE = "provide"  # answer the receiving side's request for information
    MESSAGE = "message"  # write on the thread
    MATCH = "match"  # ask whether another country knows the child (obj: the case)
    DASHBOARD = "dashboard"


DASHBOARD_ROLES = (Role.SECRETARIAT, Role.COORDINATOR, Role.NCP)


def _authenticated(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active


def _visible_cases(actor: Any) -> QuerySet[Case]:
    return CasePolicy.visible(actor, Case.objects.all())


def sender_q(actor: Any) -> Q:
    return Q(source_case__in=_visible_cases(actor).values("pk"))


def receiver_q(actor: Any) -> Q:
    ncp_of = countries_for(actor, Role.NCP)
    condition = Q(assigned_to=actor) | Q(receiving_case__in=_visible_cases(actor).values("pk"))
    if ncp_of:
        condition |= Q(to_country__code__in=sorted(ncp_of))
    return condition & ~Q(status=Status.DRAFT)


def side_of(actor: Any, referral: Referral) -> Side | None:
    """Which side the actor is on (the sending side first, should one person be on both).

    Remembered on the referral instance for its status and version, so that one page asking
    eight times runs the two queries once; a step (which saves a new version) asks again.
    """
    if not _authenticated(actor):
        return None
    key = (actor.pk, referral.status, referral.version, referral.assigned_to_id, referral.receiving_case_id)
    remembered: dict[tuple[Any, ...], Side | None] = referral.__dict__.setdefault("_carnet_sides", {})
    if key not in remembered:
        mine = Referral.objects.filter(pk=referral.pk)
        if mine.filter(sender_q(actor)).exists():
            remembered[key] = Side.SENDER
        elif mine.filter(receiver_q(actor)).exists():
            remembered[key] = Side.RECEIVER
        else:
            remembered[key] = None
    return remembered[key]


def _is_ncp(actor: Any, country_code: str) -> bool:
    return any(g.role == Role.NCP and g.country == country_code for g in grants_of(actor))


def _can_view(actor: Any, referral: Referral) -> bool:
    return side_of(actor, referral) is not None


def _can_draft(actor: Any, case: Case) -> bool:
    return _authenticated(actor) and CasePolicy.can(actor, CaseAction.EDIT, case)


def _can_send(actor: Any, referral: Referral) -> bool:
    return referral.status == Status.DRAFT and _is_ncp(actor, referral.from_country.code) and side_of(actor, referral) == Side.SENDER


def _can_withdraw(actor: Any, referral: Referral) -> bool:
    if referral.status in CLOSED or side_of(actor, referral) != Side.SENDER:
        return False
    if referral.status == Status.DRAFT and referral.created_by_id == actor.pk:
        return True
    return _is_ncp(actor, referral.from_country.code)


def _can_answer(actor: Any, referral: Referral) -> bool:
    return referral.status != Status.DRAFT and _is_ncp(actor, referral.to_country.code)


def _can_work(actor: Any, referral: Referral) -> bool:
    return _can_answer(actor, referral) or (referral.assigned_to_id is not None and referral.assigned_to_id == actor.pk)


def _can_provide(actor: Any, referral: Referral) -> bool:
    return side_of(actor, referral) == Side.SENDER and CasePolicy.can(actor, CaseAction.EDIT, referral.source_case)


def _can_message(actor: Any, referral: Referral) -> bool:
    return referral.status != Status.DRAFT and side_of(actor, referral) is not None


def _can_match(actor: Any, case: Case) -> bool:
    return _authenticated(actor) and _is_ncp(actor, case.country.code) and CasePolicy.can(actor, CaseAction.VIEW, case)


def _can_dashboard(actor: Any, obj: Any = None) -> bool:
    return any(g.role in DASHBOARD_ROLES for g in grants_of(actor))


class ReferralPolicy(Policy):
    rules: ClassVar[dict[str, Rule]] = {
        ReferralAction.VIEW: _can_view,
        ReferralAction.DRAFT: _can_draft,
        ReferralAction.SEND: _can_send,
        ReferralAction.WITHDRAW: _can_withdraw,
        ReferralAction.ANSWER: _can_answer,
        ReferralAction.WORK: _can_work,
        ReferralAction.PROVIDE: _can_provide,
        ReferralAction.MESSAGE: _can_message,
        ReferralAction.MATCH: _can_match,
        ReferralAction.DASHBOARD: _can_dashboard,
    }

    @classmethod
    def visible(cls, actor: Any, queryset: QuerySet[Referral]) -> QuerySet[Referral]:  # type: ignore[override]  # narrowed
        if not _authenticated(actor):
            return queryset.none()
        return queryset.filter(sender_q(actor) | receiver_q(actor))
