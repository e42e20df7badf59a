"""Each child's first and latest answers per domain, kept as readings are completed, and the outcomes computed from them."""

from __future__ import annotations

import importlib
import io
from collections import defaultdict
from datetime import date
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command

from carnet.assessments.instruments import instrument_import, validate_document, version_document
from carnet.assessments.models import Answer, Domain, DomainProgress, InstrumentVersion, Reading, ReadingStatus, Respondent
from carnet.assessments.outcomes import Quarter, change_cells
from carnet.assessments.progress import progress_refresh
from carnet.assessments.services import answer_record, reading_complete, reading_start
from carnet.cases.models import Case
from tests.assessments.factories import life_domains, take_reading
from tests.assessments.test_psychometrics import DECLINED, KEYS, answered_reading
from tests.cases.factories import open_case

pytestmark = pytest.mark.django_db

JAN, APR, MAY, OCT = date(2025, 1, 15), date(2025, 4, 10), date(2025, 5, 20), date(2025, 10, 2)


def _case(user: Any, **kwargs: Any) -> Case:
    return open_case(user, opened_on=date(2025, 1, 1), **kwargs)


def _progress(case: Case, key: str, version: InstrumentVersion | None = None) -> tuple[Any, ...]:
    row = DomainProgress.objects.get(child=case.child, version=version or life_domains(), domain__key=key, country=case.country)
    return (row.first_score, row.first_taken_on, row.latest_score, row.latest_taken_on, row.readings, row.case_id, row.organisation_id)


def _snapshot() -> list[tuple[Any, ...]]:
    return sorted(
        DomainProgress.objects.values_list(
            "child_id",
            "case_id",
            "version_id",
            "domain_id",
            "country_id",
            "organisation_id",
            "first_score",
            "first_taken_on",
            "latest_score",
            "latest_taken_on",
            "readings",
        ),
        key=str,
    )


def _version_2(secretariat: Any) -> InstrumentVersion:
    data = version_document(life_domains()).model_dump(mode="json")
    data.pop("version")
    return instrument_import(actor=secretariat, document=validate_document(data), publish=True)


def _reading_of(version: InstrumentVersion, worker: Any, case: Case, score: int, *, taken_on: date) -> Reading:
    reading = reading_start(actor=worker, case=case, version=version, mode="with_worker", language="en", taken_on=taken_on)
    for domain in version.domains.prefetch_related("levels"):
        level = next(level for level in domain.levels.all() if level.score == score)
        answer_record(reading=reading, domain=domain, respondent=Respondent.TOGETHER, level=level, actor=worker)
    return reading_complete(reading=reading, actor=worker)


def _answered(worker: Any, case: Case, child: dict[str, int], *, by_worker: dict[str, int], taken_on: date) -> Reading:
    """A complete reading: the child's view of ``child`` (2 for the domains not named, unless only the worker answers them)."""
    full = {key: child.get(key, 2) for key in KEYS if key in child or key not in by_worker}
    return answered_reading(worker, case, full, by_worker=by_worker, taken_on=taken_on)


# --- kept as readings are completed ---------------------------------------------------------------


def test_every_completed_reading_rewrites_the_childs_rows(demo_users) -> None:
    worker = demo_users["caseworker-se"]
    case = _case(worker)
    org = case.organisation_id
    # given a first reading: one row per domain, first and latest the same
    take_reading(worker, case, {"running-away": 1}, taken_on=APR)
    assert DomainProgress.objects.filter(child=case.child).count() == Domain.objects.filter(version=life_domains()).count()
    assert _progress(case, "running-away") == (1, APR, 1, APR, 1, case.pk, org)
    # when a later reading is completed, then the latest moves and the first stays
    take_reading(worker, case, {"running-away": 3}, taken_on=OCT)
    assert _progress(case, "running-away") == (1, APR, 3, OCT, 2, case.pk, org)
    # and a reading dated before the first becomes the first
    take_reading(worker, case, {"running-away": 2}, taken_on=JAN)
    assert _progress(case, "running-away") == (2, JAN, 3, OCT, 3, case.pk, org)
    assert _progress(case, "money") == (2, JAN, 2, OCT, 3, case.pk, org)


