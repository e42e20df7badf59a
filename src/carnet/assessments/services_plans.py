"""After the reading: action plans per domain, handling risk alerts, exporting a child's readings.

Every write here is atomic, checked against the assessment policy (taking readings and
writing plans both need the right to edit the case), validated with messages in the
user's language, and audited in the same transaction:

* ``assessment.plan.add`` / ``assessment.plan.done`` for action-plan items. What the child
  wants to change and the next steps are free text about the child: encrypted with the
  child's data key (the row is saved first, because its id binds the ciphertext).
* ``assessment.risk_alert.handle``: a risk alert is handled by writing a safety note
  (encrypted). Nothing is decided automatically: the alert stays open until a person writes.
* ``assessment.export``: a CSV or XLSX of the child's readings for the case team. It carries
  the case number and the pseudonym, never the child's identity, and every text cell is
  neutralised so that a spreadsheet cannot evaluate it as a formula.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import tablib  # type: ignore[import-untyped]  # tablib ships no types
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carnet.assessments.models import ActionPlanItem, Reading, ReadingStatus, RiskAlert
from carnet.assessments.policies import AssessmentAction, AssessmentPolicy
from carnet.assessments.selectors import plan_domain_choices, readings_rows
from carnet.audit.services import record
from carnet.cases.models import Case
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.cases.services_exports import spreadsheet_safe
from carnet.core.crypto import encrypt_field
from carnet.core.errors import Conflict
from carnet.core.models import DataKey

MAX_TEXT = 2000
MAX_NOTE = 5000


class AlertHandled(Conflict):
    code = "alert_handled"


def _require_edit(actor: Any, case: Case) -> None:
    if not AssessmentPolicy.can(actor, AssessmentAction.TAKE_READING, case):
        raise PermissionDenied


def _data_key(case: Case) -> DataKey:
    key = case.child.data_key
    if key is None:  # only an anonymised case has none, and nobody may edit one
        raise PermissionDenied
    return key


# --- Action plans -----------------------------------------------------------------------------------


@transaction.atomic
def plan_item_add(
    *,
    actor: Any,
    case: Case,
    domain_key: str,
    wants_to_change: str,
    next_steps: str = "",
    who_helps: str = "",
    review_on: date | None = None,
) -> ActionPlanItem:
    """Add to the action plan of one domain: what the child wants to change, the next steps, who helps, when to look again."""
    _require_edit(actor, case)
    errors: dict[str, str] = {}
    if domain_key not in dict(plan_domain_choices(case)):
        errors["domain_key"] = _("Choose a part of the child's life from the list.")
    wants, steps, helps = wants_to_change.strip(), next_steps.strip(), who_helps.strip()
    if not wants:
        errors["wants_to_change"] = _("Write what the child wants to change.")
    elif len(wants) > MAX_TEXT:
        errors["wants_to_change"] = _("Keep this under %(count)s characters.") % {"count": MAX_TEXT}
    if len(steps) > MAX_TEXT:
        errors["next_steps"] = _("Keep this under %(count)s characters.") % {"count": MAX_TEXT}
    if len(helps) > 200:
        errors["who_helps"] = _("Keep this under %(count)s characters.") % {"count": 200}
    if review_on is not None and review_on < timezone.localdate():
        errors["review_on"] = _("A review date cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    key = _data_key(case)
    latest = Reading.objects.filter(case=case, status=ReadingStatus.COMPLETE).order_by("-taken_on", "-completed_at").first()
    item = ActionPlanItem(case=case, domain_key=domain_key, reading=latest, who_helps=helps, review_on=review_on, created_by=actor)
    item.full_clean()
    item.save()  # the row's id binds the ciphertexts, so it exists before they are made
    encrypt_field(item, "wants_to_change_enc", wants, data_key=key)
    encrypt_field(item, "next_steps_enc", steps or None, data_key=key)
    item.save(update_fields=["wants_to_change_enc", "next_steps_enc"])
    record(actor=actor, action="assessment.plan.add", obj=case, purpose=f"action plan item {item.pk} ({domain_key})")
    return item


@transaction.atomic
def plan_item_done(*, actor: Any, case: Case, item: ActionPlanItem | int, done_on: date | None = None) -> ActionPlanItem:
    """Mark an item of the plan as done (today unless said otherwise; never in the future)."""
    _require_edit(actor, case)
    item_id = item.pk if isinstance(item, ActionPlanItem) else item
    found = ActionPlanItem.objects.select_for_update().filter(pk=item_id, case=case).first()
    if found is None:
        raise ValidationError({"item": _("This step is not part of this case's action plan.")})
    if found.done_on is not None:
        raise ValidationError({"done_on": _("This step is already marked as done.")})
    day = done_on or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"done_on": _("A step cannot be done in the future.")})
    if day < timezone.localdate(found.created_at):
        raise ValidationError({"done_on": _("A step cannot be done before it was planned.")})
    found.done_on = day
    found.save(update_fields=["done_on"])
    record(actor=actor, action="assessment.plan.done", obj=case, purpose=f"action plan item {found.pk} ({found.domain_key})")
    return found


# --- Risk alerts ------------------------------------------------------------------------------------


@transaction.atomic
def alert_handle(*, actor: Any, alert: RiskAlert, note: str) -> RiskAlert:
    """Handle a risk alert by writing a safety note: what was done or is planned to keep the child safe."""
    found = RiskAlert.objects.select_for_update().get(pk=alert.pk)
    case = Case.objects.select_related("child__data_key").get(pk=found.case_id)
    _require_edit(actor, case)
    if found.handled_at is not None:
        raise AlertHandled(_("This alert has already been handled."))
    text = note.strip()
    if not text:
        raise ValidationError({"note": _("Write a safety note: what was done, or is planned, to keep the child safe.")})
    if len(text) > MAX_NOTE:
        raise ValidationError({"note": _("Keep this under %(count)s characters.") % {"count": MAX_NOTE}})
    encrypt_field(found, "safety_note_enc", text, data_key=_data_key(case))
    found.handled_by, found.handled_at = actor, timezone.now()
    found.save(update_fields=["safety_note_enc", "handled_by", "handled_at"])
    record(actor=actor, action="assessment.risk_alert.handle", obj=case, purpose=f"risk alert {found.pk}")
    found.case = case
    return found


# --- Export -----------------------------------------------------------------------------------------

EXPORT_FORMATS = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# The columns, in order: none of them identifies the child (the case number and the pseudonym only).
EXPORT_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("case_number", gettext_lazy("Case number")),
    ("pseudonym", gettext_lazy("Pseudonym")),
    ("taken_on", gettext_lazy("Date of the reading")),
    ("instrument", gettext_lazy("Instrument")),
    ("version", gettext_lazy("Instrument version")),
    ("mode", gettext_lazy("How it was taken")),
    ("domain_key", gettext_lazy("Domain code")),
    ("domain", gettext_lazy("Domain")),
    ("respondent", gettext_lazy("Who answered")),
    ("score", gettext_lazy("Score")),
    ("statement", gettext_lazy("Statement")),
    ("declined", gettext_lazy("Did not want to say")),
    ("wished_score", gettext_lazy("Wished score")),
)


@dataclass(frozen=True)
class ReadingsExport:
    content: bytes
    content_type: str
    filename: str
    rows: int


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None:
        return ""
    if isinstance(value, int):
        return value  # a number is never a formula; spreadsheets keep it a number
    return spreadsheet_safe(value)


@transaction.atomic
def readings_export(*, actor: Any, case: Case, fmt: str) -> ReadingsExport:
    """The case's complete readings as CSV or XLSX for the case team: one row per answer; audited ``assessment.export``."""
    if not CasePolicy.can(actor, CaseAction.EXPORT, case):
        raise PermissionDenied
    if fmt not in EXPORT_FORMATS:
        raise ValidationError({"format": _("Choose CSV or XLSX.")})
    rows = readings_rows(actor=actor, case=case)
    dataset = tablib.Dataset(headers=[spreadsheet_safe(str(label)) for _key, label in EXPORT_COLUMNS], title=_("Readings")[:31])
    for row in rows:
        dataset.append([_cell(row[key]) for key, _label in EXPORT_COLUMNS])
    now = timezone.now()
    watermark = _("Confidential. Exported from carnet by %(user)s on %(time)s for the case team of %(case)s.") % {
        "user": actor.get_username(),
        "time": timezone.localtime(now).strftime("%Y-%m-%d %H:%M %Z"),
        "case": case.number,
    }
    if fmt == "csv":
        # A byte-order mark so that spreadsheets read the UTF-8 (Cyrillic) correctly; the watermark is a comment line.
        text = "\ufeff" + spreadsheet_safe(f"# {watermark}") + "\r\n" + dataset.export("csv")
        content = text.encode("utf-8")
    else:
        about = tablib.Dataset(headers=[_("About this export")[:31]], title=_("About")[:31])
        about.append([spreadsheet_safe(watermark)])
        book = tablib.Databook([dataset, about])
        buffer = io.BytesIO(book.export("xlsx"))
        content = buffer.getvalue()
    record(actor=actor, action="assessment.export", obj=case, purpose=f"readings {fmt} for the case team, {len(rows)} rows")
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    return ReadingsExport(
        content=content, content_type=EXPORT_FORMATS[fmt], filename=f"{case.number}-readings-{stamp}.{fmt}", rows=len(rows)
    )
