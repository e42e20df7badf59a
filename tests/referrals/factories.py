"""Synthetic referrals for tests: always through the services, as NCPs would send and answer them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from carnet.accounts.models import User
from carnet.cases.models import Case
from carnet.cases.services_best_interests import (
    AssessmentTexts,
    assessment_record,
    determination_approve,
    determination_record,
    determination_submit,
    return_plan_create,
    visit_plan,
)
from carnet.referrals.models import Referral
from carnet.referrals.profiles import LegalBasis, Purpose
from carnet.referrals.services import NewReferral, referral_draft, referral_send
from tests.cases.factories import open_case


def days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)


def returnable_case(users: dict[str, User], *, to: str = "LT", **case_overrides: Any) -> Case:
    """A Swedish case of caseworker-se with an approved determination for return to ``to``, a return plan and a planned visit."""
    worker, supervisor = users["caseworker-se"], users["supervisor-se"]
    case = open_case(worker, opened_on=days(-30), **case_overrides)
    assessment = assessment_record(
        actor=worker, case=case, assessed_on=days(-20), re_trafficking_risk="low",
        texts=AssessmentTexts(
            child_views="I want to go home to my grandmother.", family="Grandmother reachable", safety="No recruiter known"
        ),
    )  # fmt: skip
    determination = determination_record(
        actor=worker, case=case, assessment=assessment, panel="Guardian, caseworker, psychologist",
        options_weighed=["local_integration", "return"], decision="return", reasons="Grandmother safe and willing; school place ready",
        decided_on=days(-15),
    )  # fmt: skip
    determination_submit(actor=worker, case=case, determination=determination)
    determination_approve(actor=supervisor, case=case, determination=determination)
    plan = return_plan_create(
        actor=worker, case=case, determination=determination, receiving_country=to, receiving_agency="Demo child protection service",
        escort="Social worker", travel_on=days(5),
    )  # fmt: skip
    visit_plan(actor=worker, case=case, plan=plan, planned_on=days(20))
    case.refresh_from_db()
    return case


def new_referral(**overrides: Any) -> NewReferral:
    values: dict[str, Any] = {
        "to_country": "LT",
        "purpose": Purpose.RETURN_PREPARATION,
        "legal_basis": LegalBasis.CONSENT,
        "legal_basis_decided_by": "The child and the appointed guardian",
        "legal_basis_decided_on": days(-2),
        "note": "Please prepare the return; the child speaks Lithuanian and Russian.",
    }
    values.update(overrides)
    return NewReferral(**values)


def draft_referral(users: dict[str, User], case: Case | None = None, *, by: str = "ncp-se", **overrides: Any) -> Referral:
    case = case or returnable_case(users)
    return referral_draft(actor=users[by], case=case, new=new_referral(**overrides))


def sent_referral(users: dict[str, User], case: Case | None = None, **overrides: Any) -> Referral:
    referral = draft_referral(users, case, **overrides)
    return referral_send(actor=users["ncp-se"], referral=referral)
