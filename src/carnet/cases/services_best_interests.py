"""Best interests: the repeatable assessment, the panel's determination, its approval, and the return plan.

Why it is built this way: a decision to return a child to the country of origin is the
heaviest a case file records. So

* every text about the child (their views in their own words above all, the family, the
  safety and risk of re-trafficking at origin, the care there, education and health, the
  guardian's opinion, the panel's reasons, a visit's result) is encrypted under the child's
  data key;
* a determination goes draft -> submitted -> approved or sent back, and only a supervisor of
  the case who did not submit it may approve or send it back (four eyes; the database has
  the same rule as a constraint);
* only an approved determination is the case's current decision, and only an approved
  "return" decision may get a return plan with follow-up visits.

Every write is atomic, moves the case's version and writes ``case.best_interests.<verb>`` in
the same transaction; approving and sending back record the supervisor's reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carnet.audit.services import record
from carnet.cases.errors import InvalidCaseData
from carnet.cases.models import BestInterestsAssessment, Case, Determination, FollowUpVisit, ReturnPlan
from carnet.cases.models.codes import DecisionStatus, DurableSolution, RiskLevel
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.cases.services import touch_case
from carnet.cases.services_care import read_text
from carnet.core.crypto import encrypt_field
from carnet.core.models import DataKey

# The risk of re-trafficking in the country of origin: low, medium or high ("" when not assessed).
RE_TRAFFICKING_RISKS = [(level.value, level.label) for level in (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH)]
RE_TRAFFICKING_RISK_VALUES = frozenset(value for value, _label in RE_TRAFFICKING_RISKS)

# The assessment's encrypted texts: attribute -> (column, label). The child's own words come first.
ASSESSMENT_TEXTS: dict[str, tuple[str, Any]] = {
    "child_views": ("child_views_enc", gettext_lazy("The child's views, in their own words")),
    "family": ("family_enc", gettext_lazy("Family assessment")),
    "safety": ("safety_enc", gettext_lazy("Safety and risk of re-trafficking in the country of origin")),
    "care_at_origin": ("care_at_origin_enc", gettext_lazy("Care available in the country of origin")),
    "education_health": ("education_health_enc", gettext_lazy("Education and health")),
    "guardian_opinion": ("guardian_opinion_enc", gettext_lazy("The guardian's opinion")),
}


@dataclass(frozen=True)
class AssessmentTexts:
    child_views: str
    family: str = ""
    safety: str = ""
    care_at_origin: str = ""
    education_health: str = ""
    guardian_opinion: str = ""


def _require(actor: Any, action: CaseAction, case: Case) -> None:
    if not CasePolicy.can(actor, action, case):
        raise PermissionDenied


def _data_key(case: Case) -> DataKey:
    key = case.child.data_key
    if key is None:  # only an anonymised case has none, and nobody may edit one
        raise PermissionDenied
    return key


def _encrypt_and_save(obj: Any, texts: dict[str, str], key: DataKey) -> None:
    """Encrypt ``{column: text}`` on a saved row (its id binds the ciphertext) and save those columns."""
    for column, text in texts.items():
        encrypt_field(obj, column, text.strip() or None, data_key=key)
    obj.save(update_fields=list(texts))


def _wrong_status(message: str) -> InvalidCaseData:
    """The decision is not in a state that allows this step (a conflict, not bad input)."""
    error = InvalidCaseData(message, code="wrong_status")
    error.status = 409
    return error


def _four_eyes() -> InvalidCaseData:
    """The submitter may not approve or send back their own submission: a denial."""
    error = InvalidCaseData(
        _("You submitted this decision: another supervisor of the case must approve it or send it back."), code="second_person_required"
    )
    error.status = 403
    return error


def _determination_of(case: Case, determination: Determination | int) -> Determination:
    determination_id = determination.pk if isinstance(determination, Determination) else determination
    found = Determination.objects.select_for_update().filter(pk=determination_id, case=case).first()
    if found is None:
        raise ValidationError({"determination": _("This decision is not part of this case.")})
    return found


# --- Assessment ----------------------------------------------------------------------


@transaction.atomic
def assessment_record(
    *, actor: Any, case: Case, assessed_on: date, texts: AssessmentTexts, re_trafficking_risk: str = ""
) -> BestInterestsAssessment:
    """Record a best-interests assessment (repeatable: each one stays as it was written)."""
    _require(actor, CaseAction.EDIT, case)
    errors: dict[str, str] = {}
    if assessed_on > timezone.localdate():
        errors["assessed_on"] = _("An assessment cannot be dated in the future.")
    if not texts.child_views.strip():
        errors["child_views"] = _("Write down the child's views in their own words (or that they chose not to give them).")
    if re_trafficking_risk and re_trafficking_risk not in RE_TRAFFICKING_RISK_VALUES:
        errors["re_trafficking_risk"] = _("The risk of re-trafficking is low, medium or high.")
    if errors:
        raise ValidationError(errors)
    key = _data_key(case)
    assessment = BestInterestsAssessment(case=case, assessed_on=assessed_on, re_trafficking_risk=re_trafficking_risk, assessed_by=actor)
    assessment.full_clean()
    assessment.save()
    _encrypt_and_save(assessment, {column: getattr(texts, name) for name, (column, _label) in ASSESSMENT_TEXTS.items()}, key)
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action="case.best_interests.assess", obj=case, purpose=f"assessment {assessment.pk} on {assessed_on.isoformat()}")
    return assessment


# --- Determination and its approval -----------------------------------------------------


def _options(options_weighed: Iterable[str], decision: str) -> list[str]:
    chosen = set(options_weighed)
    unknown = chosen - set(DurableSolution.values)
    if unknown:
        raise ValidationError({"options_weighed": _("Unknown option: the options are local integration, return and a third country.")})
    if decision not in DurableSolution.values:
        raise ValidationError({"decision": _("Unknown decision: choose local integration, return or a third country.")})
    if decision not in chosen:
        raise ValidationError({"options_weighed": _("The options weighed must include the option decided on.")})
    return [value for value in DurableSolution.values if value in chosen]


@transaction.atomic
def determination_record(
    *,
    actor: Any,
    case: Case,
    assessment: BestInterestsAssessment | int,
    panel: str,
    options_weighed: Iterable[str],
    decision: str,
    reasons: str,
    decided_on: date,
    review_on: date | None = None,
    appeal: str = "",
) -> Determination:
    """Record the panel's determination as a draft; it counts only once a supervisor approves it."""
    _require(actor, CaseAction.EDIT, case)
    assessment_id = assessment.pk if isinstance(assessment, BestInterestsAssessment) else assessment
    found = BestInterestsAssessment.objects.filter(pk=assessment_id, case=case).first()
    if found is None:
        raise ValidationError({"assessment": _("Choose an assessment of this case.")})
    options = _options(options_weighed, decision)
    errors: dict[str, str] = {}
    if not panel.strip():
        errors["panel"] = _("Name the members of the panel.")
    if not reasons.strip():
        errors["reasons"] = _("Give the panel's reasons.")
    if decided_on > timezone.localdate():
        errors["decided_on"] = _("A decision cannot be dated in the future.")
    elif decided_on < found.assessed_on:
        errors["decided_on"] = _("The decision cannot come before the assessment it rests on (%(date)s).") % {
            "date": found.assessed_on.isoformat()
        }
    if review_on is not None and review_on <= decided_on:
        errors["review_on"] = _("The review date must come after the decision.")
    if errors:
        raise ValidationError(errors)
    key = _data_key(case)
    determination = Determination(
        case=case, assessment=found, panel=panel.strip(), options_weighed=options, decision=decision, decided_on=decided_on,
        review_on=review_on, appeal=appeal.strip(), status=DecisionStatus.DRAFT, submitted_by=actor,
    )  # fmt: skip
    determination.full_clean()
    determination.save()
    _encrypt_and_save(determination, {"reasons_enc": reasons}, key)
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action="case.best_interests.determine", obj=case, purpose=f"determination {determination.pk}: {decision} (draft)")
    return determination


