"""Identification of a child as a victim of trafficking: every write, and the reads that shape the section.

Writes are atomic, checked against the case policy (EDIT), validated with messages the
worker can act on, moved into the case's version (:func:`touch_case`) and audited as
``case.identification.<verb>`` in the same transaction.

Reads here take a case the caller already got through ``case_get_for`` (which audits the
view); they never decrypt anything but the date of birth, and only to check dates.

The indicator checklist ends in a *summary* for the worker, never in a score: whether a
child is a victim of trafficking is decided by people, with the facts of the case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carnet.audit.models import AuditEntry
from carnet.audit.services import record
from carnet.cases.errors import StaleVersion
from carnet.cases.identity import read_identity
from carnet.cases.models import (
    Case,
    Exploitation,
    Identification,
    Indicator,
    IndicatorResponse,
    RouteLeg,
    StatusDecision,
)
from carnet.cases.models.codes import (
    CriminalitySubtype,
    ExploitationType,
    IndicatorAnswer,
    MeansOfControl,
    Recruitment,
    Relationship,
    RouteStage,
    TraffickingStatus,
)
from carnet.cases.policies import CaseAction
from carnet.cases.services import _require, touch_case

AUDIT_PREFIX = "case.identification"


# --- validation helpers --------------------------------------------------------------------


def _is_country_code(value: str) -> bool:
    return len(value) == 2 and value.isascii() and value.isalpha() and value.isupper()


def _country(value: str, *, required: bool, errors: dict[str, str]) -> str:
    code = (value or "").strip().upper()
    if not code:
        if required:
            errors["country"] = _("Enter the country as a two-letter code (ISO 3166-1), for example SE.")
        return ""
    if not _is_country_code(code):
        errors["country"] = _("A country is a two-letter code (ISO 3166-1), for example SE.")
    return code


def _date_of_birth(case: Case) -> date | None:
    """The child's date of birth, decrypted only to check dates; the view that called us audited the case."""
    return read_identity(case.child).date_of_birth


def _check_dates(case: Case, dates: Mapping[str, date | None], errors: dict[str, str]) -> None:
    """Dates about the child cannot be in the future, nor before the child was born (if the date of birth is known)."""
    given = {name: day for name, day in dates.items() if day is not None}
    if not given:
        return
    today = timezone.localdate()
    for name, day in given.items():
        if day > today:
            errors.setdefault(name, _("This date is in the future."))
    born = _date_of_birth(case)
    if born is not None:
        for name, day in given.items():
            if day < born:
                errors.setdefault(name, _("This date is before the child's date of birth."))


def _choice(value: str, allowed: Iterable[str], name: str, message: str, errors: dict[str, str]) -> None:
    if value not in allowed:
        errors[name] = message


# --- status decisions ----------------------------------------------------------------------


@transaction.atomic
def status_decision_add(
    *, actor: Any, case: Case, status: str, deciding_organisation: str, decided_on: date, note: str = ""
) -> StatusDecision:
    """Record a decision on the child's trafficking status (HTCDS): the latest decision is the current status.

    Decisions are never edited: a new decision supersedes the old one and the history shows both.
    """
    _require(actor, CaseAction.EDIT, case)
    errors: dict[str, str] = {}
    _choice(status, TraffickingStatus.values, "status", _("Choose one of the trafficking statuses."), errors)
    organisation = (deciding_organisation or "").strip()
    if not organisation:
        errors["deciding_organisation"] = _("Say which organisation or authority took the decision.")
    _check_dates(case, {"decided_on": decided_on}, errors)
    if errors:
        raise ValidationError(errors)
    decision = StatusDecision(
        case=case, status=status, deciding_organisation=organisation, decided_on=decided_on, note=(note or "").strip(), recorded_by=actor
    )
    decision.full_clean()
    decision.save()
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action=f"{AUDIT_PREFIX}.decide", obj=case, purpose=f"status {status} on {decided_on.isoformat()}")
    return decision


# --- forms of exploitation -----------------------------------------------------------------


