"""`make bench`: carnet's /healthz and home page, measured as a multiple of a bare Django view.

carnet is started the way production runs it (`carnet serve`: gunicorn, whitenoise, no debug)
on a throw-away SQLite database; bench/bare.py is served by the same gunicorn with the same
worker count. This process drives both with threaded HTTP clients in interleaved rounds, so
that a slow moment of the machine hits every target alike. Absolute numbers belong to the
machine; the ratio to bare Django is what to compare between commits. Nothing asserts a time.
The installation, the servers and the rounds are bench/common.py's, shared with
bench/assessments.py, bench/referrals.py and bench/network.py (portal and directory), which this
script runs after its own targets.

Tunable from the environment: CARNET_WORKERS, BENCH_ROUNDS, BENCH_SECONDS, BENCH_CLIENTS.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

from common import (
    Knobs,
    Page,
    Target,
    bare_page,
    carnet_and_bare,
    free_port,
    interleaved_rounds,
    median_latency_ms,
    median_rate,
    ratios,
    report_errors,
    scratch_installation,
)


def main() -> int:
    knobs = Knobs.from_environment()
    began = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="carnet-bench-") as var_dir:
        scratch = scratch_installation(var_dir, knobs.workers)
        bare = bare_page()
        healthz = Page(Target("healthz", free_port(), "/healthz", b'"status": "ok"'), {})
        home = Page(Target("home /en/", healthz.target.port, "/en/", b'lang="en"'), {})
        with carnet_and_bare(scratch, knobs.workers, [healthz, home], bare):
            samples = interleaved_rounds([bare, healthz, home], knobs, check_body=False)

    print(
        f"{knobs.workers} gunicorn workers per server, {knobs.clients} client threads, "
        f"{knobs.rounds} interleaved rounds of {knobs.seconds:g} s per target"
    )
    print(f"{os.cpu_count()} CPUs; the client shares them with the servers, so the ratios may understate carnet's overhead.")
    print()
    failed = False
    bare_runs = samples[bare.target]
    for target, runs in samples.items():
        rate = median_rate(runs)
        if target == bare.target:
            summary = f"{rate:7.0f} req/s"
        else:
            each = ratios(runs, bare_runs)
            summary = f"{statistics.median(each):.2f} x bare  ({min(each):.2f}-{max(each):.2f} over rounds; {rate:.0f} req/s)"
        requests = sum(s.requests for s in runs)
        print(f"  {target.name:<17} {summary:<58} median latency {median_latency_ms(runs):6.2f} ms   {requests} requests")
        failed = report_errors(target.name, runs, "not 200") or failed

    # ---- the self-assessment tool (issue 4): bench/assessments.py, same servers, rounds and method ----
    print()
    import assessments  # bench/assessments.py, next to this file

    failed = assessments.main() != 0 or failed
    # ---- end of the self-assessment tool ----

    # ---- the referrals app: bench/referrals.py, same servers, rounds and method ----
    print()
    import referrals  # bench/referrals.py, next to this file

    failed = referrals.main() != 0 or failed
    # ---- end of the referrals app ----

    # ---- the public portal and the network directory: bench/network.py, same servers, rounds and method ----
    print()
    import network  # bench/network.py, next to this file

    failed = network.main() != 0 or failed
    # ---- end of the public portal and the network directory ----

    # ---- the library: search over 10,000 resources (SQLite and PostgreSQL) and the offline bundle: bench/library.py ----
    print()
    import library  # bench/library.py, next to this file

    failed = library.main() != 0 or failed
    # ---- end of the library ----

    print(f"\nbench took {time.monotonic() - began:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
