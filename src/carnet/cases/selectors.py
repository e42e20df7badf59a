"""Reads of case data, always through the case policy, and audited when they show protected data.

``case_get_for`` is the only way a view or API operation gets a case: "missing" and
"not yours" are the same 404. Every opening of a case writes ``case.view`` with its
purpose; identity is decrypted only in ``case_identity_for``, which writes
``child.identity.read``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from carnet.audit.models import AuditEntry
from carnet.audit.services import record
from carnet.cases.identity import Identity, document_digest, read_identity, search_digest
from carnet.cases.models import Case, ChildIndex, Exploitation, Flag, TeamMember
from carnet.cases.policies import CasePolicy


@dataclass(frozen=True)
class CaseFilters:
    status: str = ""
    risk_level: str = ""
    flag: str = ""
    age_band: str = ""
    exploitation: str = ""
    country: str = ""
    number: str = ""
    name: str = ""  # exact match through the blind index


def case_list_for(*, actor: Any, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """The caseload the actor may see, filtered in SQL. A name search is audited (it probes identities)."""
    filters = filters or CaseFilters()
    cases = CasePolicy.visible(actor, Case.objects.all()).select_related("child", "country", "organisation")
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.risk_level:
        cases = cases.filter(risk_level=filters.risk_level)
    if filters.age_band:
        cases = cases.filter(child__age_band=filters.age_band)
    if filters.country:
        cases = cases.filter(country__code=filters.country)
    if filters.flag:
        cases = cases.filter(Exists(Flag.objects.filter(case=OuterRef("pk"), kind=filters.flag, removed_at__isnull=True)))
    if filters.exploitation:
        cases = cases.filter(Exists(Exploitation.objects.filter(case=OuterRef("pk"), kind=filters.exploitation)))
    if filters.number:
        cases = cases.filter(number__iexact=filters.number.strip())
    if filters.name:
        # An exact name, or an identity-document number: both only through their keyed hashes.
        probes = ChildIndex.objects.filter(child=OuterRef("child")).filter(
            Q(kind=ChildIndex.Kind.NAME, digest=search_digest(filters.name))
            | Q(kind=ChildIndex.Kind.DOCUMENT, digest=document_digest(filters.name))
        )
        cases = cases.filter(Exists(probes))
        record(actor=actor, action="case.search", object_type="cases.case", purpose="search by name or document number (blind index)")
    active_flags = Prefetch("flags", queryset=Flag.objects.filter(removed_at__isnull=True), to_attr="active_flags")
    return cases.prefetch_related(active_flags).order_by("-opened_on", "number")


def _lookup(case_ref: str | uuid.UUID) -> dict[str, Any]:
    if isinstance(case_ref, uuid.UUID):
        return {"pk": case_ref}
    try:
        return {"pk": uuid.UUID(str(case_ref))}
    except ValueError:
        return {"number__iexact": str(case_ref)}


def case_get_for(*, actor: Any, case_ref: str | uuid.UUID, purpose: str = "view case", audit: bool = True) -> Case:
    """The case if the actor may see it, else 404. Opening it is audited with its purpose."""
    case = (
        CasePolicy.visible(actor, Case.objects.all())
        .select_related("child", "child__data_key", "country", "organisation")
        .filter(**_lookup(case_ref))
        .first()
    )
    if case is None:
        raise Http404
    if audit:
        record(actor=actor, action="case.view", obj=case, purpose=purpose)
    return case


def case_identity_for(*, actor: Any, case: Case, purpose: str = "view case") -> Identity:
    """Decrypt the child's identity for someone who may see the case; audited."""
    if not CasePolicy.can(actor, "view", case):
        raise Http404
    record(actor=actor, action="child.identity.read", obj=case.child, purpose=purpose)
    return read_identity(case.child)


def case_photo_for(*, actor: Any, case: Case) -> bytes | None:
    """The child's photo for someone who may see the case; audited like every identity read."""
    if not CasePolicy.can(actor, "view", case):
        raise Http404
    if case.child.photo_enc is None or case.child.data_key_id is None:
        return None
    from carnet.core.crypto import decrypt_field

    record(actor=actor, action="child.identity.read", obj=case.child, purpose="photo")
    photo = decrypt_field(case.child, "photo_enc", data_key=case.child.data_key)
    return photo if isinstance(photo, bytes) else None


def case_team(case: Case) -> QuerySet[TeamMember]:
    return case.team.select_related("user").order_by("role", "user__username")


def last_change(case: Case) -> AuditEntry | None:
    """Who changed the case last, for the message a stale edit shows."""
    return (
        AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk))
        .exclude(action__in=["case.view", "case.search"])
        .order_by("-seq")
        .first()
    )