def test_a_draft_reading_changes_nothing(demo_users) -> None:
    worker = demo_users["caseworker-se"]
    case = _case(worker)
    take_reading(worker, case, {"running-away": 1}, taken_on=JAN)
    before = _snapshot()
    # when a second reading is started and answered but not completed
    reading = reading_start(actor=worker, case=case, version=life_domains(), mode="with_worker", language="en", taken_on=APR)
    domain = Domain.objects.get(version=life_domains(), key="running-away")
    answer_record(reading=reading, domain=domain, respondent=Respondent.TOGETHER, level=domain.levels.get(score=3), actor=worker)
    # then the rows are those of the one complete reading
    assert _snapshot() == before


def test_a_declined_answer_has_no_score_and_together_stands_in_for_a_declined_alone(demo_users) -> None:
    worker = demo_users["caseworker-se"]
    case = _case(worker)
    # given the child declines "money" in the first reading and "running away" in the latest
    _answered(worker, case, {"money": DECLINED, "running-away": 2, "health": 1}, by_worker={"education": 2}, taken_on=JAN)
    reading = _answered(worker, case, {"money": 3, "running-away": DECLINED, "health": 3}, by_worker={"education": 2}, taken_on=APR)
    # then a declined answer gives no score
    assert _progress(case, "money")[:4] == (None, JAN, 3, APR)
    assert _progress(case, "running-away")[:4] == (2, JAN, None, APR)
    # and when the child declined alone but answered together with the worker, the answer together counts
    domain = Domain.objects.get(version=life_domains(), key="health")
    Answer.objects.create(reading=reading, domain=domain, respondent=Respondent.CHILD, level=None, declined=True)
    progress_refresh(child=case.child, version=life_domains())
    assert _progress(case, "health")[:4] == (1, JAN, 3, APR)
    # and the child's answer alone wins over the answer together
    alone = Answer.objects.filter(reading=reading, domain=domain, respondent=Respondent.CHILD)
    alone.update(level=domain.levels.get(score=2), declined=False)
    progress_refresh(child=case.child, version=life_domains())
    assert _progress(case, "health")[:4] == (1, JAN, 2, APR)


def test_the_workers_own_view_is_left_out(demo_users) -> None:
    worker = demo_users["caseworker-se"]
    case = _case(worker)
    # given "education" answered only by the worker, in both readings
    _answered(worker, case, {"money": 1}, by_worker={"education": 1}, taken_on=JAN)
    _answered(worker, case, {"money": 2}, by_worker={"education": 3}, taken_on=APR)
    # then the domain has a row without scores, and the child's own answers are kept
    assert _progress(case, "education")[:5] == (None, JAN, None, APR, 2)
    assert _progress(case, "money")[:5] == (1, JAN, 2, APR, 2)


def test_a_second_version_is_kept_apart(demo_users) -> None:
    worker = demo_users["caseworker-se"]
    case = _case(worker)
    # given two readings of version 1, then version 2 published and one reading of it
    take_reading(worker, case, {"running-away": 1}, taken_on=JAN)
    take_reading(worker, case, {"running-away": 3}, taken_on=APR)
    v2 = _version_2(demo_users["secretariat"])
    _reading_of(v2, worker, case, 1, taken_on=OCT)
    # then each version has its own rows: version 1 untouched by the reading of version 2
    assert _progress(case, "running-away")[:5] == (1, JAN, 3, APR, 2)
    assert _progress(case, "running-away", v2)[:5] == (1, OCT, 1, OCT, 1)
    assert set(DomainProgress.objects.filter(version=v2).values_list("domain__version", flat=True)) == {v2.pk}


# --- rebuilt from the readings --------------------------------------------------------------------


