"""`make bench`, the self-assessment tool (issue 4). Called from bench/run.py; runnable alone: `python bench/assessments.py`.

(a) The star chart page of a case with 21 readings (20 earlier ones and the latest), and
    storing a reading (start + 9 answers + complete, through the services). Same method as
    bench/run.py: carnet as production runs it (`carnet serve`) on a throw-away SQLite
    database, bench/bare.py under the same gunicorn, threaded clients in interleaved rounds,
    and every figure read as a ratio to the bare Django view *measured in the same run*.
    The chart page is fetched by a signed-in caseworker (a session made for the bench).
    The installation, the servers and the rounds are bench/common.py's.
    Storing a reading is not an HTTP request: it is timed in a separate process, one reading
    after another, and compared with the bare view served to one client at a time.
(b) The aggregate outcomes query over 1,000,000 synthetic readings on PostgreSQL. Needs
    ``DATABASE_URL`` pointing at PostgreSQL (skipped with a message otherwise): a scratch
    database ``carnet_bench`` is created on that server, migrated, filled with SQL
    (``INSERT ... SELECT generate_series``, cloning one real case and reading made through
    the services), the query is timed, and the database is dropped. The figure is reported,
    never asserted.

Tunable from the environment: CARNET_WORKERS, BENCH_ROUNDS, BENCH_SECONDS, BENCH_CLIENTS (as bench/run.py),
BENCH_READINGS (default 1000000), BENCH_READINGS_PER_CHILD (default 10).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from typing import Any

from common import (
    BIN,
    ROOT,
    Knobs,
    Page,
    Target,
    bare_page,
    carnet_and_bare,
    django_runner,
    free_port,
    interleaved_rounds,
    median_rate,
    ratio_line,
    report_errors,
    scratch_installation,
)

EARLIER_READINGS = 20
SCRATCH_DATABASE = "carnet_bench"

_django = django_runner(__file__)  # runs one of this file's in-process parts (below) with carnet's settings; its last line is JSON


# --- (a) the chart page and storing a reading -----------------------------------------------------


def part_a(knobs: Knobs) -> bool:
    print("== self-assessment (a): the star chart page, and storing a reading ==")
    stores: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="carnet-bench-assess-") as var_dir:
        scratch = scratch_installation(var_dir, knobs.workers)
        seed = _django("_seed", scratch.carnet_env)
        bare = bare_page()
        page = Page(
            Target(seed["page_name"], free_port(), seed["path"], seed["expect"].encode()), {"Cookie": f"{seed['cookie']}={seed['session']}"}
        )
        bare1 = Page(replace(bare.target, name="bare Django view, one client"), {}, clients=1)  # warmed as bare, the same URL
        with carnet_and_bare(scratch, knobs.workers, [page], bare):
            samples = interleaved_rounds(
                [bare, page, bare1], knobs, after_round=lambda: stores.append(_django("_store", scratch.carnet_env, str(knobs.seconds)))
            )

    bare_runs, page_runs, bare1_runs = (samples[p.target] for p in (bare, page, bare1))
    print(f"  bare Django view   {median_rate(bare_runs):7.0f} req/s with {knobs.clients} clients")
    print(f"  {page.target.name:<18} {ratio_line(page_runs, bare_runs)}")
    print(f"                     {seed['readings']} readings on the page ({EARLIER_READINGS} earlier + the latest), {seed['note']}")
    bare1 = [s.rate for s in bare1_runs]
    store_rates = [s["readings"] / s["seconds"] for s in stores]
    store_ratios = [r / b for r, b in zip(store_rates, bare1, strict=True) if b]
    print(
        f"  storing a reading  {statistics.median(store_ratios):.4f} x bare one-at-a-time  "
        f"({statistics.median(store_rates):.1f} readings/s in one process, each = start + 9 answers + complete, audited; "
        f"bare one-at-a-time {statistics.median(bare1):.0f} req/s; "
        f"{statistics.median(s['seconds'] * 1000 / s['readings'] for s in stores):.1f} ms per reading)"
    )
    failed = False
    for key, runs in (("bare", bare_runs), ("page", page_runs), ("bare1", bare1_runs)):
        failed = report_errors(key, runs) or failed
    return failed


def _seed() -> dict[str, Any]:
    """In carnet's process: demo accounts, a Swedish case with 21 readings, a signed-in session for its caseworker."""
    import io
    from datetime import timedelta

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone, translation

    from carnet.accounts.demo import load as load_accounts
    from carnet.accounts.models import User
    from carnet.cases.identity import Identity
    from carnet.cases.services import NewCase, case_open
    from carnet.core.models import Country

    translation.activate("en")
    load_accounts(out=io.StringIO())
    worker = User.objects.get(username="caseworker-se")
    today = timezone.localdate()
    case = case_open(
        actor=worker,
        new=NewCase(
            country=Country.objects.get(code="SE"),
            identity=Identity(given_names="Bench", family_name="Synthetic"),
            opened_on=today - timedelta(days=400),
        ),
    )
    for index in range(EARLIER_READINGS + 1):
        _store_one(worker, case, taken_on=today - timedelta(days=(EARLIER_READINGS - index) * 15), shift=index)
    client = Client()
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    try:
        path, name, note = reverse("assessments:chart", args=[case.pk]), "star chart page", "the chart page (assessments:chart)"
    except NoReverseMatch:
        path, name, note = (
            reverse("assessments:case_readings", args=[case.pk]),
            "readings page",
            "the chart page is not built yet: this is the readings page (assessments:case_readings)",
        )
    return {
        "cookie": settings.SESSION_COOKIE_NAME,
        "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "path": path,
        "page_name": name,
        "note": note,
        "expect": case.number,
        "readings": EARLIER_READINGS + 1,
    }


