"""The care plan: objectives under the seed's four pillars, their services, and the plan's reviews.

Every write here is atomic, checked against the case policy (EDIT), validated, moves the
case's version and writes a ``case.care.<verb>`` audit entry in the same transaction. A
review's summary is free text about the child and is encrypted under the child's data key.

:func:`care_plan_of` reads the plan for a page or the API: the caller has already got the
case through ``case_get_for`` (which checked visibility and audited the view).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carnet.audit.services import record
from carnet.cases.models import CareObjective, CareReview, CareService, Case
from carnet.cases.models.codes import Pillar, ServiceStatus
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.cases.services import touch_case
from carnet.core.crypto import DataKeyMissingError, decrypt_field, encrypt_field
from carnet.core.models import DataKey


def _require_edit(actor: Any, case: Case) -> None:
    if not CasePolicy.can(actor, CaseAction.EDIT, case):
        raise PermissionDenied


def _data_key(case: Case) -> DataKey:
    key = case.child.data_key
    if key is None:  # only an anonymised case has none, and nobody may edit one
        raise PermissionDenied
    return key


def _check_dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": _("A service cannot end before it starts.")})


def _objective_of(case: Case, objective: CareObjective | int) -> CareObjective:
    objective_id = objective.pk if isinstance(objective, CareObjective) else objective
    found = CareObjective.objects.select_for_update().filter(pk=objective_id, case=case).first()
    if found is None:
        raise ValidationError({"objective": _("This objective is not part of this case's care plan.")})
    return found


def _service_of(case: Case, service: CareService | int) -> CareService:
    service_id = service.pk if isinstance(service, CareService) else service
    found = CareService.objects.select_for_update().select_related("objective").filter(pk=service_id, objective__case=case).first()
    if found is None:
        raise ValidationError({"service": _("This service is not part of this case's care plan.")})
    return found


@transaction.atomic
def objective_add(*, actor: Any, case: Case, pillar: str, text: str, target_on: date | None = None) -> CareObjective:
    """Add an objective under one of the four pillars (care, protection, rehabilitation, reintegration)."""
    _require_edit(actor, case)
    if pillar not in Pillar.values:
        raise ValidationError({"pillar": _("Choose one of the four pillars: care, protection, rehabilitation or reintegration.")})
    if not text.strip():
        raise ValidationError({"text": _("Describe the objective.")})
    objective = CareObjective(case=case, pillar=pillar, text=text.strip(), target_on=target_on, created_by=actor)
    objective.full_clean()
    objective.save()
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action="case.care.objective_add", obj=case, purpose=f"objective {objective.pk} ({pillar})")
    return objective


@transaction.atomic
def objective_set_achieved(
    *, actor: Any, case: Case, objective: CareObjective | int, achieved_on: date | None, expected_version: int | None = None
) -> CareObjective:
    """Record the date an objective was achieved (``None`` reopens it)."""
    _require_edit(actor, case)
    found = _objective_of(case, objective)
    if achieved_on is not None and achieved_on > timezone.localdate():
        raise ValidationError({"achieved_on": _("An objective cannot be achieved in the future.")})
    touch_case(actor=actor, case=case, expected_version=expected_version)
    found.achieved_on = achieved_on
    found.save(update_fields=["achieved_on"])
    record(actor=actor, action="case.care.objective_achieve", obj=case, purpose=f"objective {found.pk}: {achieved_on or 'reopened'}")
    return found


@transaction.atomic
def service_add(
    *,
    actor: Any,
    case: Case,
    objective: CareObjective | int,
    kind: str,
    provider: str,
    status: str = ServiceStatus.PLANNED,
    starts_on: date | None = None,
    ends_on: date | None = None,
    referred: bool = False,
) -> CareService:
    """Add a service (who provides what) to an objective; ``referred`` marks a referral to another service in the country."""
    _require_edit(actor, case)
    found = _objective_of(case, objective)
    if status not in ServiceStatus.values:
        raise ValidationError({"status": _("Unknown service status.")})
    if not kind.strip():
        raise ValidationError({"kind": _("Say what the service is.")})
    if not provider.strip():
        raise ValidationError({"provider": _("Say who provides the service.")})
    _check_dates(starts_on, ends_on)
    service = CareService(
        objective=found,
        kind=kind.strip(),
        provider=provider.strip(),
        status=status,
        starts_on=starts_on,
        ends_on=ends_on,
        referred=referred,
    )
    service.full_clean()
    service.save()
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action="case.care.service_add", obj=case, purpose=f"service {service.pk} for objective {found.pk}: {status}")
    return service


@transaction.atomic
def service_update(
    *,
    actor: Any,
    case: Case,
    service: CareService | int,
    status: str,
    starts_on: date | None,
    ends_on: date | None,
    referred: bool,
    expected_version: int | None = None,
) -> CareService:
    """Move a service on (planned, referred, active, completed, declined) and correct its dates."""
    _require_edit(actor, case)
    found = _service_of(case, service)
    if status not in ServiceStatus.values:
        raise ValidationError({"status": _("Unknown service status.")})
    _check_dates(starts_on, ends_on)
    touch_case(actor=actor, case=case, expected_version=expected_version)
    found.status, found.starts_on, found.ends_on, found.referred = status, starts_on, ends_on, referred
    found.full_clean()
    found.save(update_fields=["status", "starts_on", "ends_on", "referred"])
    record(actor=actor, action="case.care.service_update", obj=case, purpose=f"service {found.pk}: {status}")
    return found


@transaction.atomic
def review_record(*, actor: Any, case: Case, reviewed_on: date, summary: str, next_review_on: date | None = None) -> CareReview:
    """Record a review of the whole plan; its summary is encrypted, the next review date is after this one."""
    _require_edit(actor, case)
    errors: dict[str, str] = {}
    if reviewed_on > timezone.localdate():
        errors["reviewed_on"] = _("A review cannot be dated in the future.")
    if next_review_on is not None and next_review_on <= reviewed_on:
        errors["next_review_on"] = _("The next review must come after this review.")
    if not summary.strip():
        errors["summary"] = _("Summarise the review.")
    if errors:
        raise ValidationError(errors)
    key = _data_key(case)
    review = CareReview(case=case, reviewed_on=reviewed_on, next_review_on=next_review_on, reviewed_by=actor)
    review.full_clean()
    review.save()  # the row's id binds the ciphertext, so it exists before the summary is encrypted
    encrypt_field(review, "summary_enc", summary.strip(), data_key=key)
    review.save(update_fields=["summary_enc"])
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action="case.care.review", obj=case, purpose=f"review {review.pk} on {reviewed_on.isoformat()}")
    return review


# --- Reading the plan ----------------------------------------------------------------


@dataclass
class ReviewView:
    review: CareReview
    summary: str | None  # None: erased with the child's data key


@dataclass
class PillarView:
    pillar: str
    label: str
    objectives: list[CareObjective] = field(default_factory=list)


@dataclass
class CarePlan:
    pillars: list[PillarView]
    reviews: list[ReviewView]
    next_review_on: date | None
    review_overdue: bool

    @property
    def objectives(self) -> list[CareObjective]:
        return [objective for pillar in self.pillars for objective in pillar.objectives]


def read_text(obj: Any, column: str, case: Case) -> str | None:
    """Decrypt one text of the case; ``None`` when the value is absent or its key was shredded (anonymised case)."""
    key = case.child.data_key
    if key is None or getattr(obj, column) is None:
        return None
    try:
        value = decrypt_field(obj, column, data_key=key)
    except DataKeyMissingError:
        return None
    return value.decode() if isinstance(value, bytes) else value


def care_plan_of(case: Case, *, today: date | None = None) -> CarePlan:
    """The plan of a case the caller may already see, grouped by pillar; the latest review says when the next is due."""
    today = today or timezone.localdate()
    objectives = list(case.objectives.prefetch_related("services").order_by("pillar", "created_at", "pk"))
    pillars = [PillarView(pillar=value, label=str(label)) for value, label in Pillar.choices]
    by_pillar = {p.pillar: p for p in pillars}
    for objective in objectives:
        by_pillar[objective.pillar].objectives.append(objective)
    reviews = list(case.care_reviews.select_related("reviewed_by").order_by("-reviewed_on", "-pk"))
    next_review_on = reviews[0].next_review_on if reviews else None
    return CarePlan(
        pillars=pillars,
        reviews=[ReviewView(review=r, summary=read_text(r, "summary_enc", case)) for r in reviews],
        next_review_on=next_review_on,
        review_overdue=next_review_on is not None and next_review_on < today,
    )
