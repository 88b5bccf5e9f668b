"""The escalation sweep's log lines carry the petition's number, and inside the Celery task
the task's name and id (governance.logs)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pytest
from django.utils import timezone

from petitions.models import Petition
from petitions.tasks import escalate_overdue_task
from tests.conftest import Personas, Tree
from tests.helpers import json_log, lines_of
from tests.petitions.conftest import log_petition

pytestmark = pytest.mark.django_db


@pytest.fixture
def formatted() -> Iterator[io.StringIO]:
    yield from json_log()


def test_the_sweep_task_logs_each_escalated_petition_with_its_number(
    formatted: io.StringIO, people: Personas, tree: Tree
) -> None:
    now = timezone.now()
    due, later = (log_petition(people, tree, now=now) for _ in range(2))
    Petition.objects.filter(pk=due.pk).update(accept_due_at=now - dt.timedelta(minutes=1))
    Petition.objects.filter(pk=later.pk).update(accept_due_at=now + dt.timedelta(hours=1))

    result = escalate_overdue_task.apply(task_id="sweep-log-1")
    assert result.get() == {
        "escalated": {"accept": 1, "resolve": 0, "report": 0, "complete": 0},
        "closed": 0,
    }

    lines = [line for line in lines_of(formatted) if line["logger"] == "petitions.sweep"]
    escalated = [line for line in lines if "petition" in line]
    assert [
        (
            line["petition"],
            line["deadline"],
            line["escalation_level"],
            line["task"],
            line["task_id"],
        )
        for line in escalated
    ] == [(due.number, "accept", 1, "petitions.tasks.escalate_overdue_task", "sweep-log-1")]
    assert escalated[0]["message"] == f"escalation sweep: {due.number} escalated (accept, level 1)"
