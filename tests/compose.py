"""Run the commands of docker-compose.yml here, against the test leg's PostgreSQL and Redis.

The production stack and the PostgreSQL test leg thereby run the very same commands: the
compose file cannot drift from what the tests exercise.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection

# The compose file read, and a service's command with this virtualenv's executables, as
# `make prod` runs them.
from scripts.prod import compose as compose
from scripts.prod import service_command as service_command

ROOT = Path(__file__).resolve().parent.parent


def current_database_url() -> str:
    """A URL for the database the test is using right now (pytest-django's test database)."""
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return (
        f"postgres://{settings['USER']}{password}@{settings['HOST']}:{settings['PORT']}"
        f"/{settings['NAME']}"
    )


def service_env(**extra: str) -> dict[str, str]:
    """The environment compose gives the app, pointed at this leg's services."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": "compose-test-secret",
            "DATABASE_URL": current_database_url(),
            "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"],
            "CELERY_RESULT_BACKEND": os.environ.get(
                "CELERY_RESULT_BACKEND", os.environ["CELERY_BROKER_URL"]
            ),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            **extra,
        }
    )
    return env


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def poll(check: Callable[[], Any], *, timeout: float, what: str, interval: float = 0.2) -> Any:
    """Call ``check`` until it returns something truthy, at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)