@transaction.atomic
def exploitation_add(
    *,
    actor: Any,
    case: Case,
    kind: str,
    criminality_subtype: str = "",
    country: str = "",
    started_on: date | None = None,
    ended_on: date | None = None,
    non_punishment_considered: bool = False,
    non_punishment_note: str = "",
) -> Exploitation:
    """Record a form of exploitation. Exploitation in criminal activities needs its subtype, so that the
    non-punishment principle can be applied to the offences the child was forced to commit."""
    _require(actor, CaseAction.EDIT, case)
    errors: dict[str, str] = {}
    _choice(kind, ExploitationType.values, "kind", _("Choose one of the forms of exploitation."), errors)
    subtype = (criminality_subtype or "").strip()
    if kind == ExploitationType.CRIMINALITY:
        if not subtype:
            errors["criminality_subtype"] = _("For exploitation in criminal activities, say which activity the child was forced into.")
        else:
            _choice(subtype, CriminalitySubtype.values, "criminality_subtype", _("Choose one of the criminal activities."), errors)
    elif subtype:
        errors["criminality_subtype"] = _("Only exploitation in criminal activities has a criminal activity: leave it empty.")
    code = _country(country, required=False, errors=errors)
    _check_dates(case, {"started_on": started_on, "ended_on": ended_on}, errors)
    if started_on and ended_on and started_on > ended_on and "ended_on" not in errors:
        errors["ended_on"] = _("The end of the exploitation cannot be before its start.")
    if errors:
        raise ValidationError(errors)
    exploitation = Exploitation(
        case=case,
        kind=kind,
        criminality_subtype=subtype,
        country=code,
        started_on=started_on,
        ended_on=ended_on,
        non_punishment_considered=non_punishment_considered,
        non_punishment_note=(non_punishment_note or "").strip(),
    )
    exploitation.full_clean()
    exploitation.save()
    touch_case(actor=actor, case=case, expected_version=None)
    purpose = f"{kind}/{subtype}" if subtype else kind
    record(actor=actor, action=f"{AUDIT_PREFIX}.exploitation_add", obj=case, purpose=purpose)
    return exploitation


@transaction.atomic
def exploitation_remove(*, actor: Any, case: Case, exploitation_id: int) -> None:
    """Remove a form of exploitation recorded by mistake. Raises ``Exploitation.DoesNotExist`` if it is not on this case."""
    _require(actor, CaseAction.EDIT, case)
    exploitation = Exploitation.objects.select_for_update().get(pk=exploitation_id, case=case)
    kind = exploitation.kind
    exploitation.delete()
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action=f"{AUDIT_PREFIX}.exploitation_remove", obj=case, purpose=kind)


# --- the profile: recruitment, relationship, means of control ------------------------------


def profile_of(case: Case) -> Identification:
    """The case's identification profile, or an unsaved blank one (version 1) if nobody recorded it yet."""
    return Identification.objects.filter(case=case).first() or Identification(case=case)


def _last_profile_change(case: Case) -> AuditEntry | None:
    return (
        AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk), action=f"{AUDIT_PREFIX}.profile_update")
        .order_by("-seq")
        .first()
    )


@transaction.atomic
def identification_update(
    *, actor: Any, case: Case, recruitment: str, relationship: str, means_of_control: list[str], expected_version: int
) -> Identification:
    """Save how the child was recruited and controlled. ``expected_version`` is the profile version the worker saw
    (1 for a profile not saved yet); if somebody saved in between, nothing changes and :class:`StaleVersion` says who."""
    _require(actor, CaseAction.EDIT, case)
    errors: dict[str, str] = {}
    _choice(recruitment, Recruitment.values, "recruitment", _("Choose one of the ways of recruitment."), errors)
    _choice(relationship, Relationship.values, "relationship", _("Choose one of the relationships."), errors)
    unknown = [str(code) for code in means_of_control if code not in MeansOfControl.values]
    if unknown:
        errors["means_of_control"] = _("Unknown means of control: %(codes)s") % {"codes": ", ".join(unknown)}
    if errors:
        raise ValidationError(errors)
    means = list(dict.fromkeys(means_of_control))  # no duplicates, order kept
    profile, _created = Identification.objects.get_or_create(case=case)
    profile.recruitment, profile.relationship, profile.means_of_control = recruitment, relationship, means
    profile.full_clean(exclude=["version"])  # the version moves only through the guarded update below
    updated = Identification.objects.filter(pk=profile.pk, version=expected_version).update(
        recruitment=recruitment, relationship=relationship, means_of_control=means, version=F("version") + 1
    )
    if not updated:
        current = Identification.objects.get(pk=profile.pk)
        last = _last_profile_change(case)
        raise StaleVersion(
            _("Somebody else saved this identification while you were editing it. Review their change, then make yours again."),
            current_version=current.version,
            changed_by=last.actor_username if last else "",
            changed_at=last.at.isoformat() if last else "",
        )
    touch_case(actor=actor, case=case, expected_version=None)
    record(
        actor=actor,
        action=f"{AUDIT_PREFIX}.profile_update",
        obj=case,
        purpose=f"{recruitment}/{relationship}; {len(means)} means of control",
    )
    profile.refresh_from_db()
    return profile


