"""The inbox: ``notify`` with a registered kind and an optional subject and link, one's own
messages only, marking read; the kinds registry."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from notifications import kinds
from notifications.models import Notification
from notifications.recipients import department_handlers, unit_staff
from notifications.selectors import notification_list, notification_unread_count
from notifications.services import notification_mark_read, notify
from orgchart.models import OrgUnit, User
from tests.conftest import make_user
from tests.notifications.conftest import NOTE, NOW, tell

HOUR = dt.timedelta(hours=1)


def inbox_rows() -> list[tuple[str, str, str]]:
    return sorted(
        Notification.objects.values_list("recipient__username", "kind", "title").order_by()
    )


# --- Writing ---------------------------------------------------------------------------------


def test_notify_skips_the_actor(people) -> None:
    count = notify(
        recipients=[people.worker, people.official],
        kind=NOTE,
        title="标题",
        now=NOW,
        exclude=people.official,
    )
    assert count == 1
    assert inbox_rows() == [("worker", NOTE, "标题")]


def test_a_subject_of_any_app_and_the_link_to_its_page(people, tree) -> None:
    tell(people.worker, title="关于光明社区", subject=tree.guangming, link="/org/1/")
    tell(people.worker, title="无关对象")
    about, plain = Notification.objects.order_by("pk")
    assert (about.subject_type, about.subject_id, about.subject, about.link) == (
        ContentType.objects.get_for_model(OrgUnit),
        tree.guangming.pk,
        tree.guangming,
        "/org/1/",
    )
    assert (plain.subject_type, plain.subject_id, plain.subject, plain.link) == (
        None,
        None,
        None,
        "",
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "test.unknown"}, "Unregistered notification kind"),
        ({"link": "https://example.cn/"}, "a path on this site"),
        ({"link": "//example.cn/"}, "a path on this site"),
        ({"subject": OrgUnit(name="未保存")}, "saved first"),
    ],
)
def test_notify_refuses_what_it_cannot_link(people, fields, message) -> None:
    with pytest.raises(ValueError, match=message):
        notify(recipients=[people.worker], **{"kind": NOTE, "title": "标题", **fields})
    assert not Notification.objects.exists()


def test_unit_staff_and_handlers(people, tree) -> None:
    make_user("second", User.Role.COMMUNITY_WORKER, unit=tree.guangming)
    make_user("gone", User.Role.COMMUNITY_WORKER, unit=tree.guangming, is_active=False)
    assert sorted(unit_staff(tree.guangming.pk).values_list("username", flat=True)) == [
        "second",
        "worker",
    ]
    assert list(unit_staff(tree.east.pk).values_list("username", flat=True)) == ["official"]
    assert list(department_handlers(tree.chengguan.pk).values_list("username", flat=True)) == [
        "handler"
    ]


# --- Reading and marking read ----------------------------------------------------------------


def test_mark_read(people, second_worker) -> None:
    tell(people.worker, second_worker, title="第一条")
    tell(people.worker, second_worker, title="第二条")
    mine = list(Notification.objects.filter(recipient=people.worker).order_by("pk"))
    theirs = Notification.objects.filter(recipient=second_worker)[0]
    assert notification_unread_count(user=people.worker) == 2
    # Only one's own notifications, the ones named.
    read_at = NOW + HOUR
    assert (
        notification_mark_read(
            user=people.worker, notification_ids=[mine[0].pk, theirs.pk], now=read_at
        )
        == 1
    )
    assert notification_unread_count(user=people.worker) == 1
    assert notification_unread_count(user=second_worker) == 2
    assert Notification.objects.get(pk=mine[0].pk).read_at == read_at
    # Again: nothing more to mark. Then all of them.
    assert (
        notification_mark_read(user=people.worker, notification_ids=[mine[0].pk], now=read_at) == 0
    )
    assert notification_mark_read(user=people.worker, now=read_at + HOUR) == 1
    assert notification_unread_count(user=people.worker) == 0
    assert Notification.objects.get(pk=mine[0].pk).read_at == read_at  # not moved


def test_mark_read_defaults_to_the_current_time(people) -> None:
    tell(people.worker, title="请尽快办理")
    with time_machine.travel(NOW, tick=False):
        assert notification_mark_read(user=people.worker) == 1
    assert Notification.objects.get().read_at == NOW


def test_the_inbox_holds_only_ones_own_messages(people, second_worker) -> None:
    tell(people.worker, second_worker, title="第一条", now=NOW)
    tell(people.worker, second_worker, title="第二条", now=NOW + HOUR)
    first = Notification.objects.filter(recipient=people.worker).order_by("pk")[0]
    notification_mark_read(user=people.worker, notification_ids=[first.pk], now=NOW)
    assert [row.title for row in notification_list(user=people.worker)] == ["第二条", "第一条"]
    assert [row.title for row in notification_list(user=people.worker, unread_only=True)] == [
        "第二条"
    ]
    assert list(notification_list(user=people.official)) == []
    assert list(notification_list(user=people.superuser)) == []  # superusers included
    assert notification_unread_count(user=people.volunteer) == 0


# --- Kinds -----------------------------------------------------------------------------------


def test_each_app_registers_its_kinds_with_labels() -> None:
    registered = dict(kinds.choices())
    with translation.override("en"):
        assert str(registered["petition.escalate"]) == "escalated"
        assert str(registered["petition.dispatch"]) == "whistled"
        assert str(registered["work_order.overdue"]) == "work order overdue"
        assert kinds.label("petition.create") == "logged"
    with translation.override("zh-hans"):
        assert kinds.label("work_order.overdue") == "服务项目超期"
    # The kind of an app that is gone shows as itself.
    assert kinds.label("survey.closed") == "survey.closed"
    assert all("." in kind for kind in registered)


def test_a_kind_is_namespaced_and_registered_once(monkeypatch) -> None:
    monkeypatch.setattr(kinds, "_KINDS", dict(kinds._KINDS))
    label = dict(kinds.choices())["petition.escalate"]
    kinds.register("petition.escalate", label)  # the same again: nothing changes
    with pytest.raises(ImproperlyConfigured, match="twice"):
        kinds.register("petition.escalate", "something else")
    for bad in ("escalate", ".escalate", "petition.", "x." + "y" * kinds.MAX_LENGTH):
        with pytest.raises(ImproperlyConfigured, match=r"<app>\.<name>"):
            kinds.register(bad, "label")


def test_the_model_offers_the_registered_kinds(people) -> None:
    field = Notification._meta.get_field("kind")
    offered = {value for value, _label in field.choices or ()}
    assert {"petition.escalate", "work_order.overdue", NOTE} <= offered
    tell(people.worker, title="标题")
    with translation.override("en"):
        assert Notification.objects.get().get_kind_display() == "note"
