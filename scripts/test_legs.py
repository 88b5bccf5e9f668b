"""Run the suite in its legs, each against real services started here on loopback.

1. SQLite: every test not marked ``postgres``, plus the browser tests (headless Chromium).
2. PostgreSQL + Redis + a real Celery worker: the whole suite except the browser tests, on a
   throwaway PostgreSQL cluster (initdb in a temp dir, as the ``postgres`` user when run as
   root) and a throwaway redis-server, both on free loopback ports.

Each leg runs on ``TEST_WORKERS`` pytest-xdist workers (default: one per CPU this process may
use; ``TEST_WORKERS=1`` runs serially). Each worker has its own test database (pytest-django
suffixes ``_gw0``, ``_gw1``...) and its own Redis database (tests/conftest.py).

With ``CI=true`` a leg that cannot run is a failure. Outside CI it is reported loudly as not
run. Extra arguments go to pytest in both legs, after the worker options, so they win
(``make test ARGS="-k tree"``, ``make test ARGS="-n 0"``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PYCACHE = ROOT / ".pytest_cache" / "pycache"


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worker_count() -> int:
    """``TEST_WORKERS`` ("auto", or a number; 0 and 1 both mean serial), capped at the CPUs."""
    wanted = os.environ.get("TEST_WORKERS", "auto").strip().lower() or "auto"
    cpus = usable_cpus()
    if wanted == "auto":
        return cpus
    try:
        count = int(wanted)
    except ValueError:
        raise SystemExit(f"TEST_WORKERS must be 'auto' or a number, not {wanted!r}") from None
    return max(1, min(count, cpus))


def worker_args(workers: int) -> list[str]:
    if workers <= 1:
        return []
    try:
        import xdist  # noqa: F401
    except ImportError:
        print("pytest-xdist is not installed: running serially (make setup-dev installs it)")
        return []
    return ["-n", str(workers), "--dist", "load"]


def legs_env() -> dict[str, str]:
    """The environment of both legs. Bytecode (and pytest's rewritten test modules) goes to
    ``PYCACHE``, outside the source tree, instead of not being written at all: otherwise every
    test worker, and every Celery worker, web server and ``manage.py`` a test starts, compiles
    the project afresh (collecting the suite takes 15 s instead of 3 s)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONPYCACHEPREFIX", str(PYCACHE))
    return env


def duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}m{seconds:02d}s"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f}s")


def find_pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    return str(candidates[0]) if candidates else None


def as_postgres(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres system user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    initdb, pg_ctl = find_pg_bin("initdb"), find_pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError("PostgreSQL binaries (initdb, pg_ctl) not found")
    workdir = Path(tempfile.mkdtemp(prefix="governance-pg-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    data = workdir / "data"
    port = free_port()
    subprocess.run(
        as_postgres(
            [
                initdb,
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale=C",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = (
        f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
    )
    subprocess.run(
        as_postgres(
            [
                pg_ctl,
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(workdir / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"postgres://postgres@127.0.0.1:{port}/governance"
    finally:
        subprocess.run(
            as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def throwaway_redis() -> Iterator[str]:
    server = shutil.which("redis-server")
    if not server:
        raise RuntimeError("redis-server not found")
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="governance-redis-"))
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        # Its own session: a Ctrl-C in the terminal reaches whoever started it, who stops it
        # after the processes that use it (scripts/prod.py).
        start_new_session=True,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def pytest(args: list[str], env: dict[str, str]) -> int:
    command = [PYTHON, "-m", "pytest", *args]
    print("+", " ".join(command), flush=True)
    return subprocess.call(command, cwd=ROOT, env=env)


def start_services(stack: ExitStack) -> tuple[str, str]:
    """PostgreSQL and Redis for leg 2, stopped when ``stack`` closes."""
    database_url = stack.enter_context(throwaway_postgres())
    redis_url = stack.enter_context(throwaway_redis())
    return database_url, redis_url


def main(extra: list[str]) -> int:
    started = time.monotonic()
    # leg -> (outcome, wall time in seconds or None when it did not run)
    results: dict[str, tuple[str, float | None]] = {}
    failed = False
    base_env = legs_env()
    workers = worker_args(worker_count())
    on = f" on {workers[1]} workers" if workers else ""

    with ExitStack() as services, ThreadPoolExecutor(max_workers=1) as pool:
        # Leg 2's PostgreSQL cluster and Redis start while leg 1 runs.
        leg_2_services = pool.submit(start_services, services)

        browser_ok = Path(CHROMIUM).exists()
        sqlite_env = {**base_env, "TEST_LEG": "sqlite"}
        sqlite_env.pop("DATABASE_URL", None)
        sqlite_env.pop("CELERY_BROKER_URL", None)
        marker = "not postgres" if browser_ok else "not postgres and not browser"
        sqlite_leg = "SQLite + browser (Chromium)" if browser_ok else "SQLite"
        print(f"\n=== Leg 1: {sqlite_leg}{on} ===", flush=True)
        leg_started = time.monotonic()
        code = pytest([*workers, "-m", marker, *extra], sqlite_env)
        results[sqlite_leg] = (
            "passed" if code == 0 else f"FAILED (exit {code})",
            time.monotonic() - leg_started,
        )
        failed |= code != 0
        if not browser_ok:
            results["Browser (Chromium)"] = (f"NOT RUN: {CHROMIUM} not found", None)

        postgres_leg = "PostgreSQL + Redis + worker"
        print(f"\n=== Leg 2: {postgres_leg}{on} ===", flush=True)
        leg_started = time.monotonic()
        try:
            database_url, redis_url = leg_2_services.result()
        except (RuntimeError, subprocess.CalledProcessError, FileNotFoundError) as error:
            results[postgres_leg] = (f"NOT RUN: {error}", None)
        else:
            env = {
                **base_env,
                "TEST_LEG": "postgres",
                "DATABASE_URL": database_url,
                "CELERY_BROKER_URL": redis_url,
                "CELERY_RESULT_BACKEND": redis_url,
                "REDIS_URL": redis_url,
            }
            code = pytest([*workers, "-m", "not browser", *extra], env)
            results[postgres_leg] = (
                "passed" if code == 0 else f"FAILED (exit {code})",
                time.monotonic() - leg_started,
            )
            failed |= code != 0

    print("\n=== Test legs ===")
    not_run = False
    for leg, (outcome, seconds) in results.items():
        took = duration(seconds) if seconds is not None else ""
        print(f"  {leg:<30} {outcome:<20} {took:>7}")
        not_run |= outcome.startswith("NOT RUN")
    print(f"  {'Total':<30} {'':<20} {duration(time.monotonic() - started):>7}")
    if not_run:
        banner = "!" * 78
        print(
            f"\n{banner}\n  Some legs did NOT run (see above): install what they need "
            f"(.ci/run does it on Debian).\n{banner}"
        )
        if IN_CI:
            print("CI=true: a leg that cannot run is a failure.")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
