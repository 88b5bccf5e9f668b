"""The e-mail outbox: every notification to a recipient with an address has a row here, and
a sender sends the due rows.

Sending holds no transaction open: a row is claimed by compare-and-swap, sent, then marked
sent or scheduled for another attempt with a growing back-off; after ``MAX_ATTEMPTS`` it is
given up and stays in the outbox (the admin shows each row's state and can send chosen rows
at once). ``send_outbox_task`` runs ``outbox_send`` after each commit that adds rows and
periodically (beat), so a lost task delays an e-mail but never loses it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q, TextChoices
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from governance.audit import audit_record
from governance.errors import NotAllowed
from governance.models import AuditEvent
from notifications.models import OutboxEmail
from orgchart import policy
from orgchart.models import User

# An e-mail that failed this many times stays in the outbox for a person to look at.
MAX_ATTEMPTS = 5
# The wait after the first, second, … failed attempt (the last one repeats).
RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=6),
)
# How long a claimed row is held: far longer than one send (EMAIL_TIMEOUT); a sender that died
# mid-send frees its row when this passes.
CLAIM_FOR = dt.timedelta(minutes=5)


class OutboxState(TextChoices):
    SENT = "sent", pgettext_lazy("outbox", "sent")
    WAITING = "waiting", pgettext_lazy("outbox", "waiting")  # not tried yet
    RETRYING = "retrying", pgettext_lazy("outbox", "retrying")  # tried, not sent yet
    GIVEN_UP = "given_up", pgettext_lazy("outbox", "given up")  # MAX_ATTEMPTS used up


def retry_delay(attempts: int) -> dt.timedelta:
    """How long a row waits after its ``attempts``-th failed attempt: 1, 5 and 30 minutes,
    2 hours, then 6 hours each time."""
    return RETRY_DELAYS[min(max(attempts, 1), len(RETRY_DELAYS)) - 1]


def outbox_state(email: OutboxEmail) -> OutboxState:
    if email.sent_at is not None:
        return OutboxState.SENT
    if email.attempts >= MAX_ATTEMPTS:
        return OutboxState.GIVEN_UP
    return OutboxState.RETRYING if email.attempts else OutboxState.WAITING


def outbox_state_q(state: str) -> Q:
    """The rows in ``state`` (one of ``OutboxState``), for filtering the outbox."""
    unsent = Q(sent_at__isnull=True)
    return {
        OutboxState.SENT: Q(sent_at__isnull=False),
        OutboxState.WAITING: unsent & Q(attempts=0),
        OutboxState.RETRYING: unsent & Q(attempts__gt=0, attempts__lt=MAX_ATTEMPTS),
        OutboxState.GIVEN_UP: unsent & Q(attempts__gte=MAX_ATTEMPTS),
    }[OutboxState(state)]


@dataclass(frozen=True)
class OutboxResult:
    sent: int = 0
    failed: int = 0
    skipped: int = 0  # already sent, or held by another sender


def _unclaimed(at: dt.datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lte=at)


def _due(at: dt.datetime) -> Q:
    return (
        Q(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=at))
        & _unclaimed(at)
    )


def _attempt(pk: int, clock: Callable[[], dt.datetime], *, due_only: bool) -> str:
    """One attempt at one row: claim, send, record. Returns "sent", "failed" or "skipped".

    The claim is a compare-and-swap (one UPDATE that matches only a row nobody holds and, for
    the periodic sender, one that is due), committed before the mail server is called: no
    transaction and no row lock is open while it talks to the server, and two senders never
    hold one row together. Each attempt is counted when it is claimed, so a message that
    kills its sender still runs out of attempts. A sender that dies after sending but before
    marking leaves the row to be sent again once the claim passes: at least once, never lost.
    """
    at = clock()
    until = at + CLAIM_FOR
    rows = OutboxEmail.objects.filter(pk=pk)
    rows = rows.filter(_due(at)) if due_only else rows.filter(_unclaimed(at), sent_at__isnull=True)
    if rows.update(claimed_until=until, attempts=F("attempts") + 1) != 1:
        return "skipped"
    email = OutboxEmail.objects.filter(pk=pk).first()
    if email is None:  # its notification was deleted meanwhile
        return "skipped"
    try:
        send_mail(
            email.subject,
            email.body,
            settings.DEFAULT_FROM_EMAIL,
            [email.to_address],
            fail_silently=False,
        )
    except Exception as error:  # whatever the backend raised: recorded, tried again later
        failed_at = clock()
        OutboxEmail.objects.filter(pk=pk, sent_at__isnull=True, claimed_until=until).update(
            claimed_until=None,
            last_error=(str(error) or type(error).__name__)[:1000],
            next_attempt_at=(
                failed_at + retry_delay(email.attempts) if email.attempts < MAX_ATTEMPTS else None
            ),
        )
        return "failed"
    OutboxEmail.objects.filter(pk=pk, sent_at__isnull=True).update(
        sent_at=clock(), claimed_until=None, next_attempt_at=None
    )
    return "sent"


def _clock(now: dt.datetime | None) -> Callable[[], dt.datetime]:
    # A given time stands still (tests); otherwise each claim reads the clock, so a long run
    # never takes a claim that has already run out.
    return (lambda: now) if now is not None else timezone.now


def outbox_send(*, batch_size: int = 100, now: dt.datetime | None = None) -> int:
    """Send the due e-mails (never tried, or past their back-off), oldest first; returns how
    many were sent. Call it outside any transaction: each claim and each mark commits on its
    own. A failure waits ``retry_delay`` before the next try; after ``MAX_ATTEMPTS`` the row is
    given up and left in the outbox for a person. Rows another sender holds are skipped."""
    clock = _clock(now)
    sent = 0
    after = Q()
    while True:
        # Keyset: each run tries a row at most once, whatever happens to it meanwhile.
        batch = list(
            OutboxEmail.objects.filter(after, _due(clock()))
            .order_by("created_at", "id")
            .values_list("pk", "created_at")[:batch_size]
        )
        for pk, _created_at in batch:
            sent += _attempt(pk, clock, due_only=True) == "sent"
        if len(batch) < batch_size:
            return sent
        last_pk, last_created_at = batch[-1]
        after = Q(created_at__gt=last_created_at) | Q(created_at=last_created_at, id__gt=last_pk)


def outbox_send_now(
    *, actor: User, email_ids: Iterable[int], now: dt.datetime | None = None
) -> OutboxResult:
    """Send the named e-mails now, those of them the actor may see (``orgchart.policy``) that
    are not sent yet, whatever their back-off and even when given up (a person looked at
    them). A failure is recorded and scheduled like any other. Audited."""
    clock = _clock(now)
    visible = policy.policy(actor, OutboxEmail).filter(pk__in=list(email_ids), sent_at__isnull=True)
    emails = list(visible.order_by("created_at", "id"))
    for email in emails:
        if not policy.role_may(actor, "outboxemail.send", email):
            raise NotAllowed()
    outcomes = [_attempt(email.pk, clock, due_only=False) for email in emails]
    result = OutboxResult(
        sent=outcomes.count("sent"),
        failed=outcomes.count("failed"),
        skipped=outcomes.count("skipped"),
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type=OutboxEmail._meta.label,
        changes={
            "emails": ", ".join(str(email.pk) for email in emails),
            "sent": result.sent,
            "failed": result.failed,
        },
        now=clock(),
    )
    return result
