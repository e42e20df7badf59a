"""Exports of case data: a printable case file for a court or a receiving authority, a CSV of the caseload.

Why it is built this way (see ``docs/decisions/0005-case-exports-and-files.md``):

* Every export has a **purpose** from a fixed list, and each purpose carries a fixed
  set of fields (:data:`PURPOSE_FIELDS`); identity is decrypted only for purposes that
  need it. The child's contacts and whereabouts are never exported.
* The caseload CSV carries only non-identifying fields (:data:`CSV_FIELDS`) whatever
  the purpose, with spreadsheet formulas neutralised (:func:`spreadsheet_safe`).
* Every export is permission-checked (``CaseAction.EXPORT``), audited ``case.export``
  with its purpose, and watermarked with who exported it and when.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carnet.audit.services import record
from carnet.cases.identity import Identity
from carnet.cases.models import (
    CareObjective,
    Case,
    Determination,
    Exploitation,
    Flag,
    ReturnPlan,
    RouteLeg,
    StatusDecision,
    TeamMember,
)
from carnet.cases.models.codes import DecisionStatus
from carnet.cases.policies import CaseAction, CasePolicy, entitlement_q
from carnet.cases.selectors import case_identity_for, case_list_for
from carnet.core.crypto import CryptoError, decrypt_field

logger = logging.getLogger(__name__)


class ExportPurpose(models.TextChoices):
    COURT = "court", gettext_lazy("Court or tribunal proceedings")
    RECEIVING_AUTHORITY = "receiving_authority", gettext_lazy("Receiving authority (return or transfer of the child)")
    STATISTICS = "statistics", gettext_lazy("Statistics or caseload overview")


# What every export may carry: none of it identifies the child.
CASE_FIELDS: tuple[str, ...] = ("number", "pseudonym", "status", "risk_level", "age_band", "country", "opened_on")
# What identifies the child; only purposes that need it carry any of it. Contacts are never exported.
IDENTITY_FIELDS = frozenset({"full_name", "aliases", "date_of_birth", "sex", "citizenships", "languages"})

PURPOSE_FIELDS: dict[str, frozenset[str]] = {
    ExportPurpose.COURT: frozenset(
        {
            *CASE_FIELDS,
            "identified_on",
            "full_name",
            "aliases",
            "date_of_birth",
            "sex",
            "citizenships",
            "flags",
            "trafficking_status",
            "exploitation",
            "route",
            "determination",
            "team",
        }
    ),
    ExportPurpose.RECEIVING_AUTHORITY: frozenset(
        {
            *CASE_FIELDS,
            "full_name",
            "date_of_birth",
            "sex",
            "citizenships",
            "languages",
            "flags",
            "trafficking_status",
            "care_plan",
            "determination",
            "return_plan",
            "team",
        }
    ),
    ExportPurpose.STATISTICS: frozenset({*CASE_FIELDS, "exploitation_kinds"}),
}

# The caseload CSV: the same columns for every purpose, none of them identifying.
CSV_FIELDS: tuple[str, ...] = CASE_FIELDS
CSV_HEADERS: dict[str, Any] = {
    "number": gettext_lazy("Case number"),
    "pseudonym": gettext_lazy("Pseudonym"),
    "status": gettext_lazy("Status"),
    "risk_level": gettext_lazy("Risk"),
    "age_band": gettext_lazy("Age band"),
    "country": gettext_lazy("Country"),
    "opened_on": gettext_lazy("Opened"),
}

# A cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection"); tab and CR as well.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """The cell's text, with a leading apostrophe when a spreadsheet would otherwise evaluate it."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _check_purpose(purpose: str) -> ExportPurpose:
    if purpose not in ExportPurpose.values:
        raise ValidationError({"purpose": _("Choose what the export is for from the list.")})
    return ExportPurpose(purpose)


def watermark_for(*, actor: Any, purpose: ExportPurpose, at: datetime) -> str:
    """The "who and when" printed on every page and in the first row of a CSV."""
    return _("Confidential. Exported from carnet by %(user)s on %(time)s for: %(purpose)s.") % {
        "user": actor.get_username(),
        "time": timezone.localtime(at).strftime("%Y-%m-%d %H:%M %Z"),
        "purpose": purpose.label,
    }


@dataclass
class CasePrint:
    """Everything the printable case file shows; sections outside ``show`` are left empty."""

    case: Case
    purpose: ExportPurpose
    show: dict[str, bool]
    watermark: str
    exported_by: str
    exported_at: datetime
    identity: Identity | None = None
    flags: list[Flag] = field(default_factory=list)
    status_decisions: list[StatusDecision] = field(default_factory=list)
    exploitations: list[Exploitation] = field(default_factory=list)
    exploitation_kinds: list[str] = field(default_factory=list)
    route: list[RouteLeg] = field(default_factory=list)
    objectives: list[CareObjective] = field(default_factory=list)
    determination: Determination | None = None
    determination_reasons: str | None = None
    return_plan: ReturnPlan | None = None
    team: list[TeamMember] = field(default_factory=list)


