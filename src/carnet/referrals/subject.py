"""Build a referral's subject from the sender's case: only the fields of the chosen profile, nothing else read.

Identity is decrypted only when the profile carries part of it, and the caller audits
that read (``child.identity.read`` with the referral as purpose).
"""

from __future__ import annotations

from typing import Any

from carnet.cases.identity import Identity, read_document_number
from carnet.cases.models import CareObjective, Case, Determination, Exploitation, ReturnPlan, RouteLeg, StatusDecision
from carnet.cases.models.codes import DecisionStatus
from carnet.core.crypto import decrypt_field
from carnet.referrals.message import (
    CareObjectivePart,
    CareServicePart,
    DeterminationPart,
    DocumentOfIdentity,
    ExploitationPart,
    ReturnPlanPart,
    RouteLegPart,
    Subject,
    TraffickingStatusPart,
)
from carnet.referrals.profiles import Field

IDENTITY_FIELDS = frozenset({Field.FULL_NAME, Field.ALIASES, Field.DATE_OF_BIRTH, Field.CITIZENSHIPS, Field.LANGUAGES})


def approved_determination(case: Case) -> Determination | None:
    return Determination.objects.filter(case=case, status=DecisionStatus.APPROVED).order_by("-decided_on", "-pk").first()


def build_subject(case: Case, fields: frozenset[str], identity: Identity | None) -> Subject:
    """The subject for ``fields``; ``identity`` is required when ``fields`` carries any of :data:`IDENTITY_FIELDS`."""
    values: dict[str, Any] = {}
    if Field.SEX in fields:
        values["sex"] = case.child.sex
    if Field.AGE_BAND in fields:
        values["age_band"] = case.child.age_band
    if fields & IDENTITY_FIELDS:
        assert identity is not None  # noqa: S101  (the caller decrypts when the profile needs identity)
        if Field.FULL_NAME in fields:
            values["given_names"] = identity.given_names
            values["family_name"] = identity.family_name
        if Field.ALIASES in fields:
            values["aliases"] = list(identity.aliases)
        if Field.DATE_OF_BIRTH in fields:
            values["date_of_birth"] = identity.date_of_birth
        if Field.CITIZENSHIPS in fields:
            values["citizenships"] = list(identity.citizenships)
        if Field.LANGUAGES in fields:
            values["languages"] = list(identity.languages)
    if Field.IDENTITY_DOCUMENTS in fields:
        values["identity_documents"] = [
            DocumentOfIdentity(kind=d.kind, issuing_country=d.issuing_country, number=read_document_number(d))
            for d in case.child.documents_of_identity.select_related("child__data_key").order_by("created_at")
        ]
    if Field.RISK_LEVEL in fields:
        values["risk_level"] = case.risk_level
    if Field.FLAGS in fields:
        values["flags"] = sorted(set(case.flags.filter(removed_at__isnull=True).values_list("kind", flat=True)))
    if Field.TRAFFICKING_STATUS in fields:
        latest = StatusDecision.objects.filter(case=case).order_by("-decided_on", "-recorded_at").first()
        if latest is not None:
            values["trafficking_status"] = TraffickingStatusPart(
                status=latest.status, decided_on=latest.decided_on, deciding_organisation=latest.deciding_organisation
            )
    if Field.EXPLOITATION in fields:
        values["exploitation"] = [
            ExploitationPart(kind=e.kind, country=e.country, started_on=e.started_on, ended_on=e.ended_on)
            for e in Exploitation.objects.filter(case=case).order_by("started_on", "pk")
        ]
    if Field.ROUTE in fields:
        values["route"] = [RouteLegPart(stage=r.stage, country=r.country, city=r.city, on=r.on) for r in RouteLeg.objects.filter(case=case)]
    if Field.CARE_PLAN in fields:
        values["care_plan"] = [
            CareObjectivePart(
                pillar=o.pillar,
                text=o.text,
                target_on=o.target_on,
                achieved_on=o.achieved_on,
                services=[CareServicePart(kind=s.kind, provider=s.provider, status=s.status) for s in o.services.all()],
            )
            for o in CareObjective.objects.filter(case=case).prefetch_related("services")
        ]
    if fields & {Field.DETERMINATION, Field.RETURN_PLAN}:
        determination = approved_determination(case)
        if determination is not None and Field.DETERMINATION in fields:
            reasons = decrypt_field(determination, "reasons_enc", data_key=case.child.data_key)
            values["determination"] = DeterminationPart(
                decision=determination.decision,
                decided_on=determination.decided_on,
                review_on=determination.review_on,
                panel=determination.panel,
                reasons=str(reasons or ""),
            )
        plan = ReturnPlan.objects.filter(determination=determination).first() if determination is not None else None
        if plan is not None and Field.RETURN_PLAN in fields:
            values["return_plan"] = ReturnPlanPart(
                receiving_country=plan.receiving_country,
                receiving_agency=plan.receiving_agency,
                escort=plan.escort,
                travel_on=plan.travel_on,
                visits_planned=[v.planned_on for v in plan.visits.all()],
            )
    return Subject(**values)


def identity_from_subject(subject: Subject) -> Identity:
    """What the receiving country's own case starts with: the identity the referral shared, nothing more."""
    return Identity(
        given_names=subject.given_names or "",
        family_name=subject.family_name or "",
        aliases=list(subject.aliases or []),
        date_of_birth=subject.date_of_birth,
        citizenships=list(subject.citizenships or []),
        languages=list(subject.languages or []),
    )
