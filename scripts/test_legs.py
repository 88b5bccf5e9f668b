"""Run the suite in its legs, each against real services started here on loopback.

1. SQLite: every test not marked ``postgres``, plus the browser tests (headless Chromium).
2. PostgreSQL + Redis + a real Celery worker: the whole suite except the browser tests, on a
   throwaway PostgreSQL cluster (initdb in a temp dir, as the ``postgres`` user when run as
   root) and a throwaway redis-server, both on free loopback ports.

With ``CI=true`` a leg that cannot run is a failure. Outside CI it is reported loudly as not
run. Extra arguments go to pytest in both legs (``make test ARGS="-k tree"``).
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
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


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


def main(extra: list[str]) -> int:
    results: dict[str, str] = {}
    failed = False
    base_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}

    browser_ok = Path(CHROMIUM).exists()
    sqlite_env = {**base_env, "TEST_LEG": "sqlite"}
    sqlite_env.pop("DATABASE_URL", None)
    sqlite_env.pop("CELERY_BROKER_URL", None)
    marker = "not postgres" if browser_ok else "not postgres and not browser"
    print(f"\n=== Leg 1: SQLite{' + browser (Chromium)' if browser_ok else ''} ===", flush=True)
    code = pytest(["-m", marker, *extra], sqlite_env)
    results["SQLite"] = "passed" if code == 0 else f"FAILED (exit {code})"
    failed |= code != 0
    results["Browser (Chromium)"] = (
        results["SQLite"] if browser_ok else f"NOT RUN: {CHROMIUM} not found"
    )

    print("\n=== Leg 2: PostgreSQL + Redis + Celery worker ===", flush=True)
    try:
        with throwaway_postgres() as database_url, throwaway_redis() as redis_url:
            env = {
                **base_env,
                "TEST_LEG": "postgres",
                "DATABASE_URL": database_url,
                "CELERY_BROKER_URL": redis_url,
                "CELERY_RESULT_BACKEND": redis_url,
                "REDIS_URL": redis_url,
            }
            code = pytest(["-m", "not browser", *extra], env)
            results["PostgreSQL + Redis + worker"] = (
                "passed" if code == 0 else f"FAILED (exit {code})"
            )
            failed |= code != 0
    except (RuntimeError, subprocess.CalledProcessError, FileNotFoundError) as error:
        results["PostgreSQL + Redis + worker"] = f"NOT RUN: {error}"

    print("\n=== Test legs ===")
    not_run = False
    for leg, outcome in results.items():
        print(f"  {leg:<30} {outcome}")
        not_run |= outcome.startswith("NOT RUN")
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