def _decrypted(obj: models.Model, column: str, case: Case) -> str | None:
    """A text of another part of the case file; an unreadable one is shown as such, never as its ciphertext."""
    try:
        value = decrypt_field(obj, column, data_key=case.child.data_key)
    except CryptoError:
        logger.error("%s.%s of %s does not decrypt", obj._meta.label, column, obj.pk)
        return _("(this text cannot be read)")
    return str(value) if value is not None else None


@transaction.atomic
def case_export_print(*, actor: Any, case: Case, purpose: str) -> CasePrint:
    """Gather a case file for printing for one purpose: only that purpose's fields; audited ``case.export``."""
    if not CasePolicy.can(actor, CaseAction.EXPORT, case):
        raise PermissionDenied
    chosen = _check_purpose(purpose)
    fields = PURPOSE_FIELDS[chosen]
    now = timezone.now()
    export = CasePrint(
        case=case,
        purpose=chosen,
        show=dict.fromkeys(sorted(fields), True),
        watermark=watermark_for(actor=actor, purpose=chosen, at=now),
        exported_by=actor.get_username(),
        exported_at=now,
    )
    if fields & IDENTITY_FIELDS:
        export.identity = case_identity_for(actor=actor, case=case, purpose=f"export: {chosen.value}")
    if "flags" in fields:
        export.flags = list(case.flags.filter(removed_at__isnull=True).order_by("-raised_at"))
    if "trafficking_status" in fields:
        export.status_decisions = list(StatusDecision.objects.filter(case=case))
    if "exploitation" in fields:
        export.exploitations = list(Exploitation.objects.filter(case=case).order_by("started_on", "pk"))
    if "exploitation_kinds" in fields:
        labels = dict(Exploitation._meta.get_field("kind").choices or [])
        kinds = Exploitation.objects.filter(case=case).values_list("kind", flat=True).distinct()
        export.exploitation_kinds = sorted(str(labels.get(kind, kind)) for kind in kinds)
    if "route" in fields:
        export.route = list(RouteLeg.objects.filter(case=case))
    if "care_plan" in fields:
        export.objectives = list(CareObjective.objects.filter(case=case).prefetch_related("services"))
    if fields & {"determination", "return_plan"}:
        determination = Determination.objects.filter(case=case, status=DecisionStatus.APPROVED).order_by("-decided_on", "-pk").first()
        if determination is not None and "determination" in fields:
            export.determination = determination
            export.determination_reasons = _decrypted(determination, "reasons_enc", case)
        if determination is not None and "return_plan" in fields:
            export.return_plan = ReturnPlan.objects.filter(determination=determination).prefetch_related("visits").first()
    if "team" in fields:
        export.team = list(case.team.select_related("user").order_by("role", "user__username"))
    record(actor=actor, action="case.export", obj=case, purpose=f"{chosen.value}: printable case file")
    return export


@dataclass(frozen=True)
class CaseloadCsv:
    content: str
    count: int
    filename: str


def caseload_exportable(*, actor: Any) -> models.QuerySet[Case]:
    """The caseload the actor may export: the cases ``CaseAction.EXPORT`` allows, as one SQL filter.

    EXPORT is the edit rule: an entitlement by role (team, supervisor, NCP; break-glass
    is for reading only) on a case that is not anonymised.
    """
    return case_list_for(actor=actor).filter(entitlement_q(actor), anonymised_at__isnull=True)


@transaction.atomic
def caseload_export_csv(*, actor: Any, purpose: str) -> CaseloadCsv:
    """The actor's caseload as CSV: non-identifying columns only, watermarked, formulas neutralised, audited per case."""
    if not CasePolicy.can(actor, CaseAction.OPEN, None):  # only people who work on cases have a caseload
        raise PermissionDenied
    chosen = _check_purpose(purpose)
    now = timezone.now()
    cases = list(caseload_exportable(actor=actor))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(f"# {watermark_for(actor=actor, purpose=chosen, at=now)}")])
    writer.writerow([spreadsheet_safe(CSV_HEADERS[name]) for name in CSV_FIELDS])
    for case in cases:
        values = {
            "number": case.number,
            "pseudonym": case.child.pseudonym,
            "status": case.status,
            "risk_level": case.risk_level,
            "age_band": case.child.age_band,
            "country": case.country.code,
            "opened_on": case.opened_on.isoformat(),
        }
        writer.writerow([spreadsheet_safe(values[name]) for name in CSV_FIELDS])
        record(actor=actor, action="case.export", obj=case, purpose=f"{chosen.value}: caseload CSV")
    record(actor=actor, action="case.export", object_type="cases.case", purpose=f"{chosen.value}: caseload CSV, {len(cases)} cases")
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    return CaseloadCsv(content=buffer.getvalue(), count=len(cases), filename=f"caseload-{chosen.value}-{stamp}.csv")
