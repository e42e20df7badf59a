"""`make bench`: carnet's /healthz and home page, measured as a multiple of a bare Django view.

carnet is started the way production runs it (`carnet serve`: gunicorn, whitenoise, no debug)
on a throw-away SQLite database; bench/bare.py is served by the same gunicorn with the same
worker count. This process drives both with threaded HTTP clients in interleaved rounds, so
that a slow moment of the machine hits every target alike. Absolute numbers belong to the
machine; the ratio to bare Django is what to compare between commits. Nothing asserts a time.

Tunable from the environment: CARNET_WORKERS, BENCH_ROUNDS, BENCH_SECONDS, BENCH_CLIENTS.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


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


def wait_until_up(proc: subprocess.Popen[bytes], target: Target, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{target.name}: the server exited ({proc.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        try:
            status, body = get(target.port, target.path)
        except OSError:
            time.sleep(0.1)
            continue
        if status != 200 or target.expect not in body:
            sys.exit(f"{target.name}: GET {target.path} answered {status}, not a page with {target.expect!r}:\n{body[:500]!r}")
        return
    sys.exit(f"{target.name}: no answer on port {target.port} after {timeout:.0f}s:\n{log.read_text(errors='replace')[-3000:]}")


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


def main() -> int:
    workers = int(os.environ.get("CARNET_WORKERS", str(min(4, (os.cpu_count() or 1) * 2))))
    rounds = int(os.environ.get("BENCH_ROUNDS", "5"))
    seconds = float(os.environ.get("BENCH_SECONDS", "1.5"))
    clients = int(os.environ.get("BENCH_CLIENTS", str(workers)))
    began = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="carnet-bench-") as var_dir:
        var = Path(var_dir)
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CARNET_TESTING", "CARNET_DEBUG", "DJANGO_SETTINGS_MODULE"}}
        carnet_env = {
            **env,
            "CARNET_VAR_DIR": var_dir,
            "CARNET_HTTPS": "0",
            "CARNET_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CARNET_WORKERS": str(workers),
        }
        carnet = str(BIN / "carnet")
        for command in (["migrate", "--no-input"], ["collectstatic", "--no-input"]):
            subprocess.run([carnet, *command, "-v0"], cwd=ROOT, env=carnet_env, check=True)

        bare = Target("bare Django view", free_port(), "/", b"ok")
        healthz = Target("healthz", free_port(), "/healthz", b'"status": "ok"')
        home = Target("home /en/", healthz.port, "/en/", b'lang="en"')
        gunicorn_flags = ["--workers", str(workers), "--access-logfile", "-", "--forwarded-allow-ips", "127.0.0.1"]
        servers: list[subprocess.Popen[bytes]] = []
        with open(var / "carnet.log", "wb") as carnet_log, open(var / "bare.log", "wb") as bare_log:
            try:
                servers.append(
                    start_server(
                        [carnet, "serve", "--no-collectstatic", "--host", HOST, "--port", str(healthz.port), "--workers", str(workers)],
                        carnet_env,
                        carnet_log,
                    )
                )
                servers.append(
                    start_server(
                        [sys.executable, "-m", "gunicorn", "bench.bare:application", "--chdir", str(ROOT), "--bind", f"{HOST}:{bare.port}"]
                        + gunicorn_flags,
                        env,
                        bare_log,
                    )
                )
                wait_until_up(servers[0], healthz, var / "carnet.log")
                wait_until_up(servers[0], home, var / "carnet.log")
                wait_until_up(servers[1], bare, var / "bare.log")

                targets = [bare, healthz, home]
                for target in targets:  # warm every worker: imports, template and URL caches
                    hammer(target, 0.5, clients)
                samples: dict[Target, list[Sample]] = {t: [] for t in targets}
                for number in range(rounds):
                    order = targets[number % len(targets) :] + targets[: number % len(targets)]
                    for target in order:
                        samples[target].append(hammer(target, seconds, clients))
            finally:
                for proc in servers:
                    stop_server(proc)

    print(f"{workers} gunicorn workers per server, {clients} client threads, {rounds} interleaved rounds of {seconds:g} s per target")
    print(f"{os.cpu_count()} CPUs; the client shares them with the servers, so the ratios may understate carnet's overhead.")
    print()
    failed = False
    bare_rates = [s.rate for s in samples[bare]]
    for target in targets:
        runs = samples[target]
        requests = sum(s.requests for s in runs)
        errors = sum(s.errors for s in runs)
        rate = statistics.median(s.rate for s in runs)
        latency_ms = statistics.median(lat for s in runs for lat in s.latencies) * 1000
        if target is bare:
            summary = f"{rate:7.0f} req/s"
        else:
            ratios = [s.rate / b for s, b in zip(runs, bare_rates, strict=True) if b]
            summary = f"{statistics.median(ratios):.2f} x bare  ({min(ratios):.2f}-{max(ratios):.2f} over rounds; {rate:.0f} req/s)"
        print(f"  {target.name:<17} {summary:<58} median latency {latency_ms:6.2f} ms   {requests} requests")
        if errors:
            failed = True
            print(f"  !! {target.name}: {errors} of {requests} requests failed or were not 200")

    # ---- the self-assessment tool (issue 4): bench/assessments.py runs its own servers and rounds, same method ----
    print()
    import assessments  # bench/assessments.py, next to this file

    failed = assessments.main() != 0 or failed
    # ---- end of the self-assessment tool ----

    # ---- the referrals app: bench/referrals.py runs its own servers and rounds, same method ----
    print()
    import referrals  # bench/referrals.py, next to this file

    failed = referrals.main() != 0 or failed
    # ---- end of the referrals app ----

    print(f"\nbench took {time.monotonic() - began:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
