"""`make prod` (scripts/prod.py) end to end: the production shape of docker-compose.yml on this
machine, driven as a user drives it.

The script starts its own throwaway PostgreSQL and Redis, migrates, and runs gunicorn, a Celery
worker and beat with the compose file's commands. A community worker logs in through the login
page and registers a petition through the API; its accept deadline is moved to now (the sweep
reads the column, as tests/petitions/test_worker.py does it) and beat's sweep, run by the
worker, escalates it with nobody calling anything. Then Ctrl-C, as a terminal sends it to the
whole foreground process group, must leave nothing running: no web, worker or beat process, no
PostgreSQL, no Redis.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from scripts.test_legs import find_pg_bin
from tests.compose import free_port, poll
from tests.embedded import ROOT, installed_env
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.slow,
    # Needs the PostgreSQL binaries and redis-server the PostgreSQL leg has; it starts its own.
    pytest.mark.postgres,
]

# Bounded waits, generous for a loaded machine.
START_TIMEOUT = 180
STEP_TIMEOUT = 60

# Run in the environment of the stack (prod.env): a small tree and two accounts, written with
# the helpers of tests/conftest.py.
SEED = """
import django
django.setup()
from orgchart.models import User
from tests.conftest import insert_tree, make_user
tree = insert_tree()
worker = make_user("worker", User.Role.COMMUNITY_WORKER, unit=tree.guangming)
make_user("official", User.Role.OFFICIAL, unit=tree.east)
print(tree.building_1.pk, tree.guangming.pk, tree.east.pk, worker.pk)
"""


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def descendants(root: int) -> set[int]:
    """Every process below ``root`` (by parent id, from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead; it only waits for its parent to read its status.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def sql(url: str, statement: str, **variables: int) -> list[list[str]]:
    """Rows of ``statement`` run by psql against ``url`` (fields as text); ``:name`` in it is
    the value of ``name`` in ``variables``."""
    psql = find_pg_bin("psql") or "psql"
    given = [f"--set={name}={value:d}" for name, value in variables.items()]
    result = subprocess.run(
        [psql, "-qAtX", "-F", "|", "-v", "ON_ERROR_STOP=1", *given, url],
        input=statement,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return [line.split("|") for line in result.stdout.splitlines()]


def read_env_file(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        name, value = line.removeprefix("export ").split("=", 1)
        env[name] = shlex.split(value)[0] if value else ""
    return env


class Browser:
    """A session against the running stack: cookies, the CSRF token, JSON."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def cookie(self, name: str) -> str:
        return next(cookie.value for cookie in self.cookies if cookie.name == name) or ""

    def open(
        self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str, bytes]:
        url = self.base + path  # http on loopback
        request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.url, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.url, error.read()

    def login(self, username: str, password: str) -> tuple[int, str, bytes]:
        status, _, page = self.open("/accounts/login/")
        assert status == 200, page[-2000:]
        form = urllib.parse.urlencode(
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.cookie("csrftoken"),
            }
        ).encode()
        return self.open("/accounts/login/", form)

    def json(
        self, path: str, body: dict[str, Any] | None = None, **headers: str
    ) -> tuple[int, Any]:
        headers["Accept"] = "application/json"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers |= {"Content-Type": "application/json", "X-CSRFToken": self.cookie("csrftoken")}
        status, _, content = self.open(path, data, headers)
        return status, json.loads(content)


def test_make_prod_runs_the_production_shape_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    static = tmp_path / "static"
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=installed_env(VAR_DIR=str(tmp_path / "collect"), STATIC_ROOT=str(static)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collect.returncode == 0, collect.stderr

    port = free_port()
    output = tmp_path / "prod.out"
    handle = output.open("wb")
    prod = subprocess.Popen(
        [sys.executable, "scripts/prod.py"],
        cwd=ROOT,
        env=installed_env(
            VAR_DIR=str(tmp_path / "var"),
            PORT=str(port),
            STATIC_ROOT=str(static),
            PETITION_SWEEP_SECONDS="1",
            HEARTBEAT_INTERVAL_SECONDS="2",
        ),
        stdout=handle,
        stderr=subprocess.STDOUT,
        # Its own process group, as a shell gives a foreground job: Ctrl-C goes to all of it.
        start_new_session=True,
    )
    state = tmp_path / "var" / "prod"
    running: set[int] = set()
    try:
        banner = poll(
            lambda: re.search(r"URL: (\S+)/ .*", output.read_text()) or prod.poll() is not None,
            timeout=START_TIMEOUT,
            what="scripts/prod.py to print its URL",
        )
        text = output.read_text()
        assert prod.poll() is None, text
        assert banner[1] == f"http://127.0.0.1:{port}"
        ports = {
            name: int(found)
            for name, found in re.findall(r"(PostgreSQL|Redis): \w+://\S*?:(\d+)/", text)
        }
        assert set(ports) == {"PostgreSQL", "Redis"}, text
        env = read_env_file(state / "prod.env")
        assert env["DATABASE_URL"].endswith(f":{ports['PostgreSQL']}/governance")
        assert env["CELERY_RESULT_BACKEND"] == f"redis://127.0.0.1:{ports['Redis']}/1"

        seed = subprocess.run(
            [sys.executable, "-c", SEED],
            cwd=ROOT,
            env=installed_env(**env, DJANGO_SETTINGS_MODULE="governance.settings"),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert seed.returncode == 0, seed.stderr
        building, community, street, worker = (int(pk) for pk in seed.stdout.split())

        browser = Browser(banner[1])
        status, landed, _ = browser.login("worker", PASSWORD)
        assert (status, urllib.parse.urlsplit(landed).path) == (200, "/")
        status, petition = browser.json(
            "/api/petitions/",
            {
                "location": building,
                "channel": "walk_in",
                "category": "sanitation",
                "title": "楼道堆放杂物",
                "description": "1号楼1单元楼道堆放杂物，影响通行。",
            },
            **{"X-Request-ID": "prod-test-intake-1"},
        )
        assert status == 201, petition
        assert (petition["status"], petition["escalation_level"]) == ("submitted", 0)

        # The accept deadline passes now: beat's next sweep, run by the worker, escalates it.
        sql(
            env["DATABASE_URL"],
            "UPDATE petitions_petition SET accept_due_at = now() WHERE id = :petition",
            petition=petition["id"],
        )
        escalated = poll(
            lambda: browser.json(f"/api/petitions/{petition['id']}/")[1]["escalation_level"] == 1,
            timeout=STEP_TIMEOUT,
            what="beat and the worker to escalate the petition",
        )
        assert escalated
        escalations = sql(
            env["DATABASE_URL"],
            "SELECT level, from_unit_id, to_unit_id FROM petitions_escalation "
            "WHERE petition_id = :petition",
            petition=petition["id"],
        )
        assert escalations == [["1", str(community), str(street)]]

        poll(
            lambda: browser.open("/readyz/")[0] == 200,
            timeout=STEP_TIMEOUT,
            what="/readyz/ to answer 200 (database, Redis, worker and sweep heartbeats)",
        )
        # JSON lines: the request, with the id it came with, and the escalation in the
        # worker's log, with the petition's number and the sweep task.
        logs = state / "log"
        web_lines = [
            json.loads(line)
            for line in (logs / "web.log").read_text().splitlines()
            if line.startswith("{")
        ]
        (intake,) = [line for line in web_lines if line.get("request_id") == "prod-test-intake-1"]
        assert {name: intake[name] for name in ("method", "path", "status", "user_id")} == {
            "method": "POST",
            "path": "/api/petitions/",
            "status": 201,
            "user_id": worker,
        }
        worker_lines = [
            json.loads(line)
            for line in (logs / "worker.log").read_text().splitlines()
            if line.startswith("{")
        ]
        (escalation,) = [
            line for line in worker_lines if line.get("petition") == petition["number"]
        ]
        assert (escalation["task"], escalation["escalation_level"]) == (
            "petitions.tasks.escalate_overdue_task",
            1,
        )
        # gunicorn with 2 workers, one Celery worker (with its pool) and beat, all below it.
        running = descendants(prod.pid)
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") for pid in running]
        gunicorn = [c for c in commands if any(part.endswith(b"/gunicorn") for part in c)]
        assert len(gunicorn) == 3  # the master and its 2 workers
        assert sum(b"beat" in c for c in commands) == 1
        assert any(b"worker" in c and b"celery" in c[1] for c in commands)
    finally:
        # Ctrl-C in the terminal: SIGINT to the whole foreground process group.
        os.killpg(prod.pid, signal.SIGINT)
        try:
            prod.wait(timeout=STEP_TIMEOUT)
        finally:
            if prod.poll() is None:
                os.killpg(prod.pid, signal.SIGKILL)
                prod.wait()
            handle.close()
            print(output.read_text())
            for log in sorted((state / "log").glob("*.log")):
                print(f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}")
    assert prod.returncode == 0
    assert "Stopping" in output.read_text()
    left = sorted(pid for pid in running if alive(pid))
    assert not left, [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in left]
    assert not any(listening(found) for found in (port, *ports.values()))