def _store_one(worker: Any, case: Any, *, taken_on: Any, shift: int) -> None:
    from carnet.assessments.models import InstrumentVersion, Respondent
    from carnet.assessments.services import answer_record, reading_complete, reading_start

    version = InstrumentVersion.objects.get(instrument__slug="life-domains", number=1)
    reading = reading_start(actor=worker, case=case, version=version, mode="with_worker", language="en", taken_on=taken_on)
    for position, domain in enumerate(version.domains.prefetch_related("levels").order_by("position")):
        levels = sorted(domain.levels.all(), key=lambda level: level.score)
        level = levels[(position + shift) % len(levels)]
        answer_record(reading=reading, domain=domain, respondent=Respondent.TOGETHER, level=level, actor=worker)
    reading_complete(reading=reading, actor=worker)


def _store(seconds: float) -> dict[str, Any]:
    """In carnet's process: store complete readings one after another for ``seconds`` (a fresh case, so no page cache helps)."""
    from datetime import timedelta

    import django

    django.setup()
    from django.utils import timezone

    from carnet.accounts.models import User
    from carnet.cases.identity import Identity
    from carnet.cases.services import NewCase, case_open
    from carnet.core.models import Country

    worker = User.objects.get(username="caseworker-se")
    today = timezone.localdate()
    case = case_open(
        actor=worker,
        new=NewCase(country=Country.objects.get(code="SE"), identity=Identity(given_names="Store", family_name="Bench"), opened_on=today),
    )
    _store_one(worker, case, taken_on=today, shift=0)  # warm: imports, caches
    stored, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        _store_one(worker, case, taken_on=today - timedelta(days=0), shift=stored)
        stored += 1
    return {"readings": stored, "seconds": time.perf_counter() - began}


# --- (b) the aggregate over a million readings on PostgreSQL --------------------------------------


def _scratch_url(url: str, database: str) -> str:
    head, _sep, tail = url.rpartition("/")
    query = ("?" + tail.split("?", 1)[1]) if "?" in tail else ""
    return f"{head}/{database}{query}"


def _drop_scratch(psycopg: Any, url: str) -> None:
    """Drop the scratch database. FORCE needs the right to end other sessions (an autovacuum worker, say), which an
    ordinary role lacks: then wait for them and retry plainly; never let the cleanup hide the measurement."""
    last = ""
    for attempt in range(10):
        try:
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DATABASE}" + (" WITH (FORCE)" if attempt == 0 else ""))
            return
        except psycopg.Error as error:
            last = str(error).strip().splitlines()[-1]
            time.sleep(2)
    print(f"  warning: the scratch database {SCRATCH_DATABASE} could not be dropped ({last}); drop it by hand")


