"""`make prod`: the production shape of docker-compose.yml on this machine, without Docker.

A throwaway PostgreSQL cluster and redis-server on free loopback ports (started as the test
legs start them, scripts/test_legs.py), then the compose file's own commands with its own
environment pointed at them: ``migrate``, the demo data when ``DEMO=1``, gunicorn with 2
workers, one Celery worker and beat. Secrets are generated for the run (the database lives as
long as the run). Everything this run writes besides the database is in ``$VAR_DIR/prod/``
(default ``var/prod/``): the logs, beat's schedule, uploaded files, and ``prod.env``, the
environment of the run, to run ``manage.py`` commands against it from another shell.

Ctrl-C (SIGINT) or SIGTERM stops beat, the worker and gunicorn (each in its own process group,
so their pool processes go with them), then Redis and PostgreSQL (whose data is deleted).
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.test_legs import (
    find_pg_bin,
    throwaway_postgres,
    throwaway_redis,
    wait_for_port,
)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
STOP_TIMEOUT = 20  # seconds a service gets to finish after SIGTERM before SIGKILL


class Stop(Exception):
    """Raised in the main loop by SIGINT or SIGTERM."""


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def service_command(service: str, **replace: str) -> list[str]:
    """The compose service's command with executables from this virtualenv and options
    replaced (``--bind`` given ``127.0.0.1:8000`` rewrites ``--bind X`` and ``--bind=X``)."""
    command = [str(part) for part in compose()["services"][service]["command"]]
    executable = command[0]
    command[0] = sys.executable if executable == "python" else str(BIN / executable)
    for index, part in enumerate(command):
        for option, value in replace.items():
            if part == option:
                command[index + 1] = value
            elif part.startswith(option + "="):
                command[index] = f"{option}={value}"
    return command


def on_loopback(url: str, local: str) -> str:
    """``url`` from the compose file (``redis://redis:6379/1``) moved to the host and port of
    ``local`` (the throwaway service), keeping its path (the database) and credentials of
    ``local``."""
    compose_url, here = urlsplit(url), urlsplit(local)
    return urlunsplit(here._replace(path=compose_url.path or here.path))


def app_environment(port: int, database_url: str, redis_url: str, state: Path) -> dict[str, str]:
    """The environment compose gives the app (its ``x-app`` block and what ``.env.example``
    requires), pointed at the throwaway services, with secrets generated for this run."""
    app = compose()["x-app"]["environment"]
    local = {"postgres": database_url, "redis": redis_url}
    env: dict[str, str] = {}
    for name, value in app.items():
        host = urlsplit(str(value)).hostname or ""
        env[name] = on_loopback(str(value), local[host]) if host in local else str(value)

    def key() -> str:
        return base64.b64encode(secrets.token_bytes(32)).decode()

    env.update(
        {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "PII_KEYS": f"k1:{key()}",
            "PII_ACTIVE_KEY": "k1",
            "PII_HMAC_KEY": key(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{port},http://localhost:{port}",
            # Plain http on loopback: no redirect to https, no HSTS, and secure cookies would
            # never come back (behind HTTPS in production all of them stay on).
            "HTTPS": "0",
            "VAR_DIR": str(state),
            # The files `make static` collected (the image collects them at build time).
            "STATIC_ROOT": os.environ.get("STATIC_ROOT", str(ROOT / "var" / "staticfiles")),
        }
    )
    # What the caller sets wins (PETITION_SWEEP_SECONDS, LOG_LEVEL…), except the services.
    passed = {
        name: value
        for name, value in os.environ.items()
        if name
        in {"PETITION_SWEEP_SECONDS", "HEARTBEAT_INTERVAL_SECONDS", "LOG_LEVEL", "LOG_FORMAT"}
    }
    base = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "DATABASE_URL"}
        and not name.startswith(("CELERY_", "PII_", "PYTEST"))
    }
    return {**base, **env, **passed}


def write_env_file(path: Path, env: dict[str, str], names: list[str]) -> None:
    """The run's settings as ``export NAME=value`` lines (owner-only: it holds the keys)."""
    path.touch(mode=0o600)
    path.write_text("".join(f"export {name}={shlex.quote(env[name])}\n" for name in names))


class Services:
    """Processes started in their own process groups, stopped together (reverse order)."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[tuple[str, subprocess.Popen[bytes], IO[bytes]]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        handle = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append((name, process, handle))
        return process

    def exited(self) -> str | None:
        for name, process, _ in self.started:
            if process.poll() is not None:
                return f"{name} exited with {process.returncode}"
        return None

    def stop(self) -> None:
        for _, process, _ in reversed(self.started):
            signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for _, process, _ in reversed(self.started):
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for _, process, handle in self.started:
            # Whatever is left of the group: the leader, or pool processes it left behind.
            signal_group(process, signal.SIGKILL)
            process.wait()
            handle.close()


def signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise ``Stop`` in the main thread (once: the stopping is not
    interrupted by a second Ctrl-C)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Stop(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, action in previous.items():
            signal.signal(sig, action)


def run_step(name: str, command: list[str], env: dict[str, str], logs: Path) -> None:
    """A one-shot step (migrate, demo data), its output in ``logs/<name>.log``."""
    print(f"  {name}…", end=" ", flush=True)
    started = time.monotonic()
    with (logs / f"{name}.log").open("ab") as handle:
        step = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
        try:
            code = step.wait()
        finally:
            if step.poll() is None:
                step.terminate()
                step.wait()
    if code != 0:
        tail = (logs / f"{name}.log").read_text(errors="replace")[-3000:]
        raise SystemExit(f"{name} failed (exit {code}):\n{tail}")
    print(f"{time.monotonic() - started:.0f}s", flush=True)


def banner(port: int, env: dict[str, str], state: Path, demo: bool) -> str:
    base = f"http://127.0.0.1:{port}"
    accounts = (
        "  Demo accounts (password demo12345): admin, official, worker, grid, handler, volunteer\n"
        if demo
        else "  No data yet: create an account from another shell (see prod.env below), e.g.\n"
        f"    . {state}/prod.env && {BIN}/python manage.py createsuperuser\n"
        "  or start with DEMO=1 (make prod DEMO=1) for the demo data and accounts.\n"
    )
    return (
        f"\n  Production shape (gunicorn ×2, Celery worker, beat, PostgreSQL, Redis)\n"
        f"  URL: {base}/   (admin: {base}/admin/, health: {base}/healthz/, {base}/readyz/)\n"
        f"{accounts}"
        f"  PostgreSQL: {env['DATABASE_URL']}\n"
        f"  Redis: {env['CELERY_BROKER_URL']}\n"
        f"  Environment of this run: {state}/prod.env (for manage.py from another shell)\n"
        f"  Logs (JSON lines): {state}/log/\n"
        "  Ctrl-C stops everything (the database is thrown away).\n"
    )


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    demo = os.environ.get("DEMO", "").lower() in {"1", "true", "yes", "on"}
    state = Path(os.environ.get("VAR_DIR", ROOT / "var")).resolve() / "prod"
    logs = state / "log"
    logs.mkdir(parents=True, exist_ok=True)
    (state / "celerybeat-schedule").unlink(missing_ok=True)  # a new database each run
    # A port in use fails now, not after the services started.
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise SystemExit(f"port {port} is in use: make prod PORT=… picks another") from None

    started = time.monotonic()
    with stop_on_signals(), ExitStack() as stack:
        try:
            print("Starting PostgreSQL and Redis on loopback…", end=" ", flush=True)
            database_url = stack.enter_context(throwaway_postgres())
            redis_url = stack.enter_context(throwaway_redis())
            print(f"{time.monotonic() - started:.0f}s", flush=True)
            env = app_environment(port, database_url, redis_url, state)
            names = [*compose()["x-app"]["environment"], "SECRET_KEY", "PII_KEYS"]
            names += ["PII_ACTIVE_KEY", "PII_HMAC_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"]
            names += ["HTTPS", "VAR_DIR", "STATIC_ROOT"]
            write_env_file(state / "prod.env", env, names)
            create_database(env["DATABASE_URL"])
            run_step("migrate", service_command("migrate"), env, logs)
            if demo:
                run_step("demo", [sys.executable, "manage.py", "seed_demo"], env, logs)

            services = Services(logs)
            stack.callback(services.stop)
            web = service_command("web", **{"--bind": f"127.0.0.1:{port}", "--workers": "2"})
            services.start("web", web, env)
            services.start("worker", service_command("worker"), env)
            beat = service_command("beat", **{"--schedule": str(state / "celerybeat-schedule")})
            services.start("beat", beat, env)
            wait_for_port(port, timeout=60)
            print(f"  web, worker and beat… up after {time.monotonic() - started:.0f}s in all")
            print(banner(port, env, state, demo), flush=True)
            while True:
                problem = services.exited()
                if problem:
                    print(f"{problem}: stopping (see {logs}/)", flush=True)
                    return 1
                time.sleep(0.5)
        except Stop:
            print("\nStopping…", flush=True)
            return 0
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)


def create_database(url: str) -> None:
    """The database of ``url``, created through the cluster's ``postgres`` database (compose's
    PostgreSQL image creates it from ``POSTGRES_DB``)."""
    parts = urlsplit(url)
    psql = find_pg_bin("psql") or "psql"
    subprocess.run(
        [psql, "-qX", "-v", "ON_ERROR_STOP=1", parts._replace(path="/postgres").geturl()],
        input=f'CREATE DATABASE "{parts.path.lstrip("/")}";',
        text=True,
        check=True,
        stdout=subprocess.DEVNULL,
    )


if __name__ == "__main__":
    raise SystemExit(main())