# --- the route -----------------------------------------------------------------------------


@transaction.atomic
def route_leg_add(*, actor: Any, case: Case, stage: str, country: str, city: str = "", on: date | None = None) -> RouteLeg:
    """Add a place on the child's route: where they were recruited, passed through, or exploited."""
    _require(actor, CaseAction.EDIT, case)
    errors: dict[str, str] = {}
    _choice(stage, RouteStage.values, "stage", _("Choose recruitment, transit or exploitation."), errors)
    code = _country(country, required=True, errors=errors)
    _check_dates(case, {"on": on}, errors)
    if errors:
        raise ValidationError(errors)
    leg = RouteLeg(case=case, stage=stage, country=code, city=(city or "").strip(), on=on)
    leg.full_clean()
    leg.save()
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action=f"{AUDIT_PREFIX}.route_add", obj=case, purpose=f"{stage} {code}")
    return leg


@transaction.atomic
def route_leg_remove(*, actor: Any, case: Case, leg_id: int) -> None:
    """Remove a place from the route. Raises ``RouteLeg.DoesNotExist`` if it is not on this case."""
    _require(actor, CaseAction.EDIT, case)
    leg = RouteLeg.objects.select_for_update().get(pk=leg_id, case=case)
    stage, code = leg.stage, leg.country
    leg.delete()
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action=f"{AUDIT_PREFIX}.route_remove", obj=case, purpose=f"{stage} {code}")


# --- the indicator checklist ---------------------------------------------------------------


def indicator_catalogue() -> list[Indicator]:
    """Every indicator, in checklist order, with its translations loaded."""
    return list(Indicator.objects.prefetch_related("translations").order_by("sort_order", "code"))


def answers_of(case: Case) -> dict[int, str]:
    """The case's answers by indicator id; an indicator without an answer is "not known"."""
    return dict(IndicatorResponse.objects.filter(case=case).values_list("indicator_id", "answer"))


@transaction.atomic
def indicators_answer(*, actor: Any, case: Case, answers: Mapping[str, str]) -> int:
    """Save answers to the checklist (indicator code -> present / absent / unknown) in one go.

    All or nothing: an unknown indicator or answer changes nothing. Only answers that change are
    written (so "answered by" keeps naming who gave each answer). Returns how many changed.
    """
    _require(actor, CaseAction.EDIT, case)
    indicators = {indicator.code: indicator for indicator in Indicator.objects.filter(code__in=list(answers))}
    errors: dict[str, str] = {}
    unknown_codes = sorted(code for code in answers if code not in indicators)
    if unknown_codes:
        errors["answers"] = _("Unknown indicators: %(codes)s") % {"codes": ", ".join(unknown_codes)}
    bad_answers = sorted(code for code, answer in answers.items() if answer not in IndicatorAnswer.values)
    if bad_answers:
        errors.setdefault("answers", _("Answer each indicator with present, not present or not known."))
    if errors:
        raise ValidationError(errors)
    existing = {response.indicator_id: response for response in IndicatorResponse.objects.select_for_update().filter(case=case)}
    changed = 0
    for code, answer in answers.items():
        indicator = indicators[code]
        response = existing.get(indicator.pk)
        if response is None:
            IndicatorResponse.objects.create(case=case, indicator=indicator, answer=answer, answered_by=actor)
        elif response.answer != answer:
            response.answer, response.answered_by = answer, actor
            response.save(update_fields=["answer", "answered_by", "answered_at"])
        else:
            continue
        changed += 1
    if changed:
        touch_case(actor=actor, case=case, expected_version=None)
        record(actor=actor, action=f"{AUDIT_PREFIX}.indicators_answer", obj=case, purpose=f"{changed} answers changed")
    return changed


@dataclass(frozen=True)
class DimensionSummary:
    dimension: str
    label: str
    total: int
    present: dict[str, int]  # strength -> how many indicators of that strength are present
    absent: int
    unknown: int

    @property
    def present_total(self) -> int:
        return sum(self.present.values())


