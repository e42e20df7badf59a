"""`make bench`, the library: search over many resources, and the offline bundle. Called from bench/run.py;
runnable alone: `python bench/library.py`.

``BENCH_RESOURCES`` (default 10,000) synthetic resources, each with an English and a Russian
version (so twice as many search documents), four in five public and one in five for members,
are written in bulk (resources, versions, published revisions) and indexed through
``carnet.library.search.index_versions`` — the path publishing takes; both times are reported.
Then carnet serves the library's search as production runs it (`carnet serve`) against
bench/bare.py under the same gunicorn, with threaded clients in interleaved rounds; each figure
is a ratio to the bare Django view *measured in the same run*, with the p95 latency (same
method and helpers as bench/run.py). Searches are anonymous: visibility is applied before
anything is ranked or counted, which is the work measured.

Run on SQLite (FTS5) and, when ``DATABASE_URL`` names a PostgreSQL server, on PostgreSQL too
(a throw-away database created next to the given one and dropped after). Last, the offline
bundle of the whole public library (both languages) is built with
``carnet.library.bundle.build_bundle`` and timed. Nothing asserts a time.

Tunable from the environment: CARNET_WORKERS, BENCH_ROUNDS, BENCH_SECONDS, BENCH_CLIENTS (as bench/run.py), BENCH_RESOURCES.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from common import (
    BIN,
    ROOT,
    Knobs,
    Page,
    Sample,
    Scratch,
    Target,
    bare_page,
    carnet_and_bare,
    django_runner,
    free_port,
    interleaved_rounds,
    median_rate,
    ratio_line,
    report_errors,
)

_django = django_runner(__file__)

# (name, path, expected in the body): two broad queries (most of the library matches: the worst
# case, every match grouped and counted), and a narrow one (one resource in a hundred) by an
# inflected Russian word on the page and in English through the API.
SEARCHES = [
    ("page: 'children protection' (broad)", "/en/library/?q=children+protection", "resources found"),
    ("page: 'детям' (ru, broad)", "/ru/library/?q=" + quote("детям"), "library-hit"),
    ("page: 'рейкьявик' (ru, 1 in 100)", "/ru/library/?q=" + quote("рейкьявик"), "library-hit"),
    ("API: 'reykjavik' (1 in 100)", "/api/v1/library/search?q=reykjavik", '"hits"'),
]


def p95_ms(runs: list[Sample]) -> float:
    latencies = sorted(lat for s in runs for lat in s.latencies)
    return statistics.quantiles(latencies, n=20)[18] * 1000 if len(latencies) > 1 else 0.0


def _installation(var_dir: str, workers: int, database_url: str | None) -> Scratch:
    """bench/common.py's scratch installation, on ``database_url`` when given (else SQLite in ``var_dir``)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CARNET_TESTING", "CARNET_DEBUG", "DJANGO_SETTINGS_MODULE"}}
    carnet_env = env | {"CARNET_VAR_DIR": var_dir, "CARNET_HTTPS": "0", "CARNET_ALLOWED_HOSTS": "127.0.0.1,localhost"}
    carnet_env["CARNET_WORKERS"] = str(workers)
    if database_url:
        carnet_env["DATABASE_URL"] = database_url
    for command in ("migrate", "collectstatic"):
        subprocess.run([str(BIN / "carnet"), command, "--no-input", "-v0"], cwd=ROOT, env=carnet_env, check=True)
    return Scratch(Path(var_dir), env, carnet_env)


