"""What the benchmarks beside bench/run.py share: a part run in carnet's own process, waiting for a signed-in page,
and (for bench/referrals.py) the scratch installation, its two servers and the interleaved rounds.

Same method as bench/run.py: carnet as production runs it (`carnet serve`) on a throw-away
SQLite database, bench/bare.py under the same gunicorn, and every figure a ratio to the bare
view measured in the same run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from run import BIN, HOST, ROOT, Sample, Target, get, hammer, start_server, stop_server

DjangoPart = Callable[..., dict[str, Any]]


def django_runner(script: str) -> DjangoPart:
    """``run(command, env, *args)``: run one of ``script``'s in-process parts in its own process with carnet's settings.

    The script answers ``python script <command> args...`` by printing JSON as its last line (see its ``PARTS``).
    """
    path = Path(script).resolve()

    def run(command: str, env: dict[str, str], *args: str) -> dict[str, Any]:
        env = {**env, "DJANGO_SETTINGS_MODULE": "carnet.config.settings"}
        done = subprocess.run([sys.executable, str(path), command, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"bench/{path.name} {command} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    return run


def wait_for(proc: subprocess.Popen[bytes], port: int, path: str, headers: dict[str, str], expect: bytes, log: Path) -> None:
    """Until ``path`` answers 200 with ``expect`` in the body (with ``headers``: a session cookie); exit if it never does."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited ({proc.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        try:
            status, body = get(port, path, headers)
        except OSError:
            time.sleep(0.1)
            continue
        if status != 200 or expect not in body:
            sys.exit(f"GET {path} answered {status}, not a page with {expect!r}:\n{body[:800]!r}")
        return
    sys.exit(f"no answer on port {port}:\n{log.read_text(errors='replace')[-3000:]}")


# --- the scratch installation and its servers (bench/referrals.py) ---------------------------------


@dataclass(frozen=True)
class Knobs:
    """CARNET_WORKERS, BENCH_ROUNDS, BENCH_SECONDS, BENCH_CLIENTS, with bench/run.py's defaults."""

    workers: int
    rounds: int
    seconds: float
    clients: int

    @classmethod
    def from_environment(cls) -> Knobs:
        workers = int(os.environ.get("CARNET_WORKERS", str(min(4, (os.cpu_count() or 1) * 2))))
        return cls(
            workers=workers,
            rounds=int(os.environ.get("BENCH_ROUNDS", "5")),
            seconds=float(os.environ.get("BENCH_SECONDS", "1.5")),
            clients=int(os.environ.get("BENCH_CLIENTS", str(workers))),
        )


@dataclass(frozen=True)
class Scratch:
    """A migrated throw-away installation in ``var``: ``env`` for the bare server, ``carnet_env`` for carnet and its parts."""

    var: Path
    env: dict[str, str]
    carnet_env: dict[str, str]


def scratch_installation(var_dir: str, workers: int) -> Scratch:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CARNET_TESTING", "CARNET_DEBUG", "DJANGO_SETTINGS_MODULE"}}
    carnet_env = env | {"CARNET_VAR_DIR": var_dir, "CARNET_HTTPS": "0", "CARNET_ALLOWED_HOSTS": "127.0.0.1,localhost"}
    carnet_env["CARNET_WORKERS"] = str(workers)
    for command in ("migrate", "collectstatic"):
        subprocess.run([str(BIN / "carnet"), command, "--no-input", "-v0"], cwd=ROOT, env=carnet_env, check=True)
    return Scratch(Path(var_dir), env, carnet_env)


@dataclass(frozen=True)
class Page:
    """A page to hammer: its target and the headers that go with every request (a session cookie, or none)."""

    target: Target
    headers: dict[str, str]


@contextmanager
def carnet_and_bare(scratch: Scratch, workers: int, carnet_pages: list[Page], bare: Page) -> Iterator[None]:
    """`carnet serve` on the port of ``carnet_pages`` and bench/bare.py on ``bare``'s, both up and answering; stopped after."""
    port = carnet_pages[0].target.port
    argv = {
        "carnet": [str(BIN / "carnet"), "serve", "--no-collectstatic", "--host", HOST, "--port", str(port), "--workers", str(workers)],
        "bare": [sys.executable, "-m", "gunicorn", "bench.bare:application", "--chdir", str(ROOT), "--bind", f"{HOST}:{bare.target.port}"]
        + ["--workers", str(workers), "--access-logfile", "-", "--forwarded-allow-ips", "127.0.0.1"],
    }
    with ExitStack() as stack:
        servers = {}
        for name, env in (("carnet", scratch.carnet_env), ("bare", scratch.env)):
            log = stack.enter_context(open(scratch.var / f"{name}.log", "wb"))
            servers[name] = start_server(argv[name], env, log)
            stack.callback(stop_server, servers[name])
        for name, pages in (("carnet", carnet_pages), ("bare", [bare])):
            for page in pages:
                wait_for(servers[name], page.target.port, page.target.path, page.headers, page.target.expect, scratch.var / f"{name}.log")
        yield


def interleaved_rounds(pages: list[Page], knobs: Knobs) -> dict[Target, list[Sample]]:
    """Warm every page, then ``knobs.rounds`` rounds of every page in turn, each round starting one page further on."""
    for page in pages:
        hammer(page.target, 0.5, knobs.clients, page.headers, check_body=True)
    samples: dict[Target, list[Sample]] = {page.target: [] for page in pages}
    for number in range(knobs.rounds):
        shift = number % len(pages)
        for page in pages[shift:] + pages[:shift]:
            samples[page.target].append(hammer(page.target, knobs.seconds, knobs.clients, page.headers, check_body=True))
    return samples


def ratio_line(runs: list[Sample], bare_runs: list[Sample]) -> str:
    """``0.123 x bare  (0.110-0.130 over rounds; 123.4 req/s; median latency 30.1 ms)``: each round against the bare view's."""
    ratios = [s.rate / b.rate for s, b in zip(runs, bare_runs, strict=True) if b.rate]
    latency_ms = statistics.median(lat for s in runs for lat in s.latencies) * 1000
    return (
        f"{statistics.median(ratios):.3f} x bare  ({min(ratios):.3f}-{max(ratios):.3f} over rounds; "
        f"{statistics.median(s.rate for s in runs):.1f} req/s; median latency {latency_ms:.1f} ms)"
    )
