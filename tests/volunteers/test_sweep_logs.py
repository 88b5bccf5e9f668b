"""The work-order sweep logs each overdue order with its number, and inside the Celery task
the task's name and id (governance.logs)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pytest
from django.utils import timezone

from tests.conftest import Personas, Tree
from tests.helpers import json_log, lines_of
from volunteers import services
from volunteers.tasks import note_overdue_work_orders_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def formatted() -> Iterator[io.StringIO]:
    yield from json_log()


def test_the_work_order_sweep_logs_each_overdue_order_with_its_number(
    vworld: object, formatted: io.StringIO, people: Personas, tree: Tree
) -> None:
    ordered_at = timezone.now() - dt.timedelta(days=2)
    order = services.work_order_create(
        actor=people.worker,
        community=tree.guangming,
        title="修路灯",
        content="2号楼路灯不亮",
        due_at=ordered_at + dt.timedelta(days=1),
        now=ordered_at,
    )
    result = note_overdue_work_orders_task.apply(task_id="work-order-log-1")
    assert result.get() == 1

    noted = [line for line in lines_of(formatted) if "work_order" in line]
    assert [(line["work_order"], line["task"], line["task_id"]) for line in noted] == [
        (order.number, "volunteers.tasks.note_overdue_work_orders_task", "work-order-log-1")
    ]
    assert noted[0]["message"] == f"work order {order.number} overdue (noted)"