@contextmanager
def _postgres_database(url: str) -> Iterator[str]:
    """A throw-away database on the server of ``url`` (the role needs CREATEDB), dropped afterwards."""
    import psycopg

    name = f"carnet_bench_library_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _one_database(label: str, knobs: Knobs, resources: int, database_url: str | None) -> bool:
    print(f"-- {label} --")
    with tempfile.TemporaryDirectory(prefix="carnet-bench-library-") as var_dir:
        scratch = _installation(var_dir, knobs.workers, database_url)
        seed = _django("_seed", scratch.carnet_env, str(resources))
        print(
            f"  setup: {seed['resources']} resources, {seed['documents']} search documents "
            f"({seed['public']} public resources): bulk insert {seed['insert_s']:.1f} s, "
            f"indexing {seed['index_s']:.1f} s ({seed['index_s'] * 1000 / max(seed['documents'], 1):.2f} ms a document)"
        )
        port = free_port()
        bare = bare_page()
        pages = [Page(Target(name, port, path, expect.encode()), {}) for name, path, expect in SEARCHES]
        with carnet_and_bare(scratch, knobs.workers, pages, bare):
            samples = interleaved_rounds([bare, *pages], knobs)
        bundle = _django("_bundle", scratch.carnet_env) if database_url is None else None

    bare_runs = samples[bare.target]
    print(f"  {bare.target.name:<38} {median_rate(bare_runs):7.0f} req/s with {knobs.clients} clients; p95 {p95_ms(bare_runs):.1f} ms")
    failed = False
    for page, (_name, path, _expect) in zip(pages, SEARCHES, strict=True):
        runs = samples[page.target]
        counted = seed["counts"].get(path, {})
        print(f"  {page.target.name:<38} {ratio_line(runs, bare_runs)}; p95 {p95_ms(runs):.1f} ms")
        print(f"  {'':<38} {counted.get('count', '?')} resources match, {counted.get('queries', '?')} SQL queries a request")
        failed = report_errors(page.target.name, runs) or failed
    if bundle is not None:
        print(
            f"  offline bundle of the whole public library ({', '.join(bundle['languages'])}): {bundle['resources']} resources, "
            f"{bundle['files']} files, {bundle['size'] / 1_000_000:.1f} MB, built in {bundle['seconds']:.1f} s"
        )
    return failed


def main() -> int:
    knobs = Knobs.from_environment()
    resources = int(os.environ.get("BENCH_RESOURCES", "10000"))
    began = time.monotonic()
    print("== library: search over many resources in two languages, and the offline bundle ==")
    failed = _one_database("SQLite (FTS5, snowball stems)", knobs, resources, None)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        with _postgres_database(url) as scratch_url:
            failed = _one_database("PostgreSQL (per-row text-search configurations, GIN)", knobs, resources, scratch_url) or failed
    else:
        print("-- PostgreSQL: skipped (set DATABASE_URL=postgres://... to measure it too) --")
    print(f"\nlibrary bench took {time.monotonic() - began:.0f} s")
    return 1 if failed else 0


# --- in carnet's process ----------------------------------------------------------------------------

EN_WORDS = (
    "child children protection care trafficking guardian guardianship institution rehabilitation reintegration "
    "family return assessment interview forensic investigation abuse exploitation internet support service "
    "national contact point cooperation region border social worker police court shelter victim risk right rights "
    "monitoring training expert meeting guideline report mapping result legislation presentation tool"
).split()
RU_WORDS = (
    "дети детей детям детьми ребёнок ребёнка защита защиты защите забота заботы торговля людьми опекун опека "
    "учреждение учреждения реабилитация реинтеграция семья семьи возвращение оценка интервью расследование "
    "насилие эксплуатация интернет поддержка служба сотрудничество регион граница полиция суд приют жертва риск права"
).split()
KINDS = ["guideline", "training", "tool", "report", "research", "legislation", "presentation"]


def _text(words: list[str], rng: Any, count: int) -> str:
    return " ".join(rng.choice(words) for _ in range(count)).capitalize() + "."


