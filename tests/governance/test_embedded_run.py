"""The embedded default as `make run` starts it (scripts/run.sh: the web server, a Celery worker
and beat on kombu's filesystem transport), with DEBUG off, on a var/ of its own: the app's own
404 page, static files under hashed names from whitenoise, /healthz/ and /readyz/."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.compose import free_port, poll
from tests.embedded import ROOT, installed_env, manage

pytestmark = [
    pytest.mark.slow,
    # The embedded default is the install without DATABASE_URL: the SQLite leg runs it (the
    # PostgreSQL leg deselects it, tests/conftest.py).
    pytest.mark.embedded,
]


def get(url: str) -> tuple[int, str, str]:
    """(status, content type, body) of a GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback http
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_the_embedded_run_serves_the_apps_pages_with_debug_off(tmp_path: Path) -> None:
    var = tmp_path / "var"
    for command in (("migrate", "--no-input", "-v0"), ("collectstatic", "--no-input", "-v0")):
        result = manage(var, *command)
        assert result.returncode == 0, result.stderr
    port = free_port()
    log = (tmp_path / "run.log").open("wb")
    run = subprocess.Popen(
        ["bash", "scripts/run.sh"],
        cwd=ROOT,
        env=installed_env(
            VAR_DIR=str(var),
            PORT=str(port),
            # Beat's tasks every 5 s instead of every minute (every second each, the one worker
            # process fell behind on a busy machine and the heartbeat never got fresh).
            HEARTBEAT_INTERVAL_SECONDS="5",
            PETITION_SWEEP_SECONDS="5",
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        poll(lambda: listening(port), timeout=120, what="the web server of scripts/run.sh")
        assert get(f"{base}/healthz/") == (200, "text/plain; charset=utf-8", "ok")

        status, content_type, page = get(f"{base}/no-such-page/")
        assert (status, content_type) == (404, "text/html; charset=utf-8")
        assert '<html lang="zh-hans"' in page
        assert "页面不存在" in page
        assert "URLconf" not in page
        assert "Django tried these URL patterns" not in page
        # The stylesheet under its hashed name, served by whitenoise.
        stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page)
        assert stylesheet, page
        status, content_type, css = get(base + stylesheet[1])
        assert (status, content_type.split(";")[0]) == (200, "text/css")
        assert ".status-page" in css

        # Ready once the worker has taken beat's heartbeat task and a sweep has run.
        def ready() -> bool:
            return get(f"{base}/readyz/")[0] == 200

        poll(ready, timeout=180, what="/readyz/ to answer 200 (worker and sweep heartbeats)")
        secrets = sorted(path.name for path in (var / "secrets").iterdir())
        assert secrets == ["pii_keys.json", "secret_key"]
    finally:
        # Ctrl-C: run.sh stops the web server, the worker and beat.
        os.kill(run.pid, signal.SIGINT)
        try:
            run.wait(timeout=60)
            poll(lambda: not group_alive(run.pid), timeout=30, what="run.sh's processes to end")
        finally:
            if group_alive(run.pid):
                os.killpg(run.pid, signal.SIGKILL)
            log.close()
            for name in ("run.log", "var/log/worker.log", "var/log/beat.log"):
                if (tmp_path / name).exists():
                    print(f"--- {name}\n" + (tmp_path / name).read_text()[-2000:])
    assert run.returncode is not None
    assert "Stopping" in (tmp_path / "run.log").read_text()
    assert not listening(port)
