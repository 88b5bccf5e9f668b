"""Notifications (the in-app inbox and the e-mail outbox) and the headline figures the
dashboard reads (响应率, 解决率, 满意率, 一次性化解率, on-time rates, escalations by level,
departments)."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from smtplib import SMTPException

import pytest
import time_machine
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction

from orgchart.models import User
from petitions import notifications, services
from petitions.models import Dispatch, Notification, OutboxEmail, Satisfaction, Status
from petitions.notifications import (
    CLAIM_FOR,
    MAX_ATTEMPTS,
    OutboxState,
    department_handlers,
    notification_mark_read,
    notify,
    outbox_send,
    outbox_send_now,
    outbox_state,
    outbox_state_q,
    retry_delay,
    unit_staff,
)
from petitions.selectors import (
    DepartmentFigures,
    notification_list,
    notification_unread_count,
    petition_figures,
    petition_list_visible,
)
from petitions.sweep import escalate_overdue
from petitions.tasks import send_outbox_task
from tests.conftest import Personas, Tree, make_user
from tests.petitions.conftest import NOW, at, bring_to, log_petition, log_petition_as
from tests.petitions.test_concurrency import run_together

pytestmark = pytest.mark.usefixtures("english")

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def second_worker(tree: Tree) -> User:
    return make_user(
        "second_worker", User.Role.COMMUNITY_WORKER, unit=tree.guangming, email="w2@example.cn"
    )


def inbox_rows() -> list[tuple[str, str, str]]:
    return sorted(
        Notification.objects.values_list("recipient__username", "kind", "title").order_by()
    )


# --- Who is told -----------------------------------------------------------------------------


def test_unit_staff_and_handlers(people, tree, second_worker, police_handler) -> None:
    inactive = make_user("gone", User.Role.COMMUNITY_WORKER, unit=tree.guangming, is_active=False)
    assert sorted(unit_staff(tree.guangming.pk).values_list("username", flat=True)) == [
        "second_worker",
        "worker",
    ]
    assert list(unit_staff(tree.east.pk).values_list("username", flat=True)) == ["official"]
    assert list(department_handlers(tree.chengguan.pk).values_list("username", flat=True)) == [
        "handler"
    ]
    assert inactive not in unit_staff(tree.guangming.pk)


def test_a_new_petition_tells_the_communitys_staff_but_not_who_logged_it(
    people, tree, second_worker
) -> None:
    log_petition(people, tree)
    assert inbox_rows() == [
        ("second_worker", "create", "New petition: Petition 2026-000001: 楼道堆放杂物")
    ]
    log_petition_as(people.grid, tree)
    assert inbox_rows() == [
        ("second_worker", "create", "New petition: Petition 2026-000001: 楼道堆放杂物"),
        ("second_worker", "create", "New petition: Petition 2026-000002: 楼道堆放杂物"),
        ("worker", "create", "New petition: Petition 2026-000002: 楼道堆放杂物"),
    ]


def test_every_step_tells_the_other_side(people, tree, police_handler) -> None:
    petition = bring_to(Status.ACCEPTED, people, tree)
    services.petition_dispatch(
        actor=people.worker, petition=petition, lead=tree.chengguan, assists=[tree.police], now=NOW
    )
    lead = Dispatch.objects.get(department=tree.chengguan)
    assist = Dispatch.objects.get(department=tree.police)
    services.dispatch_report(actor=people.handler, dispatch=lead, now=NOW)
    services.dispatch_complete(actor=people.handler, dispatch=lead, note="已清理", now=NOW)
    services.dispatch_return(actor=police_handler, dispatch=assist, reason="非本部门", now=NOW)
    services.petition_supervise(
        actor=people.official, petition=petition, note="请尽快答复", now=NOW
    )
    title = "Petition 2026-000001: 楼道堆放杂物"
    assert inbox_rows() == [
        ("handler", "dispatch", f"Whistle: {title}"),
        ("police_handler", "dispatch", f"Whistle: {title}"),
        ("worker", "complete", f"城管局 completed: {title}"),
        ("worker", "report", f"城管局 reported: {title}"),
        ("worker", "return", f"东城派出所 returned: {title}"),
        ("worker", "supervise", f"Supervised: {title}"),
    ]
    assert Notification.objects.get(kind="return").body == "非本部门"
    assert Notification.objects.get(kind="complete").body == "已清理"
    assert set(Notification.objects.values_list("created_at", flat=True)) == {NOW}
    assert set(Notification.objects.values_list("petition", flat=True)) == {petition.pk}


def test_notify_skips_the_actor(people, tree) -> None:
    count = notify(
        recipients=[people.worker, people.official],
        kind="supervise",
        petition=None,
        title="标题",
        now=NOW,
        exclude=people.official,
    )
    assert count == 1
    assert inbox_rows() == [("worker", "supervise", "标题")]


# --- The e-mail outbox -----------------------------------------------------------------------


def test_recipients_with_an_address_get_an_outbox_row(
    people, tree, second_worker, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        petition = log_petition_as(people.grid, tree)
    # The sending task is queued once the intake commits.
    assert len(callbacks) == 1
    assert list(
        OutboxEmail.objects.values_list(
            "notification__recipient__username",
            "to_address",
            "subject",
            "body",
            "created_at",
            "sent_at",
            "attempts",
        )
    ) == [
        (
            "second_worker",
            "w2@example.cn",
            f"New petition: Petition {petition.number}: 楼道堆放杂物",
            f"New petition: Petition {petition.number}: 楼道堆放杂物",  # no body: the title
            NOW,
            None,
            0,
        )
    ]
    assert Notification.objects.filter(recipient=people.worker).count() == 1  # no address


def test_no_address_no_outbox_and_no_task(people, tree, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        log_petition_as(people.grid, tree)
    assert callbacks == []
    assert not OutboxEmail.objects.exists()


def test_outbox_send_marks_each_row_sent(people, tree, second_worker, mailoutbox) -> None:
    log_petition(people, tree)
    services.petition_supervise(
        actor=people.official, petition=log_petition(people, tree), note="请尽快办理", now=NOW
    )
    sent_at = NOW + HOUR
    assert outbox_send(now=sent_at) == 3
    assert [(message.to, message.subject, message.body) for message in mailoutbox] == [
        (
            ["w2@example.cn"],
            "New petition: Petition 2026-000001: 楼道堆放杂物",
            "New petition: Petition 2026-000001: 楼道堆放杂物",
        ),
        (
            ["w2@example.cn"],
            "New petition: Petition 2026-000002: 楼道堆放杂物",
            "New petition: Petition 2026-000002: 楼道堆放杂物",
        ),
        (["w2@example.cn"], "Supervised: Petition 2026-000002: 楼道堆放杂物", "请尽快办理"),
    ]
    assert mailoutbox[0].from_email == "noreply@localhost"
    assert set(OutboxEmail.objects.values_list("sent_at", "attempts", "last_error")) == {
        (sent_at, 1, "")
    }
    assert outbox_send(now=sent_at) == 0  # each row is sent once
    assert len(mailoutbox) == 3


def test_the_task_sends_the_outbox(people, tree, second_worker, mailoutbox) -> None:
    log_petition(people, tree)
    assert send_outbox_task() == 1
    assert len(mailoutbox) == 1


def gateway_down(*args: object, **kwargs: object) -> int:
    raise SMTPException("gateway down")


def test_a_failing_send_is_kept_for_the_next_try(
    people, tree, second_worker, mailoutbox, monkeypatch
) -> None:
    log_petition(people, tree)
    monkeypatch.setattr(notifications, "send_mail", gateway_down)
    assert outbox_send(now=NOW) == 0
    email = OutboxEmail.objects.get()
    assert (email.sent_at, email.attempts, email.last_error) == (None, 1, "gateway down")
    assert mailoutbox == []
    monkeypatch.undo()
    assert outbox_send(now=NOW + HOUR) == 1
    email.refresh_from_db()
    assert (email.sent_at, email.attempts) == (NOW + HOUR, 2)
    assert len(mailoutbox) == 1


def test_a_failing_send_is_tried_once_per_run(
    people, tree, second_worker, mailoutbox, monkeypatch
) -> None:
    """A full batch of failures must not be fetched again in the same run: each run is one
    attempt, so a gateway down for a minute does not use up every attempt at once."""
    log_petition(people, tree)
    log_petition(people, tree)
    monkeypatch.setattr(notifications, "send_mail", gateway_down)
    assert outbox_send(batch_size=1, now=NOW) == 0
    assert list(OutboxEmail.objects.values_list("attempts", flat=True)) == [1, 1]


def test_after_the_last_attempt_a_row_is_left_for_a_person(
    people, tree, second_worker, mailoutbox, monkeypatch
) -> None:
    log_petition(people, tree)
    monkeypatch.setattr(notifications, "send_mail", gateway_down)
    day = dt.timedelta(days=1)  # past every back-off
    for run in range(MAX_ATTEMPTS + 2):
        outbox_send(now=NOW + run * day)
    email = OutboxEmail.objects.get()
    assert (email.sent_at, email.attempts, email.next_attempt_at, email.last_error) == (
        None,
        MAX_ATTEMPTS,
        None,
        "gateway down",
    )
    assert outbox_state(email) == OutboxState.GIVEN_UP
    monkeypatch.undo()
    assert outbox_send(now=NOW + 30 * day) == 0
    assert mailoutbox == []
    # Still in the outbox, under "given up".
    assert list(OutboxEmail.objects.filter(outbox_state_q("given_up"))) == [email]


def test_retry_delays_grow_and_are_capped() -> None:
    minute = dt.timedelta(minutes=1)
    assert [retry_delay(attempts) for attempts in range(1, 8)] == [
        minute,
        5 * minute,
        30 * minute,
        2 * HOUR,
        6 * HOUR,
        6 * HOUR,
        6 * HOUR,
    ]


def test_a_failure_waits_for_its_back_off_before_the_next_attempt(
    people, tree, second_worker, mailoutbox, monkeypatch
) -> None:
    log_petition(people, tree)
    monkeypatch.setattr(notifications, "send_mail", gateway_down)
    email = OutboxEmail.objects.get()
    assert (email.next_attempt_at, outbox_state(email)) == (None, OutboxState.WAITING)
    second = dt.timedelta(seconds=1)
    minute = dt.timedelta(minutes=1)

    def after_run(at_time: dt.datetime) -> tuple[int, int, dt.datetime | None, str]:
        sent = outbox_send(now=at_time)
        email.refresh_from_db()
        return sent, email.attempts, email.next_attempt_at, outbox_state(email)

    retrying, given_up = OutboxState.RETRYING, OutboxState.GIVEN_UP
    assert after_run(NOW) == (0, 1, NOW + minute, retrying)
    # Not before its time: no attempt, nothing counted.
    assert after_run(NOW + minute - second) == (0, 1, NOW + minute, retrying)
    assert after_run(NOW + minute) == (0, 2, NOW + 6 * minute, retrying)
    assert after_run(NOW + 6 * minute - second) == (0, 2, NOW + 6 * minute, retrying)
    assert after_run(NOW + 6 * minute) == (0, 3, NOW + 36 * minute, retrying)
    assert after_run(NOW + 36 * minute) == (0, 4, NOW + 2 * HOUR + 36 * minute, retrying)
    assert after_run(NOW + 2 * HOUR) == (0, 4, NOW + 2 * HOUR + 36 * minute, retrying)
    # The fifth failure is the last: given up, no next attempt.
    assert after_run(NOW + 2 * HOUR + 36 * minute) == (0, 5, None, given_up)
    assert email.claimed_until is None
    monkeypatch.undo()
    # The gateway is back, but nobody sends a given-up row but a person.
    assert after_run(NOW + 10 * HOUR) == (0, 5, None, given_up)
    assert mailoutbox == []


def test_a_failure_then_success_keeps_the_error_for_the_record(
    people, tree, second_worker, mailoutbox, monkeypatch
) -> None:
    log_petition(people, tree)
    monkeypatch.setattr(notifications, "send_mail", gateway_down)
    outbox_send(now=NOW)
    monkeypatch.undo()
    assert outbox_send(now=NOW + HOUR) == 1
    email = OutboxEmail.objects.get()
    assert (
        email.sent_at,
        email.attempts,
        email.next_attempt_at,
        email.claimed_until,
        email.last_error,
        outbox_state(email),
    ) == (NOW + HOUR, 2, None, None, "gateway down", OutboxState.SENT)


class SenderDied(BaseException):
    """A worker killed while it talked to the mail server (not an ordinary send error)."""


def test_a_row_held_by_a_sender_that_died_is_sent_once_the_claim_runs_out(
    people, tree, second_worker, mailoutbox, monkeypatch
) -> None:
    log_petition(people, tree)

    def die(*args: object, **kwargs: object) -> int:
        raise SenderDied

    monkeypatch.setattr(notifications, "send_mail", die)
    with pytest.raises(SenderDied):
        outbox_send(now=NOW)
    email = OutboxEmail.objects.get()
    # The attempt was counted when the row was claimed.
    assert (email.sent_at, email.attempts, email.claimed_until) == (None, 1, NOW + CLAIM_FOR)
    monkeypatch.undo()
    second = dt.timedelta(seconds=1)
    assert outbox_send(now=NOW + CLAIM_FOR - second) == 0  # still held
    assert outbox_send(now=NOW + CLAIM_FOR) == 1
    email.refresh_from_db()
    assert (email.sent_at, email.attempts, email.claimed_until) == (NOW + CLAIM_FOR, 2, None)
    assert len(mailoutbox) == 1


# --- Sending outside any transaction ---------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    to: str
    in_atomic_block: bool
    attempts: int  # the row's, read while the mail server has the message
    claimed_until: dt.datetime | None
    sent_at: dt.datetime | None


@dataclass
class Recorder:
    deliveries: list[Delivery] = field(default_factory=list)
    # Called while the first message is with the mail server (another sender, say).
    meanwhile: Callable[[], object] | None = None
    delay: float = 0.0


RECORDER = Recorder()


class RecordingBackend(BaseEmailBackend):
    """A mail server that notes, for each message, whether the sender had a transaction open
    and what the outbox row looked like at that moment."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            row = OutboxEmail.objects.get(subject=message.subject)
            RECORDER.deliveries.append(
                Delivery(
                    to=message.to[0],
                    in_atomic_block=connection.in_atomic_block,
                    attempts=row.attempts,
                    claimed_until=row.claimed_until,
                    sent_at=row.sent_at,
                )
            )
            if RECORDER.delay:
                time.sleep(RECORDER.delay)
            meanwhile, RECORDER.meanwhile = RECORDER.meanwhile, None
            if meanwhile is not None:
                meanwhile()
        return len(email_messages)


