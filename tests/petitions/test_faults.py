"""Faults of the real parts, on loopback and bounded in time (PostgreSQL leg): a second beat
process, Redis stopped and started again while petitions come in, PostgreSQL restarted with
``pg_ctl restart -m immediate`` under a running gunicorn, and the worker killed with a sweep's
batch in flight.

Beat and worker are docker-compose.yml's commands (``tests.petitions.test_worker.Stack``); the
Redis of the outage is this test's own ``redis-server`` (the leg's is shared by every test
process), restarted on the same port as a restarted container would be.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from orgchart.models import User
from petitions.models import Action, Escalation, Petition, PetitionEvent
from scripts.test_legs import as_postgres, find_pg_bin, wait_for_port
from tests.compose import current_database_url, free_port, poll, service_env
from tests.conftest import PASSWORD, Personas, Tree
from tests.governance.test_replica import psql
from tests.helpers import api_for
from tests.petitions.test_worker import (
    START_TIMEOUT,
    Stack,
    assert_escalated_once,
    due_in,
    escalation_of,
    stack,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

__all__ = ["stack"]  # the fixture, shared with test_worker

# The bound: the worker is back at work within 30 s of Redis returning.
RECOVERY_SECONDS = 30


class Redis:
    """A ``redis-server`` on a fixed loopback port, stopped and started at will."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None
        self.logs: list[Any] = []

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        assert server, "redis-server not found"
        log = (self.workdir / "redis.log").open("ab")
        self.logs.append(log)
        arguments = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self.process = subprocess.Popen(
            [server, *arguments, "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        poll(self.answers, timeout=15, what=f"redis-server on port {self.port}")

    def answers(self) -> bool:
        cli = shutil.which("redis-cli")
        assert cli, "redis-cli not found"
        result = subprocess.run(
            [cli, "-p", str(self.port), "ping"], capture_output=True, text=True, timeout=5
        )
        return result.stdout.strip() == "PONG"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        for log in self.logs:
            log.close()
        self.logs.clear()


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[Redis]:
    server = Redis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.stop()


def escalated_once_each(petitions: list[Petition]) -> bool:
    return all(Escalation.objects.filter(petition=p).count() == 1 for p in petitions)


@pytest.mark.slow
def test_a_second_beat_does_not_escalate_twice(
    stack: Stack, people: Personas, tree: Tree, tmp_path: Path
) -> None:
    stack.start("worker", service_env(), **{"--concurrency": "2"})
    for number in range(2):
        stack.start(
            "beat",
            service_env(PETITION_SWEEP_SECONDS="1"),
            **{"--schedule": str(tmp_path / f"beat-schedule-{number}")},
        )
    petitions = [due_in(people, tree, seconds=2) for _ in range(5)]
    poll(
        lambda: escalated_once_each(petitions),
        timeout=START_TIMEOUT,
        what="the worker to escalate the five petitions",
    )
    # Both beats keep sending sweeps: several more rounds change nothing.
    later = due_in(people, tree, seconds=0)
    poll(lambda: escalation_of(later), timeout=START_TIMEOUT, what="a later sweep")
    for petition in petitions:
        assert_escalated_once(petition, people, tree)
    assert Escalation.objects.count() == 6
    assert PetitionEvent.objects.filter(action=Action.ESCALATE).count() == 6


def create_petition(client: APIClient, tree: Tree, title: str) -> Any:
    return client.post(
        "/api/petitions/",
        {
            "title": title,
            "description": "楼道堆放杂物，影响通行。",
            "category": "sanitation",
            "channel": "walk_in",
            "location": tree.building_1.pk,
        },
        format="json",
    )


@pytest.mark.slow
def test_redis_stopped_and_started_loses_nothing(
    stack: Stack,
    people: Personas,
    tree: Tree,
    tmp_path: Path,
    redis: Redis,
    settings: Any,
) -> None:
    settings.CELERY_BROKER_URL = redis.url  # what /readyz/ asks
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, "")
    broker = {"CELERY_BROKER_URL": redis.url, "CELERY_RESULT_BACKEND": redis.url}
    stack.start("worker", service_env(**broker), **{"--concurrency": "1"})
    stack.start(
        "beat",
        service_env(PETITION_SWEEP_SECONDS="1", HEARTBEAT_INTERVAL_SECONDS="1", **broker),
        **{"--schedule": str(tmp_path / "beat-schedule")},
    )
    before = due_in(people, tree, seconds=0)
    poll(lambda: escalation_of(before), timeout=START_TIMEOUT, what="the stack to sweep")
    client = api_for(people.worker)
    anonymous = APIClient()
    assert anonymous.get("/readyz/").json()["checks"]["broker"] == {"ok": True}

    # Redis goes away: requests that create petitions still succeed (they need the database,
    # not the broker), /readyz/ says what is wrong, and deadlines pass unattended.
    redis.stop()
    readiness = anonymous.get("/readyz/")
    assert readiness.status_code == 503
    assert readiness.json()["checks"]["broker"]["ok"] is False
    created = [create_petition(client, tree, f"停电期间的诉求{n}") for n in range(3)]
    assert [response.status_code for response in created] == [201, 201, 201]
    during = [due_in(people, tree, seconds=0) for _ in range(2)]
    missed_until = timezone.now() + dt.timedelta(seconds=3)
    poll(lambda: timezone.now() > missed_until, timeout=10, what="three sweeps' time")
    assert not any(escalation_of(petition) for petition in during)

    # Redis is back on the same port: the worker and beat reconnect by themselves within the
    # bound and take the missed deadlines, once each; /readyz/ recovers.
    redis.start()
    poll(
        lambda: escalated_once_each(during),
        timeout=RECOVERY_SECONDS,
        what="the worker to resume within 30 s of Redis coming back",
    )
    for petition in [before, *during]:
        assert_escalated_once(petition, people, tree)
    poll(
        lambda: anonymous.get("/readyz/").status_code == 200,
        timeout=RECOVERY_SECONDS,
        what="/readyz/ to recover",
    )
    numbers = [response.json()["number"] for response in created]
    assert Petition.objects.filter(number__in=numbers).count() == 3


# --- PostgreSQL restarted under the web server --------------------------------------------


@pytest.fixture
def production_password(people: Personas) -> None:
    """The worker's password hashed as production hashes it (the test settings use a fast
    hasher the production settings do not know)."""
    hasher = PBKDF2PasswordHasher()
    User.objects.filter(pk=people.worker.pk).update(password=hasher.encode(PASSWORD, hasher.salt()))


@pytest.fixture
def own_cluster(default_policies: None, production_password: None) -> Iterator[tuple[int, Path]]:
    """A PostgreSQL server of this test alone (the leg's is shared by every test process), made
    by ``pg_basebackup`` from the leg's cluster, so it holds this test's committed rows and the
    migrated schema; yields its port and data directory."""
    basebackup, pg_ctl = find_pg_bin("pg_basebackup"), find_pg_bin("pg_ctl")
    assert basebackup, "pg_basebackup not found"
    assert pg_ctl, "pg_ctl not found"
    source = connection.settings_dict
    workdir = Path(tempfile.mkdtemp(prefix="governance-fault-"))
    if as_postgres(["x"]) != ["x"]:
        shutil.chown(workdir, "postgres", "postgres")
    data, port = workdir / "data", free_port()
    copy = [basebackup, "-D", str(data), "-h", str(source["HOST"]), "-p", str(source["PORT"])]
    copy += ["-U", str(source["USER"]), "-X", "stream", "--checkpoint=fast", "--no-sync"]
    subprocess.run(as_postgres(copy), check=True, capture_output=True, timeout=120)
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = [pg_ctl, "-D", str(data), "-o", options, "-l", str(workdir / "log"), "-w", "start"]
    subprocess.run(as_postgres(start), check=True, capture_output=True, timeout=120)
    try:
        wait_for_port(port)
        yield port, data
    finally:
        stop = [pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]
        subprocess.run(as_postgres(stop), capture_output=True, timeout=60)
        shutil.rmtree(workdir, ignore_errors=True)


def http(method: str, url: str, body: dict[str, Any] | None = None, token: str = "") -> int:
    """The status of one request (0 when the connection itself failed)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - loopback
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0


@pytest.mark.slow
def test_postgresql_restarted_immediately_the_app_recovers_without_half_written_steps(
    stack: Stack, people: Personas, tree: Tree, own_cluster: tuple[int, Path]
) -> None:
    port, data = own_cluster
    database = str(connection.settings_dict["NAME"])
    url = current_database_url().rsplit("@", 1)[0] + f"@127.0.0.1:{port}/{database}"
    web_port = free_port()
    stack.start(
        "web",
        service_env(DATABASE_URL=url, HTTPS="0", API_RATE_USER="", API_RATE_ANON=""),
        **{"--bind": f"127.0.0.1:{web_port}", "--workers": "2"},
    )
    base = f"http://127.0.0.1:{web_port}"
    poll(lambda: http("GET", f"{base}/healthz/") == 200, timeout=60, what="gunicorn")
    login = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}/api/auth/token/",
        data=json.dumps({"username": "worker", "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(login, timeout=10) as response:  # noqa: S310 - loopback
        token = json.loads(response.read())["token"]
    body = {
        "title": "楼道堆放杂物",
        "description": "楼道堆放杂物，影响通行。",
        "category": "sanitation",
        "channel": "walk_in",
        "location": tree.building_1.pk,
    }
    statuses: list[tuple[float, int]] = []
    done = threading.Event()

    def keep_creating() -> None:
        while not done.is_set():
            statuses.append((time.monotonic(), http("POST", f"{base}/api/petitions/", body, token)))

    writer = threading.Thread(target=keep_creating)
    writer.start()
    try:
        poll(lambda: len(statuses) >= 5, timeout=60, what="petitions created before the restart")
        assert {status for _, status in statuses} == {201}
        pg_ctl = find_pg_bin("pg_ctl")
        assert pg_ctl
        # (With its log file named: the restarted server must not hold this test's pipes.)
        restart = [pg_ctl, "-D", str(data), "-l", str(data.parent / "log")]
        restart += ["-m", "immediate", "-w", "restart"]
        subprocess.run(
            as_postgres(restart),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )
        restarted_at = time.monotonic()
        # The same gunicorn answers again: no web restart, its connections are re-opened.
        poll(
            lambda: sum(1 for at, status in statuses if at > restarted_at and status == 201) >= 5,
            timeout=60,
            what="petitions created after PostgreSQL came back",
        )
    finally:
        done.set()
        writer.join(timeout=30)
    # During the restart a request may fail; none is answered by anything but 201 or a 5xx.
    assert {status for _, status in statuses} <= {201, 500, 502, 503, 0}

    def count(statement: str) -> str:
        return psql(port, database, statement)

    # Nothing half-written: every petition has its steps, and its status is its last step's.
    assert (
        count(
            "SELECT count(*) FROM petitions_petition p WHERE NOT EXISTS "
            "(SELECT 1 FROM petitions_petitionevent e WHERE e.petition_id = p.id)"
        )
        == "0"
    )
    assert (
        count(
            "SELECT count(*) FROM petitions_petition p WHERE p.status <> "
            "(SELECT e.to_status FROM petitions_petitionevent e WHERE e.petition_id = p.id "
            "ORDER BY e.at DESC, e.id DESC LIMIT 1)"
        )
        == "0"
    )
    created = sum(1 for _, status in statuses if status == 201)
    assert int(count("SELECT count(*) FROM petitions_petition")) >= created


# --- The worker killed in the middle of a sweep -----------------------------------------------


@pytest.mark.slow
def test_worker_killed_in_the_middle_of_a_sweep_escalates_every_row_once_after_restart(
    stack: Stack, people: Personas, tree: Tree, tmp_path: Path
) -> None:
    """The sweep's batch is held in flight (the rollup table locked by this test, so its
    counters wait), the worker is killed with SIGKILL while it waits, and after a restart
    every due petition is escalated exactly once: the killed batch left nothing behind."""
    due = [due_in(people, tree, seconds=0) for _ in range(12)]
    # A connection of its own, outside Django's, holding its transaction open.
    holder = connection.get_new_connection(connection.get_connection_params())
    try:
        with holder.cursor() as cursor:
            cursor.execute("LOCK TABLE petitions_petitionday IN EXCLUSIVE MODE")
        worker = stack.start("worker", service_env(), **{"--concurrency": "1"})
        stack.start(
            "beat",
            service_env(PETITION_SWEEP_SECONDS="1"),
            **{"--schedule": str(tmp_path / "beat-schedule")},
        )

        def sweep_waits_on_the_lock() -> bool:
            with holder.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted "
                    "AND relation = 'petitions_petitionday'::regclass"
                )
                row = cursor.fetchone()
            return bool(row and row[0])

        poll(sweep_waits_on_the_lock, timeout=START_TIMEOUT, what="a sweep's batch in flight")
        stack.kill_9(worker)
        # The batch died with its connection: nothing of it is left.
        assert Escalation.objects.count() == 0
        assert PetitionEvent.objects.filter(action=Action.ESCALATE).count() == 0
    finally:
        holder.rollback()
        holder.close()
    stack.start("worker", service_env(), **{"--concurrency": "1"})
    poll(
        lambda: escalated_once_each(due),
        timeout=START_TIMEOUT,
        what="the restarted worker to escalate the due petitions",
    )
    later = due_in(people, tree, seconds=0)
    poll(lambda: escalation_of(later), timeout=START_TIMEOUT, what="a later sweep")
    for petition in due:
        assert_escalated_once(petition, people, tree)
    assert Escalation.objects.count() == len(due) + 1
