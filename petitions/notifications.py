"""Notifications: rows in each recipient's in-app inbox, and an e-mail outbox a task sends.

Both are written in the caller's transaction, so a message exists exactly when the change it
announces committed. The outbox is sent after commit (``send_outbox_task``) and again by the
periodic task, so a lost task delays an e-mail but never loses it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from orgchart.models import User
from petitions.models import Notification, OutboxEmail, Petition

# An e-mail that failed this many times stays in the outbox for a person to look at.
MAX_ATTEMPTS = 5


def unit_staff(unit_id: int) -> QuerySet[User]:
    """Active accounts that act for a handling unit (DESIGN §5 "unit staff")."""
    return User.objects.filter(
        anchor_unit_id=unit_id,
        role__in=(User.Role.COMMUNITY_WORKER, User.Role.OFFICIAL),
        is_active=True,
    )


def department_handlers(department_id: int) -> QuerySet[User]:
    return User.objects.filter(
        anchor_department_id=department_id,
        role=User.Role.DEPARTMENT_HANDLER,
        is_active=True,
    )


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    petition: Petition | None,
    title: str,
    body: str = "",
    now: dt.datetime | None = None,
    exclude: User | None = None,
) -> int:
    """Put a message in each recipient's inbox (and the outbox for those with an e-mail
    address). The actor who caused it (``exclude``) is not told about their own action."""
    now = now or timezone.now()
    rows = []
    emails = []
    for user in recipients:
        if exclude is not None and user.pk == exclude.pk:
            continue
        notification = Notification(
            recipient=user,
            petition=petition,
            kind=kind,
            title=title[:200],
            body=body,
            created_at=now,
        )
        rows.append(notification)
    Notification.objects.bulk_create(rows)
    for notification in rows:
        address = notification.recipient.email
        if address:
            emails.append(
                OutboxEmail(
                    notification=notification,
                    to_address=address,
                    subject=notification.title,
                    body=notification.body or notification.title,
                    created_at=now,
                )
            )
    if emails:
        OutboxEmail.objects.bulk_create(emails)
        from petitions.tasks import send_outbox_task

        transaction.on_commit(send_outbox_task.delay)
    return len(rows)


def notification_mark_read(
    *,
    user: User,
    notification_ids: Iterable[int] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Mark the user's own notifications read (all when no ids are given). Idempotent."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=now or timezone.now())


def outbox_send(*, batch_size: int = 100, now: dt.datetime | None = None) -> int:
    """Send due e-mails, marking each sent in its own transaction; rows another sender holds
    are skipped (``skip_locked``). Returns how many were sent."""
    sent = 0
    after = Q()
    while True:
        with transaction.atomic():
            # Keyset: each run tries a row once, so a batch of failures is not fetched again
            # (and does not use up every attempt while the gateway is down).
            batch = list(
                OutboxEmail.objects.select_for_update(skip_locked=True)
                .filter(after, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
                .order_by("created_at", "id")[:batch_size]
            )
            if batch:
                last = batch[-1]
                after = Q(created_at__gt=last.created_at) | Q(
                    created_at=last.created_at, id__gt=last.pk
                )
            for email in batch:
                try:
                    send_mail(
                        email.subject,
                        email.body,
                        settings.DEFAULT_FROM_EMAIL,
                        [email.to_address],
                        fail_silently=False,
                    )
                except Exception as error:
                    email.attempts += 1
                    email.last_error = str(error)[:1000]
                    email.save(update_fields=["attempts", "last_error"])
                    continue
                email.sent_at = now or timezone.now()
                email.attempts += 1
                email.save(update_fields=["sent_at", "attempts"])
                sent += 1
        if len(batch) < batch_size:
            return sent


def petition_link_text(petition: Petition) -> str:
    return _("Petition %(number)s: %(title)s") % {
        "number": petition.number,
        "title": petition.title,
    }
