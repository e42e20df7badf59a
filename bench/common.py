"""What the benchmarks share (bench/run.py, assessments.py, referrals.py, network.py): the scratch installation,
carnet and the bare view under gunicorn, the HTTP clients, the interleaved rounds, and the parts run in carnet's own process.

carnet is started the way production runs it (`carnet serve`: gunicorn, whitenoise, no debug)
on a throw-away SQLite database; bench/bare.py is served by the same gunicorn with the same
worker count. Threaded HTTP clients drive both in interleaved rounds, so that a slow moment of
the machine hits every target alike, and every figure is a ratio to the bare view measured in
the same run. Absolute numbers belong to the machine. Nothing asserts a time.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


# --- HTTP: targets, samples, clients ---------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    port: int
    path: str
    expect: bytes  # in the body of a correct answer


@dataclass
class Sample:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def hammer(target: Target, seconds: float, clients: int, headers: dict[str, str] | None = None, *, check_body: bool = False) -> Sample:
    """``clients`` threads, each with its own connection (kept alive while the server allows), for ``seconds``.

    ``headers`` go with every request (a session cookie); ``check_body`` counts an answer without
    ``target.expect`` in it as an error (a signed-in page that fell back to the sign-in form).
    """
    sample = Sample()
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    deadline = 0.0

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, target.port, timeout=10)
        done = errors = 0
        latencies: list[float] = []
        start.wait()
        while (began := time.perf_counter()) < deadline:
            try:
                conn.request("GET", target.path, headers=headers or {})
                response = conn.getresponse()
                body = response.read()
                ok = response.status == 200 and (not check_body or target.expect in body)
            except (OSError, http.client.HTTPException):
                conn.close()  # reopened by the next request
                ok = False
            latencies.append(time.perf_counter() - began)
            done += 1
            errors += not ok
        conn.close()
        with lock:
            sample.requests += done
            sample.errors += errors
            sample.latencies.extend(latencies)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    sample.seconds = time.perf_counter() - began
    return sample


def start_server(argv: list[str], env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    # Own session: Ctrl+C reaches only this process, which then stops the servers in order.
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


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


# --- the scratch installation, its two servers and the interleaved rounds ----------------------------


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
    """A page to hammer: its target, the headers that go with every request (a session cookie, or none), and how many
    client threads hammer it (``None``: ``Knobs.clients``)."""

    target: Target
    headers: dict[str, str]
    clients: int | None = None


def bare_page() -> Page:
    """bench/bare.py's one view, on a port of its own."""
    return Page(Target("bare Django view", free_port(), "/", b"ok"), {})


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


def interleaved_rounds(
    pages: list[Page], knobs: Knobs, *, check_body: bool = True, after_round: Callable[[], None] | None = None
) -> dict[Target, list[Sample]]:
    """Warm every page, then ``knobs.rounds`` rounds of every page in turn, each round starting one page further on.

    A page is warmed once (0.5 s with ``knobs.clients``) however many pages share its URL; ``check_body`` counts an answer
    without the target's ``expect`` as an error; ``after_round`` runs after each round (a measurement outside HTTP).
    """
    warmed: set[tuple[int, str]] = set()
    for page in pages:  # every worker: imports, template and URL caches
        if (page.target.port, page.target.path) not in warmed:
            warmed.add((page.target.port, page.target.path))
            hammer(page.target, 0.5, knobs.clients, page.headers, check_body=check_body)
    samples: dict[Target, list[Sample]] = {page.target: [] for page in pages}
    for number in range(knobs.rounds):
        shift = number % len(pages)
        for page in pages[shift:] + pages[:shift]:
            clients = knobs.clients if page.clients is None else page.clients
            samples[page.target].append(hammer(page.target, knobs.seconds, clients, page.headers, check_body=check_body))
        if after_round is not None:
            after_round()
    return samples


def median_rate(runs: list[Sample]) -> float:
    return statistics.median(s.rate for s in runs)


def median_latency_ms(runs: list[Sample]) -> float:
    return statistics.median(lat for s in runs for lat in s.latencies) * 1000


def ratios(runs: list[Sample], bare_runs: list[Sample]) -> list[float]:
    """Each round's rate over the bare view's in the same round."""
    return [s.rate / b.rate for s, b in zip(runs, bare_runs, strict=True) if b.rate]


def ratio_line(runs: list[Sample], bare_runs: list[Sample]) -> str:
    """``0.123 x bare  (0.110-0.130 over rounds; 123.4 req/s; median latency 30.1 ms)``: each round against the bare view's."""
    each = ratios(runs, bare_runs)
    return (
        f"{statistics.median(each):.3f} x bare  ({min(each):.3f}-{max(each):.3f} over rounds; "
        f"{median_rate(runs):.1f} req/s; median latency {median_latency_ms(runs):.1f} ms)"
    )


def report_errors(name: str, runs: list[Sample], wrong: str = "not the expected page") -> bool:
    """Print a ``!!`` line if any request of ``runs`` failed or was ``wrong``; whether one did."""
    errors = sum(s.errors for s in runs)
    if errors:
        print(f"  !! {name}: {errors} of {sum(s.requests for s in runs)} requests failed or were {wrong}")
    return bool(errors)