def _seed(total: int) -> dict[str, Any]:
    """``total`` resources with an English and a Russian published version, written in bulk and then indexed."""
    import io
    import random

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone, translation

    from carnet.accounts.demo import load as load_accounts
    from carnet.accounts.models import User
    from carnet.core.models import Priority
    from carnet.library import search
    from carnet.library.models import Resource, ResourceRevision, ResourceVersion, Status, Visibility

    translation.activate("en")
    load_accounts(out=io.StringIO())
    author = User.objects.get(username="secretariat")
    rng = random.Random(2008)  # noqa: S311  (synthetic text, not a secret)
    priorities = list(Priority.objects.all())
    now = timezone.now()
    began = time.perf_counter()
    with transaction.atomic():
        resources = [
            Resource(
                slug=f"bench-{n:05d}",
                kind=KINDS[n % len(KINDS)],
                year=1995 + n % 25,
                visibility=Visibility.MEMBERS if n % 5 == 4 else Visibility.PUBLIC,
                publisher="Synthetic bench publisher",
                created_by=author,
            )
            for n in range(total)
        ]
        Resource.objects.bulk_create(resources, batch_size=1000)
        links = Resource.priorities.through
        links.objects.bulk_create(
            [links(resource_id=r.pk, priority_id=priorities[n % len(priorities)].pk) for n, r in enumerate(resources)], batch_size=2000
        )
        versions = [
            ResourceVersion(resource=r, language=language, status=Status.PUBLISHED, revision=1, published_revision=1, published_at=now)
            for r in resources
            for language in ("en", "ru")
        ]
        ResourceVersion.objects.bulk_create(versions, batch_size=2000)
        versions = list(ResourceVersion.objects.filter(resource__slug__startswith="bench-").select_related("resource"))
        revisions = []
        for version in versions:
            words = EN_WORDS if version.language == "en" else RU_WORDS
            title = _text(words, rng, 6)
            if int(version.resource.slug.rsplit("-", 1)[1]) % 100 == 0:  # one in a hundred was made in Reykjavik
                title += " Reykjavik 2006." if version.language == "en" else " Рейкьявике, 2006."
            revisions.append(
                ResourceRevision(
                    version=version,
                    number=1,
                    title=title,
                    summary=_text(words, rng, 20),
                    body=_text(words, rng, 80) + "\n\n" + _text(words, rng, 60),
                    status=Status.PUBLISHED,
                    author=author,
                )
            )
        ResourceRevision.objects.bulk_create(revisions, batch_size=2000)
    insert_s = time.perf_counter() - began
    began = time.perf_counter()
    documents = 0
    for start in range(0, len(versions), 2000):
        documents += search.index_versions(versions[start : start + 2000])
    index_s = time.perf_counter() - began

    counts: dict[str, dict[str, int]] = {}
    client = Client(HTTP_HOST="127.0.0.1")
    for _name, path, expect in SEARCHES:
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200 or expect.encode() not in response.content:
            raise RuntimeError(f"GET {path} answered {response.status_code}, not a page with {expect!r}")
        query = path.split("q=", 1)[1].split("&", 1)[0].replace("+", " ")
        language = "ru" if path.startswith("/ru/") else "en"
        found = search.search(actor=None, query=unquote(query), language=language, with_facets=False)
        counts[path] = {"queries": len(queries), "count": found.count}
    return {
        "resources": total,
        "public": Resource.objects.filter(visibility=Visibility.PUBLIC).count(),
        "documents": documents,
        "insert_s": insert_s,
        "index_s": index_s,
        "counts": counts,
    }


def _bundle() -> dict[str, Any]:
    """The offline bundle of every public resource in English and Russian, timed."""
    import django

    django.setup()
    try:
        from carnet.library.bundle import build_bundle
    except ImportError:
        return {"seconds": 0.0, "resources": 0, "files": 0, "size": 0, "languages": ["(no carnet.library.bundle)"]}
    with tempfile.TemporaryDirectory(prefix="carnet-bench-bundle-") as out_dir:
        began = time.perf_counter()
        result = build_bundle(out_path=Path(out_dir) / "library.zip", languages=["en", "ru"], visibility="public", progress=None)
        seconds = time.perf_counter() - began
    return {
        "seconds": seconds,
        "resources": result.resources,
        "files": len(result.files),
        "size": result.size,
        "languages": result.languages,
    }


PARTS = {"_seed": lambda argv: _seed(int(argv[0])), "_bundle": lambda argv: _bundle()}

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in PARTS:
        print(json.dumps(PARTS[sys.argv[1]](sys.argv[2:]), default=str))
    else:
        sys.exit(main())