def _mixed(demo_users: dict[str, Any]) -> None:
    """Children of two countries with one to three readings, declines and the worker's view; one child with cases in both."""
    se, lt = demo_users["caseworker-se"], demo_users["caseworker-lt"]
    for i in range(6):
        case = _case(se)
        for n, day in enumerate((JAN, APR, OCT)[: 1 + i % 3]):
            child = {"running-away": 1 + (i + n) % 3, "money": DECLINED if (i + n) % 4 == 0 else 1 + n % 3, "health": 1 + i % 3}
            _answered(se, case, child, by_worker={"education": 1 + n % 3}, taken_on=day)
    travelling = _case(se)
    take_reading(se, travelling, {"running-away": 1}, taken_on=JAN)
    take_reading(se, travelling, {"running-away": 2}, taken_on=MAY)
    abroad = _case(lt)
    Case.objects.filter(pk=abroad.pk).update(child=travelling.child)  # the same child, later in Lithuania
    abroad.refresh_from_db()
    take_reading(lt, abroad, {"running-away": 3}, taken_on=APR)
    take_reading(lt, abroad, {"running-away": 1}, taken_on=OCT)
    for _ in range(2):
        case = _case(lt)
        take_reading(lt, case, {"running-away": 2}, taken_on=JAN)
        take_reading(lt, case, {"running-away": 3}, taken_on=MAY, respondent=Respondent.CHILD)


def test_the_backfill_migration_rebuilds_the_rows_the_services_kept(demo_users) -> None:
    _mixed(demo_users)
    kept = _snapshot()
    migration = importlib.import_module("carnet.assessments.migrations.0004_backfill_domain_progress")
    # when the rows are emptied (the migration backwards) and filled again (forwards)
    migration.empty(django_apps, None)
    assert DomainProgress.objects.count() == 0
    migration.backfill(django_apps, None)
    # then they are the rows kept as the readings were completed
    assert _snapshot() == kept
    # and the travelling child has rows in both countries
    assert DomainProgress.objects.filter(domain__key="running-away").values("child").distinct().count() == 9


def test_the_rebuild_command_rebuilds_every_row(demo_users) -> None:
    _mixed(demo_users)
    kept = _snapshot()
    DomainProgress.objects.filter(domain__key="money").update(latest_score=None, readings=99)
    out = io.StringIO()
    call_command("assessments_progress", "rebuild", stdout=out)
    assert _snapshot() == kept
    assert out.getvalue().splitlines()[-1] == f"Rebuilt: {len(kept)} rows for 9 children and versions."


# --- the outcomes from the rows -------------------------------------------------------------------


def _direct_cells(version: InstrumentVersion, countries: list[str]) -> list[tuple[str, int | None, int, int, int, int]]:
    """The cells worked out in Python from the readings themselves, by the rules of the outcomes."""
    readings: dict[tuple[str, Any], list[Reading]] = defaultdict(list)
    for reading in (
        Reading.objects.filter(version=version, status=ReadingStatus.COMPLETE, case__country__code__in=countries)
        .select_related("case__country")
        .prefetch_related("answers__level")
        .order_by("taken_on", "completed_at", "id")
    ):
        readings[(reading.case.country.code, reading.case.child_id)].append(reading)

    def own(reading: Reading, domain_id: int) -> int | None:
        scores = {a.respondent: a.level.score for a in reading.answers.all() if a.domain_id == domain_id and a.level is not None}
        return scores.get(Respondent.CHILD, scores.get(Respondent.TOGETHER))

    cells: dict[tuple[str, int | None, int, int], list[int]] = defaultdict(lambda: [0, 0])
    for (country, _child), taken in readings.items():
        if len(taken) < 2:
            continue
        first, latest = taken[0], taken[-1]
        quarter = Quarter(latest.taken_on.year * 4 + (latest.taken_on.month - 1) // 3)
        where = (country, latest.case.organisation_id, quarter.index)
        cells[(*where, 0)][0] += 1
        for domain in Domain.objects.filter(version=version):
            before, after = own(first, domain.pk), own(latest, domain.pk)
            if before is not None and after is not None:
                cells[(*where, domain.pk)][0] += 1
                cells[(*where, domain.pk)][1] += after - before
    return sorted((*key, n, total) for key, (n, total) in cells.items())


def test_the_outcomes_are_those_worked_out_from_the_readings(demo_users) -> None:
    _mixed(demo_users)
    version = life_domains()
    for countries in (["SE"], ["LT"], ["LT", "SE"]):
        assert sorted(change_cells(version.pk, countries)) == _direct_cells(version, countries)
    # and the travelling child is counted in both countries, each with its own first and latest reading
    running = Domain.objects.get(version=version, key="running-away").pk
    lt = [row for row in change_cells(version.pk, ["LT"]) if row[3] == running]
    assert sum(row[4] for row in lt) == 3
