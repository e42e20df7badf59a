"""Taking a reading: start (a draft), answer domain by domain, complete. Every write is atomic and audited.

A paused reading is a draft, not a reading: only ``reading_complete`` makes it count, and
only when every domain has an answer (a level, or "I don't want to say"). Completing raises
a risk alert for every answer at a level where a worker must act; nothing is decided
automatically beyond putting it in front of the case owner. Completing also rewrites the
child's first and latest answers kept for the aggregate outcomes (``progress_refresh``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from carnet.assessments.models import (
    Answer,
    Domain,
    InstrumentVersion,
    Level,
    Reading,
    ReadingMode,
    ReadingStatus,
    Respondent,
    RiskAlert,
    VersionStatus,
)
from carnet.assessments.policies import AssessmentAction, AssessmentPolicy
from carnet.assessments.progress import progress_refresh
from carnet.audit.services import record
from carnet.cases.models import Case
from carnet.core.errors import Conflict, DomainError


class ReadingClosed(Conflict):
    code = "reading_closed"


def _require(actor: Any, action: AssessmentAction, obj: Any) -> None:
    if not AssessmentPolicy.can(actor, action, obj):
        raise PermissionDenied


def published_version(version_id: int) -> InstrumentVersion:
    version = InstrumentVersion.objects.select_related("instrument").filter(pk=version_id).first()
    if version is None or version.status != VersionStatus.PUBLISHED:
        raise ValidationError({"version": _("This version of the instrument is not published: choose a published one.")})
    return version


@transaction.atomic
def reading_start(*, actor: Any, case: Case, version: InstrumentVersion, mode: str, language: str, taken_on: date | None = None) -> Reading:
    """Start a reading (a draft) for the child of ``case``."""
    _require(actor, AssessmentAction.TAKE_READING, case)
    if version.status != VersionStatus.PUBLISHED:
        raise ValidationError({"version": _("This version of the instrument is not published: choose a published one.")})
    if mode not in ReadingMode.values:
        raise ValidationError({"mode": _("Unknown way of taking the reading.")})
    day = taken_on or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"taken_on": _("A reading cannot be dated in the future.")})
    if day < case.opened_on:
        raise ValidationError({"taken_on": _("A reading cannot be dated before the case was opened.")})
    reading = Reading(case=case, version=version, mode=mode, language=language[:10], started_by=actor, taken_on=day)
    reading.full_clean()
    reading.save(force_insert=True)
    record(actor=actor, action="assessment.reading.start", obj=case, purpose=f"{version} ({mode})")
    return reading


def _check_level(reading: Reading, domain: Domain, level: Level | None, wished: Level | None) -> None:
    if domain.version_id != reading.version_id:
        raise ValidationError({"domain": _("This domain is not part of the instrument of this reading.")})
    for candidate, field in ((level, "level"), (wished, "wished_level")):
        if candidate is not None and candidate.domain_id != domain.pk:
            raise ValidationError({field: _("This answer does not belong to this domain.")})


@transaction.atomic
def answer_record(
    *,
    reading: Reading,
    domain: Domain,
    respondent: str,
    level: Level | None,
    declined: bool = False,
    wished_level: Level | None = None,
    actor: Any = None,
) -> Answer:
    """Record (or change) one respondent's answer to one domain of a draft reading.

    ``actor`` is the worker for a worker's session, None for the child on a one-time link
    (the link itself was checked by the caller).
    """
    reading = Reading.objects.select_for_update().get(pk=reading.pk)
    if actor is not None:
        _require(actor, AssessmentAction.TAKE_READING, reading.case)
    if reading.status != ReadingStatus.DRAFT:
        raise ReadingClosed(_("This reading is already finished: it cannot be changed."))
    if respondent not in Respondent.values:
        raise ValidationError({"respondent": _("Unknown respondent.")})
    if level is None and not declined:
        raise ValidationError({"level": _("Choose the sentence most like you, or “I don't want to say”.")})
    _check_level(reading, domain, level, wished_level)
    answer, _created = Answer.objects.update_or_create(
        reading=reading,
        domain=domain,
        respondent=respondent,
        defaults={"level": None if declined else level, "declined": declined, "wished_level": wished_level},
    )
    Reading.objects.filter(pk=reading.pk).update(row_version=F("row_version") + 1)
    record(
        actor=actor, action="assessment.reading.answer", obj=reading.case, purpose=f"{domain.key} by {respondent}", username="child-link"
    )
    return answer


def missing_domains(reading: Reading) -> list[Domain]:
    answered = set(reading.answers.values_list("domain_id", flat=True))
    return [d for d in reading.version.domains.all() if d.pk not in answered]


@transaction.atomic
def reading_complete(*, reading: Reading, actor: Any = None) -> Reading:
    """Finish a reading: every domain answered, then it counts; risk levels raise alerts for the case owner."""
    reading = Reading.objects.select_for_update().select_related("case", "version").get(pk=reading.pk)
    if actor is not None:
        _require(actor, AssessmentAction.TAKE_READING, reading.case)
    if reading.status != ReadingStatus.DRAFT:
        raise ReadingClosed(_("This reading is already finished."))
    missing = missing_domains(reading)
    if missing:
        raise DomainError(
            _("Some parts are not answered yet: %(domains)s.") % {"domains": ", ".join(str(d) for d in missing)}, code="incomplete"
        )
    reading.status, reading.completed_at = ReadingStatus.COMPLETE, timezone.now()
    reading.save(update_fields=["status", "completed_at"])
    progress_refresh(child=reading.case.child_id, version=reading.version)
    for answer in reading.answers.select_related("level", "domain").filter(level__risk_flag=True):
        alert, created = RiskAlert.objects.get_or_create(
            reading=reading, domain=answer.domain, defaults={"case": reading.case, "level": answer.level}
        )
        if created:
            record(actor=actor, action="assessment.risk_alert", obj=reading.case, purpose=answer.domain.key, username="child-link")
    record(actor=actor, action="assessment.reading.complete", obj=reading.case, purpose=str(reading.pk), username="child-link")
    return reading


def completed_readings(case: Case) -> list[Reading]:
    """The case's finished readings, oldest first, with their answers (one query each)."""
    return list(
        Reading.objects.filter(case=case, status=ReadingStatus.COMPLETE)
        .select_related("version")
        .prefetch_related("answers__level", "answers__domain")
        .order_by("taken_on", "completed_at")
    )
