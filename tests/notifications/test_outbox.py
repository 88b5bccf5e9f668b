"""The e-mail outbox: a row for each recipient with an address, sent by a task; claimed by
compare-and-swap and sent with no transaction open; a failure tried again after a growing
back-off and given up after ``MAX_ATTEMPTS`` (kept for a person)."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from smtplib import SMTPException

import pytest
from django.conf import settings as django_settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection

from notifications import outbox
from notifications.models import Notification, OutboxEmail
from notifications.outbox import (
    CLAIM_FOR,
    MAX_ATTEMPTS,
    OutboxState,
    outbox_send,
    outbox_send_now,
    outbox_state,
    outbox_state_q,
    retry_delay,
)
from notifications.tasks import send_outbox_task
from orgchart.models import User
from tests.conftest import make_user
from tests.notifications.conftest import NOW, tell
from tests.petitions.test_concurrency import run_together

HOUR = dt.timedelta(hours=1)


def gateway_down(*args: object, **kwargs: object) -> int:
    raise SMTPException("gateway down")


# --- Rows and the task -----------------------------------------------------------------------


def test_recipients_with_an_address_get_an_outbox_row(
    people, second_worker, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        assert tell(people.worker, second_worker, title="请尽快办理") == 2
    # The sending task is queued once the caller's transaction commits.
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
    ) == [("second_worker", "w2@example.cn", "请尽快办理", "请尽快办理", NOW, None, 0)]
    assert Notification.objects.filter(recipient=people.worker).count() == 1  # no address


def test_the_body_is_the_message_when_there_is_one(people, second_worker) -> None:
    tell(second_worker, title="督办", body="请于本周内答复")
    assert list(OutboxEmail.objects.values_list("subject", "body")) == [("督办", "请于本周内答复")]


def test_no_address_no_outbox_and_no_task(people, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        tell(people.worker, title="请尽快办理")
    assert callbacks == []
    assert not OutboxEmail.objects.exists()


def test_outbox_send_marks_each_row_sent(people, second_worker, mailoutbox) -> None:
    tell(second_worker, title="第一条")
    tell(second_worker, title="第二条", body="请尽快办理")
    sent_at = NOW + HOUR
    assert outbox_send(now=sent_at) == 2
    assert [(message.to, message.subject, message.body) for message in mailoutbox] == [
        (["w2@example.cn"], "第一条", "第一条"),
        (["w2@example.cn"], "第二条", "请尽快办理"),
    ]
    assert mailoutbox[0].from_email == "noreply@localhost"
    assert set(OutboxEmail.objects.values_list("sent_at", "attempts", "last_error")) == {
        (sent_at, 1, "")
    }
    assert outbox_send(now=sent_at) == 0  # each row is sent once
    assert len(mailoutbox) == 2


def test_the_task_sends_the_outbox(people, second_worker, mailoutbox) -> None:
    tell(second_worker, title="请尽快办理")
    assert send_outbox_task() == 1
    assert len(mailoutbox) == 1


def test_beat_and_the_former_task_name_send_the_outbox(people, second_worker, mailoutbox) -> None:
    """Beat runs the task under its name here; the name it had in petitions still sends (a
    message queued before the move)."""
    from petitions.tasks import send_outbox_task as former

    assert django_settings.CELERY_BEAT_SCHEDULE["send-outbox"]["task"] == send_outbox_task.name
    assert send_outbox_task.name == "notifications.tasks.send_outbox_task"
    assert former.name == "petitions.tasks.send_outbox_task"
    tell(second_worker, title="请尽快办理")
    assert former() == 1
    assert len(mailoutbox) == 1


def test_the_outbox_keeps_going_past_a_full_batch(people, second_worker, mailoutbox) -> None:
    for index in range(5):
        tell(second_worker, title=f"通知 {index}")
    assert outbox_send(batch_size=2, now=NOW) == 5
    assert len(mailoutbox) == 5


# --- Failures and back-off -------------------------------------------------------------------


def test_a_failing_send_is_kept_for_the_next_try(
    people, second_worker, mailoutbox, monkeypatch
) -> None:
    tell(second_worker, title="请尽快办理")
    monkeypatch.setattr(outbox, "send_mail", gateway_down)
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
    people, second_worker, mailoutbox, monkeypatch
) -> None:
    """A full batch of failures must not be fetched again in the same run: each run is one
    attempt, so a gateway down for a minute does not use up every attempt at once."""
    tell(second_worker, title="第一条")
    tell(second_worker, title="第二条")
    monkeypatch.setattr(outbox, "send_mail", gateway_down)
    assert outbox_send(batch_size=1, now=NOW) == 0
    assert list(OutboxEmail.objects.values_list("attempts", flat=True)) == [1, 1]


def test_after_the_last_attempt_a_row_is_left_for_a_person(
    people, second_worker, mailoutbox, monkeypatch
) -> None:
    tell(second_worker, title="请尽快办理")
    monkeypatch.setattr(outbox, "send_mail", gateway_down)
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
    people, second_worker, mailoutbox, monkeypatch
) -> None:
    tell(second_worker, title="请尽快办理")
    monkeypatch.setattr(outbox, "send_mail", gateway_down)
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
    people, second_worker, mailoutbox, monkeypatch
) -> None:
    tell(second_worker, title="请尽快办理")
    monkeypatch.setattr(outbox, "send_mail", gateway_down)
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
    people, second_worker, mailoutbox, monkeypatch
) -> None:
    tell(second_worker, title="请尽快办理")

    def die(*args: object, **kwargs: object) -> int:
        raise SenderDied

    monkeypatch.setattr(outbox, "send_mail", die)
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


# --- Send now (the admin's action) -----------------------------------------------------------


def test_send_now_sends_the_named_rows_the_actor_sees_and_is_audited(
    people, tree, second_worker, mailoutbox, monkeypatch
) -> None:
    """Only the rows the actor oversees (``orgchart.policy``), not sent yet, whatever their
    back-off, even given up; failures are recorded and scheduled like any other."""
    from governance.models import AuditEvent

    elsewhere = make_user(
        "west_worker", User.Role.COMMUNITY_WORKER, unit=tree.xinhua, email="x@example.cn"
    )
    tell(second_worker, title="东城")
    tell(elsewhere, title="西城")
    mine = OutboxEmail.objects.get(subject="东城")
    theirs = OutboxEmail.objects.get(subject="西城")
    monkeypatch.setattr(outbox, "send_mail", gateway_down)
    for _attempt in range(MAX_ATTEMPTS):
        outbox_send_now(actor=people.street_admin, email_ids=[mine.pk], now=NOW)
    mine.refresh_from_db()
    assert outbox_state(mine) == OutboxState.GIVEN_UP
    monkeypatch.undo()
    result = outbox_send_now(
        actor=people.street_admin, email_ids=[mine.pk, theirs.pk], now=NOW + HOUR
    )
    assert (result.sent, result.failed, result.skipped) == (1, 0, 0)
    assert [message.subject for message in mailoutbox] == ["东城"]
    theirs.refresh_from_db()
    assert (theirs.sent_at, theirs.attempts) == (None, 0)
    # Sent already: nothing to send.
    again = outbox_send_now(actor=people.street_admin, email_ids=[mine.pk], now=NOW + HOUR)
    assert (again.sent, again.failed, again.skipped) == (0, 0, 0)
    assert AuditEvent.objects.filter(object_type="notifications.OutboxEmail").count() == 7


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


@pytest.mark.django_db(transaction=True)
def test_the_mail_server_is_called_with_no_transaction_open(
    people, second_worker, recorder
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
def test_a_row_another_sender_holds_is_left_to_it(people, second_worker, recorder) -> None:
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