@pytest.fixture
def recorder(settings) -> Iterator[Recorder]:
    settings.EMAIL_BACKEND = f"{__name__}.RecordingBackend"
    RECORDER.deliveries.clear()
    RECORDER.meanwhile, RECORDER.delay = None, 0.0
    yield RECORDER
    RECORDER.deliveries.clear()
    RECORDER.meanwhile, RECORDER.delay = None, 0.0


def tell(*recipients: User, title: str, now: dt.datetime = NOW) -> None:
    with transaction.atomic():  # as a service does; the sending task is queued on commit
        notify(recipients=recipients, kind="supervise", petition=None, title=title, now=now)


@pytest.mark.django_db(transaction=True)
def test_the_mail_server_is_called_with_no_transaction_open(
    people, tree, second_worker, recorder
) -> None:
    assert not connection.in_atomic_block  # the test itself is not wrapped in one
    tell(second_worker, title="请尽快办理")
    tell(second_worker, title="请核实情况")
    assert outbox_send(now=NOW) == 2
    # The rows were claimed (the attempt counted) and committed before the server was called.
    assert recorder.deliveries == [
        Delivery("w2@example.cn", False, 1, NOW + CLAIM_FOR, None),
        Delivery("w2@example.cn", False, 1, NOW + CLAIM_FOR, None),
    ]
    assert list(
        OutboxEmail.objects.order_by("pk").values_list(
            "subject", "sent_at", "attempts", "claimed_until"
        )
    ) == [("请尽快办理", NOW, 1, None), ("请核实情况", NOW, 1, None)]
    # The admin's "send now" too.
    tell(second_worker, title="请回访", now=NOW + HOUR)
    chosen = OutboxEmail.objects.get(subject="请回访")
    result = outbox_send_now(actor=people.street_admin, email_ids=[chosen.pk], now=NOW + HOUR)
    assert (result.sent, result.failed, result.skipped) == (1, 0, 0)
    assert recorder.deliveries[2:] == [
        Delivery("w2@example.cn", False, 1, NOW + HOUR + CLAIM_FOR, None)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_row_another_sender_holds_is_left_to_it(people, tree, second_worker, recorder) -> None:
    """While the first sender has its first row with the mail server, a second sender starts:
    it skips the held row and sends the other; the first then finds the other sent."""
    tell(second_worker, title="第一条")
    tell(second_worker, title="第二条")
    second_sender: list[int] = []
    recorder.meanwhile = lambda: second_sender.append(outbox_send(now=NOW))
    assert outbox_send(now=NOW) == 1
    assert second_sender == [1]
    assert [(delivery.attempts, delivery.claimed_until) for delivery in recorder.deliveries] == [
        (1, NOW + CLAIM_FOR),
        (1, NOW + CLAIM_FOR),
    ]
    assert list(
        OutboxEmail.objects.order_by("pk").values_list("subject", "sent_at", "attempts")
    ) == [("第一条", NOW, 1), ("第二条", NOW, 1)]
    assert outbox_send(now=NOW + HOUR) == 0


CONCURRENT_EMAILS = 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_senders_send_each_row_exactly_once(people, tree, recorder) -> None:
    """Two senders in their own threads and connections, released together over the same
    backlog in small batches (each message takes a moment at the mail server, so they
    interleave): every row is sent once, by one of them."""
    recipients = [
        make_user(
            f"w{index:02d}",
            User.Role.COMMUNITY_WORKER,
            unit=tree.guangming,
            email=f"w{index:02d}@example.cn",
        )
        for index in range(CONCURRENT_EMAILS)
    ]
    for recipient in recipients:
        tell(recipient, title=f"通知 {recipient.username}")
    recorder.delay = 0.01

    def sender() -> int:
        return outbox_send(batch_size=5, now=NOW)

    sent = [result for result in run_together(sender, sender) if isinstance(result, int)]
    assert len(sent) == 2
    assert sum(sent) == CONCURRENT_EMAILS
    assert min(sent) > 0, sent  # both took part
    assert Counter(delivery.to for delivery in recorder.deliveries) == {
        f"w{index:02d}@example.cn": 1 for index in range(CONCURRENT_EMAILS)
    }
    assert all(delivery.attempts == 1 for delivery in recorder.deliveries)
    assert set(OutboxEmail.objects.values_list("attempts", "claimed_until", "last_error")) == {
        (1, None, "")
    }
    assert not OutboxEmail.objects.filter(sent_at__isnull=True).exists()


def test_the_outbox_keeps_going_past_a_full_batch(people, tree, second_worker, mailoutbox) -> None:
    for _ in range(5):
        log_petition(people, tree)
    assert outbox_send(batch_size=2, now=NOW) == 5
    assert len(mailoutbox) == 5


# --- The inbox -------------------------------------------------------------------------------


def test_mark_read(people, tree, second_worker) -> None:
    first = log_petition_as(people.grid, tree)
    log_petition_as(people.grid, tree)
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
    assert mine[0].petition_id == first.pk
    # Again: nothing more to mark. Then all of them.
    assert (
        notification_mark_read(user=people.worker, notification_ids=[mine[0].pk], now=read_at) == 0
    )
    assert notification_mark_read(user=people.worker, now=read_at + HOUR) == 1
    assert notification_unread_count(user=people.worker) == 0
    assert Notification.objects.get(pk=mine[0].pk).read_at == read_at  # not moved


def test_mark_read_defaults_to_the_current_time(people, tree) -> None:
    log_petition_as(people.grid, tree)
    with time_machine.travel(NOW, tick=False):
        assert notification_mark_read(user=people.worker) == 1
    assert Notification.objects.get().read_at == NOW


def test_the_inbox_holds_only_ones_own_messages(people, tree, second_worker) -> None:
    log_petition_as(people.grid, tree)
    log_petition_as(people.grid, tree)
    first = Notification.objects.filter(recipient=people.worker).order_by("pk")[0]
    notification_mark_read(user=people.worker, notification_ids=[first.pk], now=NOW)
    assert [row.title for row in notification_list(user=people.worker)] == [
        "New petition: Petition 2026-000002: 楼道堆放杂物",
        "New petition: Petition 2026-000001: 楼道堆放杂物",
    ]
    assert [row.title for row in notification_list(user=people.worker, unread_only=True)] == [
        "New petition: Petition 2026-000002: 楼道堆放杂物"
    ]
    assert list(notification_list(user=people.official)) == []
    assert notification_unread_count(user=people.volunteer) == 0


# --- Figures ---------------------------------------------------------------------------------


def crafted_set(
    people: Personas, tree: Tree, heping_worker: User, police_handler: User, district_official: User
) -> dict[str, object]:
    """Nine petitions under 东城街道 and one elsewhere, with known outcomes:

    P1 closed, satisfied, first time      P6 closed, satisfied, the report missed (level 1)
    P2 closed after an unsatisfied round  P7 (和平社区) accepted, overdue
    P3 rejected                           P9 unsatisfied, accepted again, overdue
    P4 acceptance missed twice (levels 1 and 2), accepted by the district
    P5 closed without evaluation          P10 logged later, waiting
    P8 (新华社区, another street): outside the official's view
    """
    worker, official = people.worker, people.official
    minute = dt.timedelta(minutes=1)

    def step(petition, *names: str, at_time=NOW):
        for name in names:
            if name == "accept":
                petition = services.petition_accept(actor=worker, petition=petition, now=at_time)
            elif name == "start":
                petition = services.petition_start(actor=worker, petition=petition, now=at_time)
            elif name == "reply":
                petition = services.petition_reply(
                    actor=worker, petition=petition, reply="已处理", now=at_time
                )
            at_time += minute
        return petition

    p1 = step(log_petition(people, tree), "accept", "start", "reply")
    services.petition_evaluate(
        actor=worker, petition=p1, satisfaction=Satisfaction.SATISFIED, now=NOW + HOUR
    )

    p2 = step(log_petition(people, tree), "accept")
    services.petition_dispatch(
        actor=worker, petition=p2, lead=tree.chengguan, assists=[tree.police], now=NOW
    )
    lead = Dispatch.objects.get(petition=p2, department=tree.chengguan)
    assist = Dispatch.objects.get(petition=p2, department=tree.police)
    services.dispatch_report(actor=people.handler, dispatch=lead, now=NOW + HOUR)
    services.dispatch_complete(
        actor=people.handler, dispatch=lead, note="已清理", now=NOW + 2 * HOUR
    )
    services.dispatch_return(
        actor=police_handler, dispatch=assist, reason="非本部门", now=NOW + 2 * HOUR
    )
    services.petition_reply(actor=worker, petition=p2, reply="已处理", now=NOW + 3 * HOUR)
    services.petition_evaluate(
        actor=worker, petition=p2, satisfaction="unsatisfied", now=NOW + 4 * HOUR
    )
    step(p2, "start", "reply", at_time=NOW + 5 * HOUR)
    services.petition_evaluate(
        actor=worker, petition=p2, satisfaction="basically_satisfied", now=NOW + 6 * HOUR
    )
    services.dispatch_rate(actor=worker, dispatch=lead, rating=4, now=NOW + 7 * HOUR)
    services.dispatch_rate(actor=worker, dispatch=assist, rating=2, now=NOW + 7 * HOUR)

    p3 = log_petition(people, tree)
    services.petition_reject(actor=worker, petition=p3, reason="属于诉讼程序", now=NOW + HOUR)

    p4 = log_petition(people, tree)

    p5 = step(log_petition(people, tree), "accept", "start", "reply")
    services.petition_close(actor=worker, petition=p5, reason="联系不上", now=NOW + HOUR)

    p6 = step(log_petition(people, tree), "accept")
    services.petition_dispatch(actor=worker, petition=p6, lead=tree.chengguan, now=NOW)

    p7 = log_petition_as(heping_worker, tree, location=tree.heping)
    services.petition_accept(actor=heping_worker, petition=p7, now=NOW)

    p8 = log_petition_as(people.other_worker, tree, location=tree.xinhua)
    services.petition_accept(actor=people.other_worker, petition=p8, now=NOW)
    services.petition_dispatch(actor=people.other_worker, petition=p8, lead=tree.chengguan, now=NOW)

    p9 = step(log_petition(people, tree), "accept", "start", "reply")
    services.petition_evaluate(
        actor=worker, petition=p9, satisfaction="unsatisfied", now=NOW + HOUR
    )

    # Friday 09:00: P4's acceptance (due Thursday night) and P6's and P8's reports (due
    # Thursday 10:00) were missed.
    friday = at("2026-11-20", "09:00")
    assert escalate_overdue(now=friday).escalated == {
        "accept": 1,
        "resolve": 0,
        "report": 2,
        "complete": 0,
    }
    services.dispatch_report(
        actor=people.handler, dispatch=Dispatch.objects.get(petition=p8), now=friday + HOUR
    )
    p6_dispatch = Dispatch.objects.get(petition=p6)
    services.dispatch_report(actor=people.handler, dispatch=p6_dispatch, now=friday + HOUR)
    services.dispatch_complete(
        actor=people.handler, dispatch=p6_dispatch, note="已处理", now=friday + 2 * HOUR
    )
    services.petition_reply(actor=official, petition=p6, reply="已处理", now=friday + 3 * HOUR)
    services.petition_evaluate(
        actor=official, petition=p6, satisfaction="satisfied", now=friday + 4 * HOUR
    )
    services.dispatch_rate(actor=official, dispatch=p6_dispatch, rating=3, now=friday + 5 * HOUR)
    # Tuesday 09:00: P4 missed the street's acceptance deadline too; the district accepts it.
    tuesday = at("2026-11-24", "09:00")
    assert escalate_overdue(now=tuesday).escalated == {
        "accept": 1,
        "resolve": 0,
        "report": 0,
        "complete": 0,
    }
    services.petition_accept(actor=district_official, petition=p4, now=tuesday + HOUR)

    p10 = log_petition(people, tree, now=at("2026-11-27", "10:00"))
    return {"p4": p4, "p7": p7, "p8": p8, "p9": p9, "p10": p10}


@pytest.fixture
def figures_world(people, tree, heping_worker, police_handler, district_official):
    return crafted_set(people, tree, heping_worker, police_handler, district_official)


SATURDAY = at("2026-11-28", "10:00")


def test_figures_of_the_street(figures_world, people, tree) -> None:
    figures = petition_figures(user=people.official, now=SATURDAY)
    assert (figures.logged, figures.responded, figures.rejected, figures.accepted) == (9, 8, 1, 7)
    assert (figures.closed, figures.closed_first_time) == (4, 2)
    assert (figures.evaluated, figures.satisfied) == (4, 3)
    assert (figures.accepted_on_time, figures.closed_on_time) == (6, 3)
    # Overdue: P4 missed its acceptance deadline twice (the escalations gave it fresh clocks and
    # the district accepted it, but the miss stays on the record until it closes); the resolve
    # clocks of P7 and P9 ran out; P10 is on time (P8 lies in 西城街道).
    assert (figures.open, figures.overdue) == (4, 3)
    overdue = petition_list_visible(user=people.official, overdue=True, now=SATURDAY)
    assert sorted(overdue.values_list("pk", flat=True)) == sorted(
        figures_world[name].pk for name in ("p4", "p7", "p9")
    )
    assert figures.response_rate == 0.8889  # 8 / 9
    assert figures.resolution_rate == 0.5714  # 4 / 7
    assert figures.satisfaction_rate == 0.75  # 3 / 4
    assert figures.first_time_resolution_rate == 0.5  # 2 / 4
    assert figures.on_time_acceptance_rate == 0.8571  # 6 / 7
    assert figures.on_time_resolution_rate == 0.75  # 3 / 4
    assert figures.escalations_by_level == {1: 2, 2: 1}
    assert sorted(figures.departments, key=lambda row: row.department_id) == [
        DepartmentFigures(
            department_id=tree.chengguan.pk,
            name="城管局",
            dispatches=2,
            reported_on_time=1,
            completed=2,
            returned=0,
            average_rating=3.5,
        ),
        DepartmentFigures(
            department_id=tree.police.pk,
            name="东城派出所",
            dispatches=1,
            reported_on_time=0,
            completed=0,
            returned=1,
            average_rating=2.0,
        ),
    ]
    assert [
        row.on_time_report_rate
        for row in sorted(figures.departments, key=lambda row: row.department_id)
    ] == [0.5, 0.0]


def test_figures_of_a_community_and_a_period(figures_world, people, tree) -> None:
    heping = petition_figures(user=people.official, within=tree.heping, now=SATURDAY)
    assert (heping.logged, heping.accepted, heping.open, heping.overdue) == (1, 1, 1, 1)
    assert (heping.closed, heping.first_time_resolution_rate, heping.resolution_rate) == (
        0,
        None,
        0.0,
    )
    assert heping.departments == []
    later = petition_figures(
        user=people.official, date_from=at("2026-11-27", "00:00"), now=SATURDAY
    )
    assert (later.logged, later.responded, later.response_rate) == (1, 0, 0.0)
    earlier = petition_figures(
        user=people.official, date_to=at("2026-11-27", "00:00"), now=SATURDAY
    )
    assert earlier.logged == 8


def test_figures_follow_the_users_scope(figures_world, people, tree) -> None:
    west = petition_figures(user=people.other_worker, now=SATURDAY)
    assert (west.logged, west.accepted, west.escalations_by_level) == (1, 1, {1: 1})
    assert [(row.name, row.dispatches) for row in west.departments] == [("城管局", 1)]
    # 光明社区's worker does not see 和平社区's petition; the superuser sees all ten.
    assert petition_figures(user=people.worker, now=SATURDAY).logged == 8
    assert petition_figures(user=people.superuser, now=SATURDAY).logged == 10
    assert petition_figures(user=people.volunteer, now=SATURDAY).logged == 0


def test_figures_with_nothing_logged(people) -> None:
    figures = petition_figures(user=people.official, now=NOW)
    assert figures.logged == 0
    assert (
        figures.response_rate,
        figures.resolution_rate,
        figures.satisfaction_rate,
        figures.first_time_resolution_rate,
        figures.on_time_acceptance_rate,
        figures.on_time_resolution_rate,
    ) == (None, None, None, None, None, None)
    assert (figures.escalations_by_level, figures.departments) == ({}, [])


def test_figures_cost_three_queries(figures_world, people, django_assert_num_queries) -> None:
    user = User.objects.get(pk=people.official.pk)
    with django_assert_num_queries(4):  # the user's anchor, then the three of the docstring
        petition_figures(user=user, now=SATURDAY)