@transaction.atomic
def determination_submit(*, actor: Any, case: Case, determination: Determination | int) -> Determination:
    """Submit a draft for a supervisor's approval; the submitter cannot be its approver."""
    _require(actor, CaseAction.EDIT, case)
    found = _determination_of(case, determination)
    if found.status != DecisionStatus.DRAFT:
        raise _wrong_status(_("Only a draft can be submitted for approval."))
    found.status, found.submitted_by = DecisionStatus.SUBMITTED, actor
    found.save(update_fields=["status", "submitted_by"])
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action="case.best_interests.submit", obj=case, purpose=f"determination {found.pk}: {found.decision}")
    return found


def _decide(*, actor: Any, case: Case, determination: Determination | int) -> Determination:
    _require(actor, CaseAction.APPROVE, case)
    found = _determination_of(case, determination)
    if found.status != DecisionStatus.SUBMITTED:
        raise _wrong_status(_("Only a decision awaiting approval can be approved or sent back."))
    if found.submitted_by_id == actor.pk:
        raise _four_eyes()
    return found


@transaction.atomic
def determination_approve(*, actor: Any, case: Case, determination: Determination | int, note: str = "") -> Determination:
    """Approve a submitted determination (a supervisor of the case other than its submitter); it becomes the current decision."""
    found = _decide(actor=actor, case=case, determination=determination)
    found.status, found.decided_by, found.decided_at = DecisionStatus.APPROVED, actor, timezone.now()
    found.full_clean()
    found.save(update_fields=["status", "decided_by", "decided_at"])
    touch_case(actor=actor, case=case, expected_version=None)
    purpose = f"determination {found.pk}: {found.decision} approved"
    record(actor=actor, action="case.best_interests.approve", obj=case, purpose=f"{purpose}; {note.strip()}" if note.strip() else purpose)
    return found


