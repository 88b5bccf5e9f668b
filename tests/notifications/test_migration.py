"""The move of the notifications out of petitions (``notifications.0002_copy_from_petitions``
and ``petitions.0006_remove_notifications``): rows written by the services are copied back to
the old tables and forward again unchanged; old rows become namespaced kinds with their
subjects (a petition, or the work order the volunteers' old ``escalate`` note names); ids
are kept and new rows come after them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from notifications.models import Notification, OutboxEmail
from orgchart.models import User
from petitions import services as petition_services
from tests.conftest import Personas, Tree, make_user
from tests.notifications.conftest import NOW
from tests.petitions.conftest import log_petition_as
from volunteers import services as volunteer_services

BEFORE = [("notifications", "0001_initial"), ("petitions", "0005_overdue_on_record")]
AFTER = [("notifications", "0002_copy_from_petitions"), ("petitions", "0006_remove_notifications")]

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(targets: list[tuple[str, str]]) -> Apps:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def migrated_back() -> Iterator[None]:
    """The test moves the database back; it ends at the latest state whatever happens."""
    yield
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    MigrationExecutor(connection).migrate(latest)


def rows() -> list[tuple[Any, ...]]:
    return list(
        Notification.objects.order_by("pk").values_list(
            "pk",
            "recipient_id",
            "kind",
            "subject_type__app_label",
            "subject_type__model",
            "subject_id",
            "link",
            "title",
            "body",
            "created_at",
            "read_at",
        )
    )


def emails() -> list[tuple[Any, ...]]:
    return list(
        OutboxEmail.objects.order_by("pk").values_list(
            "pk", "notification_id", "to_address", "subject", "sent_at", "attempts", "last_error"
        )
    )


def test_the_rows_move_to_the_notifications_app_and_back(
    migrated_back: None, people: Personas, tree: Tree
) -> None:
    # A committed database: the default deadline policies of the data migration may have been
    # flushed by an earlier transactional test on this worker.
    petition_services.deadline_policies_ensure_defaults()
    make_user("second", User.Role.COMMUNITY_WORKER, unit=tree.guangming, email="w2@example.cn")
    petition = log_petition_as(people.grid, tree)
    due = NOW + dt.timedelta(days=1)
    order = volunteer_services.work_order_create(
        actor=people.worker,
        community=tree.guangming,
        title="修路灯",
        content="更换路灯",
        due_at=due,
        now=NOW,
    )
    late = NOW + dt.timedelta(days=2)
    assert volunteer_services.work_order_note_overdue(work_order_id=order.pk, due_at=due, now=late)
    OutboxEmail.objects.update(attempts=2, last_error="gateway down")
    before, before_emails = rows(), emails()
    assert [row[2:6] for row in before] == [
        ("petition.create", "petitions", "petition", petition.pk),
        ("petition.create", "petitions", "petition", petition.pk),
        ("work_order.overdue", "volunteers", "workorder", order.pk),
        ("work_order.overdue", "volunteers", "workorder", order.pk),
    ]
    assert len(before_emails) == 2

    old = migrate(BEFORE)
    old_notification = old.get_model("petitions", "Notification")
    old_email = old.get_model("petitions", "OutboxEmail")
    assert list(
        old_notification.objects.order_by("pk").values_list("pk", "kind", "petition_id")
    ) == [
        (before[0][0], "create", petition.pk),
        (before[1][0], "create", petition.pk),
        (before[2][0], "escalate", None),
        (before[3][0], "escalate", None),
    ]
    assert old_email.objects.count() == 2
    # Written before the move: a volunteers' note naming a work order that does not exist,
    # and a message about no petition of another kind; with an e-mail given up.
    last = before[-1][0]
    for offset, kind, title in (
        (1, "escalate", "服务项目已超期：GD2026-000099 修水管"),
        (2, "supervise", "请尽快办理"),
    ):
        old_notification.objects.create(
            pk=last + offset,
            recipient_id=people.worker.pk,
            kind=kind,
            title=title,
            body="",
            created_at=NOW,
        )
    old_email.objects.create(
        pk=before_emails[-1][0] + 1,
        notification_id=last + 2,
        to_address="worker@example.cn",
        subject="请尽快办理",
        body="请尽快办理",
        created_at=NOW,
        attempts=5,
        last_error="gateway down",
    )

    migrate(AFTER)
    after = rows()
    assert after[:4] == before
    worker, no_subject, unread = people.worker.pk, (None, None, None, ""), ("", NOW, None)
    assert after[4:] == [
        (
            last + 1,
            worker,
            "work_order.overdue",
            *no_subject,
            "服务项目已超期：GD2026-000099 修水管",
            *unread,
        ),
        (last + 2, worker, "petition.supervise", *no_subject, "请尽快办理", *unread),
    ]
    assert emails() == [
        *before_emails,
        (
            before_emails[-1][0] + 1,
            last + 2,
            "worker@example.cn",
            "请尽快办理",
            None,
            5,
            "gateway down",
        ),
    ]
    # New rows come after the copied ones (the ids' sequences moved past them).
    fresh = Notification.objects.create(
        recipient=people.worker, kind="petition.create", title="新的", created_at=NOW
    )
    assert fresh.pk > last + 2
    fresh_email = OutboxEmail.objects.create(
        notification=fresh, to_address="worker@example.cn", subject="新的", body="", created_at=NOW
    )
    assert fresh_email.pk > before_emails[-1][0] + 1


def test_an_old_note_naming_a_work_order_gets_it_as_its_subject(
    migrated_back: None, people: Personas, tree: Tree
) -> None:
    order = volunteer_services.work_order_create(
        actor=people.worker, community=tree.guangming, title="修路灯", content="更换路灯", now=NOW
    )
    old = migrate(BEFORE)
    old.get_model("petitions", "Notification").objects.create(
        recipient_id=people.worker.pk,
        kind="escalate",
        title=f"服务项目已超期：{order.number} 修路灯",
        created_at=NOW,
    )
    migrate(AFTER)
    note = Notification.objects.get()
    assert (note.kind, note.subject, note.link) == (
        "work_order.overdue",
        order,
        f"/volunteers/work-orders/{order.pk}/",
    )