@dataclass(frozen=True)
class IndicatorSummary:
    """What the worker's answers say, per dimension, in words: a summary, not a score."""

    dimensions: list[DimensionSummary]
    answered: int
    total: int
    sentences: list[str] = field(default_factory=list)

    @property
    def with_strong(self) -> int:
        return sum(1 for d in self.dimensions if d.present[Indicator.Strength.STRONG])

    @property
    def with_any(self) -> int:
        return sum(1 for d in self.dimensions if d.present_total)


def indicator_summary(case: Case, *, catalogue: list[Indicator] | None = None, answers: dict[int, str] | None = None) -> IndicatorSummary:
    """Count the answers per dimension and strength, and say in plain sentences what they show.

    Deliberately no total, weighting or threshold: the worker reads the summary with everything
    else they know about the child.
    """
    catalogue = indicator_catalogue() if catalogue is None else catalogue
    answers = answers_of(case) if answers is None else answers
    dimensions: list[DimensionSummary] = []
    for dimension, label in Indicator.Dimension.choices:
        indicators = [indicator for indicator in catalogue if indicator.dimension == dimension]
        given = [(indicator.strength, answers.get(indicator.pk, IndicatorAnswer.UNKNOWN)) for indicator in indicators]
        present = {
            strength: sum(1 for s, a in given if s == strength and a == IndicatorAnswer.PRESENT) for strength in Indicator.Strength.values
        }
        dimensions.append(
            DimensionSummary(
                dimension=dimension,
                label=str(label),
                total=len(indicators),
                present=present,
                absent=sum(1 for _s, a in given if a == IndicatorAnswer.ABSENT),
                unknown=sum(1 for _s, a in given if a == IndicatorAnswer.UNKNOWN),
            )
        )
    answered = sum(d.total - d.unknown for d in dimensions)
    summary = IndicatorSummary(dimensions=dimensions, answered=answered, total=len(catalogue))
    summary.sentences.extend(summary_sentences(summary))
    return summary


def summary_sentences(summary: IndicatorSummary) -> list[str]:
    """The summary in whole sentences, in the active language."""
    count = len(summary.dimensions)
    if summary.answered == 0:
        return [_("No indicator has been answered yet.")]
    sentences = [
        _("Strong indicators are present in %(count)s of %(total)s dimensions.") % {"count": summary.with_strong, "total": count},
        _("Indicators of any strength are present in %(count)s of %(total)s dimensions.") % {"count": summary.with_any, "total": count},
    ]
    unknown = summary.total - summary.answered
    if unknown:
        sentences.append(
            ngettext(
                "%(count)s indicator is still answered “not known”.",
                "%(count)s indicators are still answered “not known”.",
                unknown,
            )
            % {"count": unknown}
        )
    return sentences


# --- the whole section ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    indicator: Indicator
    answer: str


@dataclass(frozen=True)
class IdentificationSection:
    status_history: list[StatusDecision]
    exploitations: list[Exploitation]
    profile: Identification
    route: list[RouteLeg]
    checklist: list[ChecklistItem]
    summary: IndicatorSummary

    @property
    def current_status(self) -> StatusDecision | None:
        return self.status_history[0] if self.status_history else None

    @property
    def criminality(self) -> list[Exploitation]:
        return [e for e in self.exploitations if e.kind == ExploitationType.CRIMINALITY]


def checklist_of(case: Case) -> list[ChecklistItem]:
    """The checklist as the case answers it (unanswered indicators are "not known")."""
    answers = answers_of(case)
    return [ChecklistItem(indicator, answers.get(indicator.pk, IndicatorAnswer.UNKNOWN)) for indicator in indicator_catalogue()]


def identification_section(case: Case) -> IdentificationSection:
    """Everything the identification section shows, for a case the caller got through ``case_get_for``."""
    catalogue = indicator_catalogue()
    answers = answers_of(case)
    return IdentificationSection(
        status_history=list(case.status_decisions.select_related("recorded_by").order_by("-decided_on", "-recorded_at", "-pk")),
        exploitations=list(case.exploitations.order_by("started_on", "pk")),
        profile=profile_of(case),
        route=list(case.route.order_by(F("on").asc(nulls_last=True), "pk")),
        checklist=[ChecklistItem(indicator, answers.get(indicator.pk, IndicatorAnswer.UNKNOWN)) for indicator in catalogue],
        summary=indicator_summary(case, catalogue=catalogue, answers=answers),
    )
