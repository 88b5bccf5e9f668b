"""A real Celery worker and beat on Redis, started with docker-compose.yml's commands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from governance.models import Heartbeat
from governance.tasks import record_heartbeat_task
from tests.compose import poll, service_command, service_env, start, stop

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[None]:
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    process = start(
        service_command("worker", **{"--concurrency": "1"}), service_env(), tmp_path / "worker.log"
    )
    try:
        yield
    finally:
        stop(process)
        print((tmp_path / "worker.log").read_text()[-3000:])


@pytest.mark.slow
def test_task_round_trip_through_redis_and_a_worker_process(worker: None) -> None:
    result = record_heartbeat_task.delay("round-trip")
    recorded_at = result.get(timeout=60)
    heartbeat = Heartbeat.objects.get(name="round-trip")
    assert heartbeat.beat_at.isoformat() == recorded_at
    assert heartbeat.hostname  # written by the worker process, which knows its host


@pytest.mark.slow
def test_beat_schedules_the_heartbeat_the_worker_records(worker: None, tmp_path: Path) -> None:
    assert not Heartbeat.objects.filter(name="worker").exists()
    beat = start(
        service_command("beat", **{"--schedule": str(tmp_path / "beat-schedule")}),
        service_env(HEARTBEAT_INTERVAL_SECONDS="1"),
        tmp_path / "beat.log",
    )
    try:
        heartbeat = poll(
            lambda: Heartbeat.objects.filter(name="worker").first(),
            timeout=60,
            what="beat -> worker heartbeat",
        )
        first = heartbeat.beat_at
        poll(
            lambda: Heartbeat.objects.get(name="worker").beat_at > first,
            timeout=30,
            what="a second heartbeat",
        )
    finally:
        stop(beat)
