"""Readings for tests, taken through the services as a worker would."""

from __future__ import annotations

from datetime import date
from typing import Any

from carnet.assessments.models import InstrumentVersion, Reading, Respondent
from carnet.assessments.services import answer_record, reading_complete, reading_start
from carnet.cases.models import Case


def life_domains() -> InstrumentVersion:
    """Version 1 of the seed's instrument (seeded by migration)."""
    return InstrumentVersion.objects.get(instrument__slug="life-domains", number=1)


def take_reading(
    worker: Any, case: Case, scores: dict[str, int] | None = None, *, taken_on: date | None = None, respondent: str = Respondent.TOGETHER
) -> Reading:
    """A complete reading: ``scores`` maps a domain key to 1..3 (3 = fine); unnamed domains get 2."""
    version = life_domains()
    reading = reading_start(actor=worker, case=case, version=version, mode="with_worker", language="en", taken_on=taken_on)
    for domain in version.domains.prefetch_related("levels"):
        score = (scores or {}).get(domain.key, 2)
        level = next(level for level in domain.levels.all() if level.score == score)
        answer_record(reading=reading, domain=domain, respondent=respondent, level=level, actor=worker)
    return reading_complete(reading=reading, actor=worker)