def part_b() -> bool:
    print("== self-assessment (b): the aggregate outcomes over synthetic readings on PostgreSQL ==")
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("  skipped: DATABASE_URL does not point at PostgreSQL (e.g. DATABASE_URL=postgresql://carnet:carnet@127.0.0.1:5432/carnet).")
        return False
    import psycopg

    total = int(os.environ.get("BENCH_READINGS", "1000000"))
    per_child = int(os.environ.get("BENCH_READINGS_PER_CHILD", "10"))
    try:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DATABASE}")
            admin.execute(f"CREATE DATABASE {SCRATCH_DATABASE}")
    except psycopg.Error as error:
        print(f"  skipped: cannot make the scratch database {SCRATCH_DATABASE} ({str(error).strip().splitlines()[-1]})")
        return False
    scratch = _scratch_url(url, SCRATCH_DATABASE)
    env = {k: v for k, v in os.environ.items() if k not in {"CARNET_TESTING", "CARNET_DEBUG"}}
    with tempfile.TemporaryDirectory(prefix="carnet-bench-pg-") as var_dir:
        env.update({"DATABASE_URL": scratch, "CARNET_VAR_DIR": var_dir, "CARNET_HTTPS": "0"})
        try:
            began = time.monotonic()
            subprocess.run([str(BIN / "carnet"), "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
            result = _django("_pg", env, str(total), str(per_child))
            result["total_s"] = time.monotonic() - began
        finally:
            _drop_scratch(psycopg, url)
    print(
        f"  {result['readings']:,} complete readings ({result['answers']:,} answers) of {result['children']:,} children in "
        f"{result['countries']} countries and {result['organisations']} organisations, generated in {result['generate_s']:.0f} s"
    )
    print(
        f"  {result['progress_rows']:,} rows of first and latest answers per child and domain "
        f"filled (INSERT ... SELECT) in {result['progress_s']:.1f} s"
    )
    print(f"  {result['server']}; scratch database {SCRATCH_DATABASE} made, filled and dropped in {result['total_s']:.0f} s")
    print(
        f"  outcomes query (first-to-latest change per domain, by country, organisation and quarter): "
        f"median {result['query_ms']:.0f} ms over {result['runs']} runs "
        f"(min {result['query_min_ms']:.0f}, max {result['query_max_ms']:.0f}); "
        f"{result['cells']} cells; the whole page for one country: {result['page_ms']:.0f} ms "
        "(tables with disclosure control, Cronbach's alpha and kappa)"
    )
    print(
        f"  the former query (ranking every reading at request time), once: {result['ranked_ms']:.0f} ms; "
        f"same cells: {'yes' if result['same'] else 'NO'}"
    )
    print(f"  goal: within a second -> {'met' if result['query_ms'] < 1000 else 'NOT met'} (reported, not asserted)")
    return False


_PROGRESS_SQL = """
    INSERT INTO assessments_domainprogress (child_id, case_id, version_id, domain_id, country_id, organisation_id,
                                            first_score, first_taken_on, latest_score, latest_taken_on, readings)
    WITH ranked AS (
        SELECT r.id AS id, c.child_id AS child_id, c.id AS case_id, r.version_id AS version_id, c.country_id AS country_id,
               c.organisation_id AS organisation_id, r.taken_on AS taken_on,
               ROW_NUMBER() OVER (
                   PARTITION BY c.child_id, r.version_id, c.country_id ORDER BY r.taken_on, r.completed_at, r.id
               ) AS position,
               COUNT(*) OVER (PARTITION BY c.child_id, r.version_id, c.country_id) AS readings
        FROM assessments_reading r JOIN cases_case c ON c.id = r.case_id
        WHERE r.status = %s
    ),
    ends AS (
        SELECT f.child_id, l.case_id, f.version_id, f.country_id, l.organisation_id, f.id AS first_id, f.taken_on AS first_on,
               l.id AS last_id, l.taken_on AS last_on, l.readings
        FROM ranked f
        JOIN ranked l ON l.child_id = f.child_id AND l.version_id = f.version_id AND l.country_id = f.country_id AND l.position = l.readings
        WHERE f.position = 1
    ),
    answered AS (
        SELECT e.*, a.domain_id, a.reading_id, a.respondent, lv.score
        FROM ends e JOIN assessments_answer a ON a.reading_id = e.first_id LEFT JOIN assessments_level lv ON lv.id = a.level_id
        UNION ALL
        SELECT e.*, a.domain_id, a.reading_id, a.respondent, lv.score
        FROM ends e JOIN assessments_answer a ON a.reading_id = e.last_id LEFT JOIN assessments_level lv ON lv.id = a.level_id
    )
    SELECT child_id, case_id, version_id, domain_id, country_id, organisation_id,
           COALESCE(MAX(CASE WHEN reading_id = first_id AND respondent = %s THEN score END),
                    MAX(CASE WHEN reading_id = first_id AND respondent = %s THEN score END)),
           first_on,
           COALESCE(MAX(CASE WHEN reading_id = last_id AND respondent = %s THEN score END),
                    MAX(CASE WHEN reading_id = last_id AND respondent = %s THEN score END)),
           last_on, readings
    FROM answered
    GROUP BY child_id, case_id, version_id, domain_id, country_id, organisation_id, first_on, last_on, readings
"""


def _ranked_cells(version_id: int, countries: list[str]) -> list[tuple[str, int | None, int, int, int, int]]:
    """The cells as the outcomes computed them before DomainProgress (every reading ranked at request time), to compare."""
    from django.db import connection

    from carnet.assessments.models import ReadingStatus, Respondent
    from carnet.assessments.outcomes import _quarter_sql

    marks = ", ".join(["%s"] * len(countries))

    def own(alias: str) -> str:
        return f"""({alias}.respondent = %s OR ({alias}.respondent = %s AND NOT EXISTS (
            SELECT 1 FROM assessments_answer x WHERE x.reading_id = {alias}.reading_id AND x.domain_id = {alias}.domain_id
            AND x.respondent = %s AND x.level_id IS NOT NULL)))"""  # noqa: S608

    sql = f"""
        WITH ranked AS (
            SELECT r.id AS reading_id, c.child_id AS child_id, co.code AS country, c.organisation_id AS organisation_id,
                   r.taken_on AS taken_on,
                   ROW_NUMBER() OVER (PARTITION BY co.code, c.child_id ORDER BY r.taken_on, r.completed_at, r.id) AS position,
                   COUNT(*) OVER (PARTITION BY co.code, c.child_id) AS readings
            FROM assessments_reading r JOIN cases_case c ON c.id = r.case_id JOIN core_country co ON co.id = c.country_id
            WHERE r.version_id = %s AND r.status = %s AND co.code IN ({marks})
        ),
        pairs AS (
            SELECT f.reading_id AS first_id, l.reading_id AS last_id, l.country AS country, l.organisation_id AS organisation_id,
                   {_quarter_sql("l.taken_on")} AS quarter
            FROM ranked f JOIN ranked l ON l.country = f.country AND l.child_id = f.child_id AND l.position = l.readings
            WHERE f.position = 1 AND f.readings >= 2
        ),
        changes AS (
            SELECT p.country AS country, p.organisation_id AS organisation_id, p.quarter AS quarter, af.domain_id AS domain_id,
                   ll.score - lf.score AS delta
            FROM pairs p
            JOIN assessments_answer af ON af.reading_id = p.first_id JOIN assessments_level lf ON lf.id = af.level_id
            JOIN assessments_answer al ON al.reading_id = p.last_id AND al.domain_id = af.domain_id
            JOIN assessments_level ll ON ll.id = al.level_id
            WHERE {own("af")} AND {own("al")}
        )
        SELECT country, organisation_id, quarter, domain_id, COUNT(*), SUM(delta)
        FROM changes GROUP BY country, organisation_id, quarter, domain_id
        UNION ALL
        SELECT country, organisation_id, quarter, 0, COUNT(*), 0 FROM pairs GROUP BY country, organisation_id, quarter
    """  # noqa: S608
    respondents = [Respondent.CHILD, Respondent.TOGETHER, Respondent.CHILD]
    with connection.cursor() as cursor:
        cursor.execute(sql, [version_id, ReadingStatus.COMPLETE, *countries, *respondents, *respondents])
        return [(str(a), None if b is None else int(b), int(c), int(d), int(n), int(t)) for a, b, c, d, n, t in cursor.fetchall()]


def _pg(total: int, per_child: int) -> dict[str, Any]:
    """In carnet's process, on the scratch database: clone one real case and reading into ``total`` readings, time the query."""
    import io
    from datetime import date

    import django

    django.setup()
    from django.db import connection

    from carnet.accounts.demo import load as load_accounts
    from carnet.accounts.models import User
    from carnet.assessments.models import Answer, DomainProgress, InstrumentVersion, Level, Reading, ReadingStatus, Respondent
    from carnet.assessments.outcomes import change_cells, outcome_tables
    from carnet.assessments.psychometrics import version_psychometrics
    from carnet.cases.identity import Identity
    from carnet.cases.models import Case, Child
    from carnet.cases.services import NewCase, case_open
    from carnet.core.models import Country
    from carnet.directory.models import Organisation

    load_accounts(out=io.StringIO())
    version = InstrumentVersion.objects.get(instrument__slug="life-domains", number=1)
    worker = User.objects.get(username="caseworker-se")
    template_case = case_open(
        actor=worker,
        new=NewCase(country=Country.objects.get(code="SE"), identity=Identity(given_names="Template"), opened_on=date(2020, 1, 1)),
    )
    _store_one(worker, template_case, taken_on=date(2020, 1, 2), shift=0)
    template_reading = Reading.objects.get(case=template_case)
    organisations = list(Organisation.objects.filter(country__isnull=False).values_list("pk", "country_id"))
    children = total // per_child
    generation_began = time.monotonic()

    def columns(table: str) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position", [table])
            return [row[0] for row in cursor.fetchall()]

    def clone(table: str, source: str, where: str, overrides: dict[str, str], params: list[Any], series: str) -> None:
        """INSERT INTO table SELECT <overrides or the template's own column> FROM <series> CROSS JOIN <the template row>."""
        names = columns(table)
        select = ", ".join(overrides.get(name, f"t.{name}") for name in names)
        sql = f"INSERT INTO {table} ({', '.join(names)}) SELECT {select} FROM {series} CROSS JOIN (SELECT * FROM {source} WHERE {where}) t"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    orgs = "ARRAY[" + ",".join(str(pk) for pk, _country in organisations) + "]"
    countries = "ARRAY[" + ",".join(str(country) for _pk, country in organisations) + "]"
    n_orgs = len(organisations)
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    clone(
        Child._meta.db_table,
        Child._meta.db_table,
        "id = %s",
        {"id": "md5('child' || g)::uuid", "pseudonym": "'bench-' || g"},
        [template_case.child_id],
        f"generate_series(1, {children}) g",
    )
    clone(
        Case._meta.db_table,
        Case._meta.db_table,
        "id = %s",
        {
            "id": "md5('case' || g)::uuid",
            "number": "'BX-' || g",
            "child_id": "md5('child' || g)::uuid",
            "organisation_id": f"({orgs})[1 + mod(g, {n_orgs})]",
            "country_id": f"({countries})[1 + mod(g, {n_orgs})]",
        },
        [template_case.pk],
        f"generate_series(1, {children}) g",
    )
    # Readings: child g, reading k (0..per_child-1), every 30 to 60 days from 2021 on; complete.
    clone(
        Reading._meta.db_table,
        Reading._meta.db_table,
        "id = %s",
        {
            "id": "md5('reading' || g || '-' || k)::uuid",
            "case_id": "md5('case' || g)::uuid",
            "taken_on": "DATE '2021-01-01' + mod(g, 365) + k * (30 + mod(g, 31))",
            "completed_at": "TIMESTAMPTZ '2021-01-01' + (mod(g, 365) + k * (30 + mod(g, 31))) * INTERVAL '1 day'",
        },
        [template_reading.pk],
        f"generate_series(1, {children}) g CROSS JOIN generate_series(0, {per_child - 1}) k",
    )
    # Answers: the template reading's nine, each moved to a level drawn from (child, reading, domain).
    answer_columns = [name for name in columns(Answer._meta.db_table) if name != "id"]
    overrides = {"reading_id": "md5('reading' || g || '-' || k)::uuid", "level_id": "lv.id"}
    select = ", ".join(overrides.get(name, f"t.{name}") for name in answer_columns)
    levels = f"(SELECT id, domain_id, ROW_NUMBER() OVER (PARTITION BY domain_id ORDER BY score) - 1 AS idx FROM {Level._meta.db_table}) lv"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Answer._meta.db_table} ({', '.join(answer_columns)}) SELECT {select} "  # noqa: S608
            f"FROM generate_series(1, {children}) g CROSS JOIN generate_series(0, {per_child - 1}) k "
            f"CROSS JOIN (SELECT * FROM {Answer._meta.db_table} WHERE reading_id = %s) t "
            f"JOIN {levels} ON lv.domain_id = t.domain_id AND lv.idx = mod(abs(hashtext(g || '-' || k || '-' || t.domain_id)), 3)",
            [template_reading.pk],
        )
    generate_s = time.monotonic() - generation_began
    # The first and latest answers per child and domain, as reading_complete keeps them (carnet.assessments.progress), set-based.
    progress_began = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {DomainProgress._meta.db_table}")  # the template child's rows, kept by reading_complete  # noqa: S608
        cursor.execute(_PROGRESS_SQL, [ReadingStatus.COMPLETE, *[Respondent.CHILD, Respondent.TOGETHER] * 2])
        cursor.execute("ANALYZE")
        cursor.execute(f"SELECT count(*) FROM {DomainProgress._meta.db_table}")  # noqa: S608
        progress_rows = cursor.fetchone()[0]  # type: ignore[index]
        cursor.execute("SELECT version()")
        server = cursor.fetchone()[0]  # type: ignore[index]
        cursor.execute(f"SELECT count(*) FROM {Reading._meta.db_table}")  # noqa: S608
        readings = cursor.fetchone()[0]  # type: ignore[index]
        cursor.execute(f"SELECT count(*) FROM {Answer._meta.db_table}")  # noqa: S608
        answers = cursor.fetchone()[0]  # type: ignore[index]
    progress_s = time.monotonic() - progress_began
    codes = sorted(set(Country.objects.filter(pk__in=[c for _o, c in organisations]).values_list("code", flat=True)))
    times, cells = [], 0
    for _run in range(5):
        start = time.perf_counter()
        cells = len(change_cells(version.pk, codes))
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    ranked = _ranked_cells(version.pk, codes)
    ranked_s = time.perf_counter() - start
    same = sorted(ranked) == sorted(change_cells(version.pk, codes))
    start = time.perf_counter()
    outcome_tables(version, codes[:1], threshold=10)
    version_psychometrics(version, codes[:1])
    page = time.perf_counter() - start
    return {
        "readings": readings,
        "answers": answers,
        "children": children,
        "countries": len(codes),
        "organisations": n_orgs,
        "generate_s": generate_s,
        "progress_s": progress_s,
        "progress_rows": progress_rows,
        "ranked_ms": ranked_s * 1000,
        "same": same,
        "server": server.split(",")[0],
        "runs": len(times),
        "query_ms": statistics.median(times) * 1000,
        "query_min_ms": min(times) * 1000,
        "query_max_ms": max(times) * 1000,
        "page_ms": page * 1000,
        "cells": cells,
    }


def main(argv: list[str] | None = None) -> int:
    """Both parts; ``--only-aggregate`` runs part (b) alone."""
    if "--only-aggregate" in (sys.argv[1:] if argv is None else argv):
        return 1 if part_b() else 0
    began = time.monotonic()
    failed = part_a(Knobs.from_environment())
    print()
    failed = part_b() or failed
    print(f"\nself-assessment bench took {time.monotonic() - began:.0f} s")
    return 1 if failed else 0


PARTS = {
    "_seed": lambda argv: _seed(),
    "_store": lambda argv: _store(float(argv[0])),
    "_pg": lambda argv: _pg(int(argv[0]), int(argv[1])),
}

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in PARTS:
        print(json.dumps(PARTS[sys.argv[1]](sys.argv[2:]), default=str))
    else:
        sys.exit(main())
