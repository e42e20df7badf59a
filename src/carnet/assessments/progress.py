"""Each child's first and latest answer per domain (``DomainProgress``), kept at write time for the aggregate outcomes.

The outcomes aggregate (:mod:`carnet.assessments.outcomes`) needs, for every child, the first
and the latest of their complete readings of a version in a country, and the child's own
answer in each domain of both. Ranking every reading at request time took seconds over a
million readings; so the pair is kept here, one row per child, version, country and domain,
and the aggregate is a plain GROUP BY.

The rules are those the outcomes have always used, in one place (:func:`progress_rows`):

* the readings are the child's complete readings of the version in the country of their
  case, ordered by date, then completion time, then id; the first and the latest of them
  make the pair, and ``readings`` counts them (every complete reading answers every domain);
* a score is the child's own answer: given alone, or together with the worker when the child
  gave none alone; "I don't want to say" and the worker's own view give no score;
* the child is counted in the organisation of the case of the latest reading.

``progress_refresh`` rewrites one child's rows of one version; ``reading_complete`` calls it in
its transaction (every way a reading is completed, the child's link and paper included, goes
through it). ``progress_backfill`` rebuilds everything: the data migration and the
``carnet assessments_progress rebuild`` command use it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any

from django.db import models, transaction

from carnet.assessments.models import DomainProgress, InstrumentVersion, Reading, ReadingStatus, Respondent
from carnet.cases.models import Child

# What is read of a reading and its answers, one row per answer (the answer's columns empty for a reading without any).
FIELDS = (
    "id",
    "taken_on",
    "completed_at",
    "case_id",
    "case__child_id",
    "case__country_id",
    "case__organisation_id",
    "version_id",
    "answers__domain_id",
    "answers__respondent",
    "answers__level__score",
)
Record = tuple[Any, ...]  # the values of FIELDS, in that order
UPDATED = ["case", "organisation", "first_score", "first_taken_on", "latest_score", "latest_taken_on", "readings"]
BATCH = 5000


class _Reading:
    __slots__ = ("case_id", "completed_at", "id", "organisation_id", "scores", "taken_on")

    def __init__(self, record: Record) -> None:
        self.id: uuid.UUID = record[0]
        self.taken_on: date = record[1]
        self.completed_at: datetime | None = record[2]
        self.case_id: uuid.UUID = record[3]
        self.organisation_id: int | None = record[6]
        self.scores: dict[int, dict[str, int | None]] = defaultdict(dict)  # domain -> respondent -> score (None: declined)

    def order(self) -> tuple[Any, ...]:
        # as ORDER BY taken_on, completed_at, id on PostgreSQL (an empty completion time last; a complete reading has one)
        return (self.taken_on, self.completed_at is None, self.completed_at, self.id)

    def own_score(self, domain: int) -> int | None:
        """The child's own answer: alone, or together with the worker when the child gave none alone; None for neither."""
        answers = self.scores.get(domain, {})
        alone = answers.get(Respondent.CHILD)
        return alone if alone is not None else answers.get(Respondent.TOGETHER)


def progress_rows(records: Iterable[Record]) -> list[dict[str, Any]]:
    """The ``DomainProgress`` rows (as field values) of the records of one child and one version."""
    by_country: dict[int, dict[uuid.UUID, _Reading]] = defaultdict(dict)
    domains: dict[int, set[int]] = defaultdict(set)
    child_id = version_id = None
    for record in records:
        child_id, country_id, version_id = record[4], record[5], record[7]
        reading = by_country[country_id].get(record[0])
        if reading is None:
            reading = by_country[country_id][record[0]] = _Reading(record)
        domain_id = record[8]
        if domain_id is not None:
            domains[country_id].add(domain_id)
            reading.scores[domain_id][record[9]] = record[10]
    rows = []
    for country_id, readings in by_country.items():
        ordered = sorted(readings.values(), key=_Reading.order)
        first, latest = ordered[0], ordered[-1]
        for domain_id in sorted(domains[country_id]):
            rows.append(
                {
                    "child_id": child_id,
                    "case_id": latest.case_id,
                    "version_id": version_id,
                    "domain_id": domain_id,
                    "country_id": country_id,
                    "organisation_id": latest.organisation_id,
                    "first_score": first.own_score(domain_id),
                    "first_taken_on": first.taken_on,
                    "latest_score": latest.own_score(domain_id),
                    "latest_taken_on": latest.taken_on,
                    "readings": len(ordered),
                }
            )
    return rows


def _pk(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


@transaction.atomic
def progress_refresh(*, child: Child | uuid.UUID, version: InstrumentVersion | int) -> list[DomainProgress]:
    """Recompute ``child``'s rows of ``version`` from their complete readings: one read, one upsert, one delete.

    The child's row is locked first, so that two readings completed at once for the same child
    are counted one after the other (the second refresh reads after the first has committed).
    """
    child_id, version_id = _pk(child), _pk(version)
    Child.objects.select_for_update().filter(pk=child_id).values_list("pk", flat=True).first()
    records = Reading.objects.filter(case__child_id=child_id, version_id=version_id, status=ReadingStatus.COMPLETE).values_list(*FIELDS)
    rows = [DomainProgress(**row) for row in progress_rows(records)]
    kept = models.Q(pk__in=[])
    if rows:
        DomainProgress.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["child", "version", "country", "domain"], update_fields=UPDATED
        )
        for row in rows:
            kept |= models.Q(country_id=row.country_id, domain_id=row.domain_id)
    DomainProgress.objects.filter(child_id=child_id, version_id=version_id).exclude(kept).delete()
    return rows


def _grouped(records: Iterable[Record]) -> Iterator[list[Record]]:
    """The records (ordered by child and version) in one list per child and version."""
    group: list[Record] = []
    key = None
    for record in records:
        if group and (record[4], record[7]) != key:
            yield group
            group = []
        key = (record[4], record[7])
        group.append(record)
    if group:
        yield group


def progress_backfill(reading_model: Any, progress_model: Any, *, report: Callable[[int], None] | None = None) -> int:
    """Rebuild every ``DomainProgress`` row from the complete readings; returns the number of children and versions done.

    Takes the models so that the data migration can pass its historical ones. ``report`` is
    told the number done after every batch. Run it in a transaction.
    """
    progress_model.objects.all().delete()
    records = (
        reading_model.objects.filter(status=ReadingStatus.COMPLETE)
        .order_by("case__child_id", "version_id")
        .values_list(*FIELDS)
        .iterator(chunk_size=BATCH)
    )
    done, batch = 0, list[Any]()
    for group in _grouped(records):
        batch.extend(progress_model(**row) for row in progress_rows(group))
        done += 1
        if len(batch) >= BATCH:
            progress_model.objects.bulk_create(batch)
            batch = []
            if report:
                report(done)
    progress_model.objects.bulk_create(batch)
    if report:
        report(done)
    return done
