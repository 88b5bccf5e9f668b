"""Faults of the real parts, on loopback and bounded in time (PostgreSQL leg): a second beat
process, and Redis stopped and started again while petitions come in.

Beat and worker are docker-compose.yml's commands (``tests.petitions.test_worker.Stack``); the
Redis of the outage is this test's own ``redis-server`` (the leg's is shared by every test
process), restarted on the same port as a restarted container would be.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from petitions.models import Action, Escalation, Petition, PetitionEvent
from tests.compose import free_port, poll, service_env
from tests.conftest import Personas, Tree
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
