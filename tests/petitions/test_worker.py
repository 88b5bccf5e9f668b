"""The escalation timer end to end: a real Celery beat and worker on Redis (DESIGN §5).

Beat and worker are started with docker-compose.yml's commands against the test database and
broker (as tests/governance/test_celery_worker.py does), beat with the sweep interval shortened
to a second by ``PETITION_SWEEP_SECONDS``. Nobody calls the sweep here: petitions whose accept
deadline is a few seconds away must be escalated by the worker on its own, and a worker killed
with SIGKILL and restarted must neither lose nor double an escalation.

Each process runs in its own process group, so SIGKILL takes the worker with its pool
processes (as ``docker kill`` takes the whole container), and teardown leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest
from django.conf import settings
from django.utils import timezone

from notifications.models import Notification
from petitions.calendar import deadline_after
from petitions.models import Action, Deadline, Escalation, Petition, PetitionEvent
from tests.compose import ROOT, poll, service_command, service_env
from tests.conftest import Personas, Tree
from tests.petitions.conftest import log_petition

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SWEEP_SECONDS = 1
# Bounded waits: generous for a loaded CI machine, still far below a minute each.
START_TIMEOUT = 60


@dataclass
class Stack:
    """Compose services started here, each in its own process group; all stopped at the end."""

    logs: Path
    started: list[tuple[str, subprocess.Popen[bytes], IO[bytes], Path]] = field(
        default_factory=list
    )

    def start(self, service: str, env: dict[str, str], **replace: str) -> subprocess.Popen[bytes]:
        log = self.logs / f"{service}-{len(self.started)}.log"
        handle = log.open("wb")
        process = subprocess.Popen(
            service_command(service, **replace),
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append((service, process, handle, log))
        return process

    def kill_9(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the process and every process of its group (the worker's pool)."""
        _signal_group(process, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        running = [process for _, process, _, _ in self.started if process.poll() is None]
        for process in running:
            _signal_group(process, signal.SIGTERM)
        for process in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
        for _, process, handle, _ in self.started:
            # Whatever is left of the group (the leader, or pool processes it left behind).
            _signal_group(process, signal.SIGKILL)
            process.wait(timeout=10)
            handle.close()

    def log_text(self, process: subprocess.Popen[bytes]) -> str:
        log = next(log for _, started, _, log in self.started if started is process)
        return log.read_text(errors="replace")

    def tails(self) -> str:
        return "\n".join(
            f"--- {log.name} (exit {process.returncode}) ---\n"
            f"{log.read_text(errors='replace')[-3000:]}"
            for _, process, _, log in self.started
        )


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    # The process leads its own group (start_new_session), so the group id is its pid.
    with contextlib.suppress(ProcessLookupError):  # the whole group has exited already
        os.killpg(process.pid, signum)


@pytest.fixture
def stack(tmp_path: Path, default_policies: None) -> Iterator[Stack]:
    assert settings.CELERY_BROKER_URL.startswith("redis://"), settings.CELERY_BROKER_URL
    services = Stack(tmp_path)
    try:
        yield services
    finally:
        services.stop_all()
        print(services.tails())


def due_in(people: Personas, tree: Tree, seconds: float) -> Petition:
    """A petition logged now whose accept deadline is ``seconds`` away (the sweep reads the
    column, so moving it is all it takes to make the timer short)."""
    petition = log_petition(people, tree, now=timezone.now())
    due = timezone.now() + dt.timedelta(seconds=seconds)
    Petition.objects.filter(pk=petition.pk).update(accept_due_at=due)
    petition.refresh_from_db()
    return petition


def escalation_of(petition: Petition) -> Escalation | None:
    return Escalation.objects.filter(petition=petition).first()


def assert_escalated_once(petition: Petition, people: Personas, tree: Tree) -> Escalation:
    """Exactly one escalation, one event and one notice, at or after the deadline, and a new
    accept deadline counted from when it happened."""
    due = petition.accept_due_at
    assert due is not None
    escalations = list(Escalation.objects.filter(petition=petition))
    assert len(escalations) == 1, escalations
    escalation = escalations[0]
    assert (
        escalation.deadline,
        escalation.dispatch_id,
        escalation.due_at,
        escalation.level,
        escalation.from_unit_id,
        escalation.to_unit_id,
    ) == (Deadline.ACCEPT, None, due, 1, tree.guangming.pk, tree.east.pk)
    assert escalation.at >= due, "escalated before its deadline"
    assert list(
        PetitionEvent.objects.filter(petition=petition, action=Action.ESCALATE).values_list(
            "actor_id", "at", "unit_id", "data__deadline", "data__level"
        )
    ) == [(None, escalation.at, tree.east.pk, Deadline.ACCEPT, 1)]
    assert list(
        Notification.objects.filter(petition=petition, kind="petition.escalate").values_list(
            "recipient_id", flat=True
        )
    ) == [people.official.pk]
    current = Petition.objects.get(pk=petition.pk)
    assert (current.status, current.escalation_level, current.handling_unit_id) == (
        petition.status,
        1,
        tree.east.pk,
    )
    assert current.accept_due_at == deadline_after(
        escalation.at, petition.policy.accept_within, petition.policy.accept_unit
    )
    return escalation


@pytest.mark.slow
def test_beat_and_worker_escalate_due_petitions_and_survive_kill_9(
    stack: Stack, people: Personas, tree: Tree, tmp_path: Path
) -> None:
    worker = stack.start("worker", service_env(), **{"--concurrency": "1"})
    stack.start(
        "beat",
        service_env(PETITION_SWEEP_SECONDS=str(SWEEP_SECONDS)),
        **{"--schedule": str(tmp_path / "beat-schedule")},
    )

    # 0. A petition already overdue: escalated as soon as beat and worker are up.
    overdue = due_in(people, tree, seconds=0)
    poll(
        lambda: escalation_of(overdue),
        timeout=START_TIMEOUT,
        what="beat and worker to start sweeping (an overdue petition escalated)",
    )
    assert "petitions.tasks.escalate_overdue_task" in stack.log_text(worker)

    # 1. A deadline a few seconds away: the sweeps before it leave the petition alone, the
    #    first one after it escalates it.
    first = due_in(people, tree, seconds=3)
    poll(
        lambda: escalation_of(first),
        timeout=START_TIMEOUT,
        what=f"the worker to escalate the first petition (due {first.accept_due_at})",
    )
    assert_escalated_once(first, people, tree)

    # 2. kill -9 the worker. A second deadline passes while no worker runs: beat keeps
    #    sending sweeps (each expires after one interval) but nothing escalates.
    stack.kill_9(worker)
    assert worker.returncode == -signal.SIGKILL
    second = due_in(people, tree, seconds=1)
    assert second.accept_due_at is not None
    unattended_until = second.accept_due_at + dt.timedelta(seconds=2 * SWEEP_SECONDS)
    poll(
        lambda: timezone.now() > unattended_until,
        timeout=10,
        what="the second deadline to pass with no worker running",
    )
    assert escalation_of(second) is None, "escalated with no worker running"

    # 3. The restarted worker escalates it, once, and leaves the first one alone.
    restarted = stack.start("worker", service_env(), **{"--concurrency": "1"})
    poll(
        lambda: escalation_of(second),
        timeout=START_TIMEOUT,
        what="the restarted worker to escalate the second petition",
    )
    # A third petition, already due, escalated by a later sweep: proof that at least one
    # whole sweep ran after the second escalation, over both earlier petitions.
    third = due_in(people, tree, seconds=0)
    poll(
        lambda: escalation_of(third),
        timeout=START_TIMEOUT,
        what="a later sweep to escalate the third petition",
    )
    assert restarted.poll() is None, "the restarted worker died"
    escalations = [
        assert_escalated_once(petition, people, tree)
        for petition in (overdue, first, second, third)
    ]
    assert [escalation.at for escalation in escalations] == sorted(
        escalation.at for escalation in escalations
    )
    assert Escalation.objects.count() == 4
    assert PetitionEvent.objects.filter(action=Action.ESCALATE).count() == 4