@transaction.atomic
def determination_send_back(*, actor: Any, case: Case, determination: Determination | int, reason: str) -> Determination:
    """Send a submitted determination back with a reason; a new determination can then be recorded."""
    found = _decide(actor=actor, case=case, determination=determination)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the decision is sent back.")})
    found.status, found.decided_by, found.decided_at = DecisionStatus.REJECTED, actor, timezone.now()
    found.sent_back_reason = reason.strip()[:500]
    found.save(update_fields=["status", "decided_by", "decided_at", "sent_back_reason"])
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action="case.best_interests.send_back", obj=case, purpose=f"determination {found.pk}: {found.sent_back_reason}")
    return found


def current_determination(case: Case) -> Determination | None:
    """The case's current decision: the most recently approved determination (drafts and sent-back ones never count)."""
    return case.determinations.filter(status=DecisionStatus.APPROVED).order_by("-decided_at", "-pk").first()


# --- Return plan ---------------------------------------------------------------------------


def _country_code(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ValidationError({"receiving_country": _("Use a two-letter country code (ISO 3166-1), for example LT.")})
    return code


@transaction.atomic
def return_plan_create(
    *,
    actor: Any,
    case: Case,
    determination: Determination | int,
    receiving_country: str,
    receiving_agency: str,
    escort: str = "",
    travel_on: date | None = None,
) -> ReturnPlan:
    """Plan the return that the case's current, approved decision ordered."""
    _require(actor, CaseAction.EDIT, case)
    found = _determination_of(case, determination)
    current = current_determination(case)
    if current is None or current.pk != found.pk or found.decision != DurableSolution.RETURN:
        raise _wrong_status(_("A return plan needs an approved decision to return the child, and it must be the case's current decision."))
    if ReturnPlan.objects.filter(determination=found).exists():
        raise _wrong_status(_("This decision already has a return plan."))
    country = _country_code(receiving_country)
    errors: dict[str, str] = {}
    if not receiving_agency.strip():
        errors["receiving_agency"] = _("Name the agency that receives the child.")
    if travel_on is not None and travel_on < found.decided_on:
        errors["travel_on"] = _("The child cannot travel before the decision to return was taken.")
    if errors:
        raise ValidationError(errors)
    plan = ReturnPlan(
        determination=found, receiving_country=country, receiving_agency=receiving_agency.strip(), escort=escort.strip(),
        travel_on=travel_on, created_by=actor,
    )  # fmt: skip
    plan.full_clean()
    plan.save()
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action="case.best_interests.return_plan", obj=case, purpose=f"return plan {plan.pk} to {country}")
    return plan


def _plan_of(case: Case, plan: ReturnPlan | int) -> ReturnPlan:
    plan_id = plan.pk if isinstance(plan, ReturnPlan) else plan
    found = ReturnPlan.objects.select_related("determination").filter(pk=plan_id, determination__case=case).first()
    if found is None:
        raise ValidationError({"return_plan": _("This return plan is not part of this case.")})
    return found


def _earliest_visit(plan: ReturnPlan) -> date:
    return max(filter(None, [plan.determination.decided_on, plan.travel_on]))


@transaction.atomic
def visit_plan(*, actor: Any, case: Case, plan: ReturnPlan | int, planned_on: date) -> FollowUpVisit:
    """Plan a follow-up visit to the child after the return."""
    _require(actor, CaseAction.EDIT, case)
    found = _plan_of(case, plan)
    if planned_on < _earliest_visit(found):
        raise ValidationError({"planned_on": _("A follow-up visit comes after the decision and the travel date.")})
    visit = FollowUpVisit(return_plan=found, planned_on=planned_on)
    visit.full_clean()
    visit.save()
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action="case.best_interests.visit_plan", obj=case, purpose=f"visit {visit.pk} planned {planned_on.isoformat()}")
    return visit


@transaction.atomic
def visit_record(
    *, actor: Any, case: Case, visit: FollowUpVisit | int, visited_on: date, result: str, expected_version: int | None = None
) -> FollowUpVisit:
    """Record that a follow-up visit took place and what it found (encrypted)."""
    _require(actor, CaseAction.EDIT, case)
    visit_id = visit.pk if isinstance(visit, FollowUpVisit) else visit
    found = (
        FollowUpVisit.objects.select_for_update()
        .select_related("return_plan__determination")
        .filter(pk=visit_id, return_plan__determination__case=case)
        .first()
    )
    if found is None:
        raise ValidationError({"visit": _("This visit is not part of this case.")})
    errors: dict[str, str] = {}
    if visited_on > timezone.localdate():
        errors["visited_on"] = _("A visit cannot have taken place in the future.")
    elif visited_on < _earliest_visit(found.return_plan):
        errors["visited_on"] = _("A follow-up visit comes after the decision and the travel date.")
    if not result.strip():
        errors["result"] = _("Write down what the visit found.")
    if errors:
        raise ValidationError(errors)
    key = _data_key(case)
    touch_case(actor=actor, case=case, expected_version=expected_version)
    found.visited_on = visited_on
    found.save(update_fields=["visited_on"])
    _encrypt_and_save(found, {"result_enc": result}, key)
    record(actor=actor, action="case.best_interests.visit_record", obj=case, purpose=f"visit {found.pk} on {visited_on.isoformat()}")
    return found


def visit_report_received(*, case: Case, planned_on: date | None, visited_on: date, result: str, source: str) -> FollowUpVisit | None:
    """A follow-up visit reported by the receiving country of a return referral, recorded on this case.

    Called by the referrals service in the transaction that received the report (which
    checked who reported it); the visit planned for ``planned_on`` (or the earliest one not
    yet visited) is marked as visited. ``None`` when the return plan has no visit open.
    """
    visits = FollowUpVisit.objects.select_for_update().filter(
        return_plan__determination__case=case, return_plan__determination__status=DecisionStatus.APPROVED, visited_on__isnull=True
    )
    if planned_on is not None:
        visits = visits.filter(planned_on=planned_on)
    found = visits.order_by("planned_on", "pk").first()
    if found is None:
        return None
    found.visited_on = visited_on
    found.save(update_fields=["visited_on"])
    _encrypt_and_save(found, {"result_enc": result}, _data_key(case))
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1, updated_at=timezone.now())
    record(actor=None, username=source[:150], action="case.best_interests.visit_record", obj=case, purpose=f"visit {found.pk}: {source}")
    return found


# --- Reading -----------------------------------------------------------------------------


@dataclass
class AssessmentView:
    assessment: BestInterestsAssessment
    texts: list[tuple[str, Any, str | None]]  # (attribute, label, text or None)

    def text(self, name: str) -> str | None:
        return next((text for attribute, _label, text in self.texts if attribute == name), None)

    @property
    def risk_label(self) -> Any:
        return dict(RE_TRAFFICKING_RISKS).get(self.assessment.re_trafficking_risk, "")


@dataclass
class VisitView:
    visit: FollowUpVisit
    result: str | None


@dataclass
class DeterminationView:
    determination: Determination
    reasons: str | None
    return_plan: ReturnPlan | None = None
    visits: list[VisitView] = field(default_factory=list)
    current: bool = False

    @property
    def options_labels(self) -> list[Any]:
        labels = dict(DurableSolution.choices)
        return [labels[value] for value in self.determination.options_weighed if value in labels]


@dataclass
class BestInterests:
    assessments: list[AssessmentView]
    determinations: list[DeterminationView]
    current: DeterminationView | None


def best_interests_of(case: Case) -> BestInterests:
    """Assessments and determinations of a case the caller may already see, with their texts decrypted."""
    assessments = [
        AssessmentView(
            assessment=a, texts=[(name, label, read_text(a, column, case)) for name, (column, label) in ASSESSMENT_TEXTS.items()]
        )
        for a in case.assessments.select_related("assessed_by").order_by("-assessed_on", "-created_at", "-pk")
    ]
    current = current_determination(case)
    determinations = []
    for d in case.determinations.select_related("assessment", "submitted_by", "decided_by").order_by("-decided_on", "-pk"):
        is_current = current is not None and d.pk == current.pk
        view = DeterminationView(determination=d, reasons=read_text(d, "reasons_enc", case), current=is_current)
        plan = ReturnPlan.objects.filter(determination=d).first()
        if plan is not None:
            view.return_plan = plan
            view.visits = [VisitView(visit=v, result=read_text(v, "result_enc", case)) for v in plan.visits.order_by("planned_on", "pk")]
        determinations.append(view)
    return BestInterests(
        assessments=assessments,
        determinations=determinations,
        current=next((view for view in determinations if view.current), None),
    )
