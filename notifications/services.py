"""Writing notifications: ``notify`` (the inbox, and the outbox for recipients with an
e-mail address), ``notify_many`` (the same for a batch of messages, in two statements) and
``notification_mark_read``.

Both run in the caller's transaction, so a message exists exactly when the change it
announces committed. The outbox is sent after commit (``send_outbox_task``) and again by the
periodic task, so a lost task delays an e-mail but never loses it (``notifications.outbox``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from governance.database import insert_rows
from notifications import kinds
from notifications.models import Notification, OutboxEmail
from orgchart.models import User


@dataclass(frozen=True)
class Message:
    """One message of ``kind`` about ``subject`` to each of ``recipients`` (see ``notify``)."""

    recipients: Iterable[User]
    kind: str
    title: str
    subject: models.Model | None = None
    body: str = ""
    link: str = ""
    now: dt.datetime | None = None
    exclude: User | None = None


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    subject: models.Model | None = None,
    title: str,
    body: str = "",
    link: str = "",
    now: dt.datetime | None = None,
    exclude: User | None = None,
) -> int:
    """Put a message of ``kind`` (a registered kind: ``notifications.kinds``) about
    ``subject`` (any saved row, or none) in each recipient's inbox, and in the outbox for those
    with an e-mail address. ``link`` is the path of the subject's page, for the inbox. The
    actor who caused it (``exclude``) is not told about their own action. Returns how many
    were told."""
    return notify_many(
        [
            Message(
                recipients=recipients,
                kind=kind,
                subject=subject,
                title=title,
                body=body,
                link=link,
                now=now,
                exclude=exclude,
            )
        ]
    )


def notify_many(messages: Iterable[Message]) -> int:
    """``notify`` for many messages at once (the sweep's batch): the same rows, written in one
    ``INSERT`` for the inbox and one for the outbox. Returns how many were told in all."""
    rows: list[Notification] = []
    for message in messages:
        kind, subject, link = message.kind, message.subject, message.link
        if not kinds.is_registered(kind):
            raise ValueError(f"Unregistered notification kind: {kind!r}")
        if subject is not None and subject.pk is None:
            raise ValueError("A notification's subject must be saved first.")
        if link and (not link.startswith("/") or link.startswith("//")):
            raise ValueError(f"A notification's link is a path on this site: {link!r}")
        now = message.now or timezone.now()
        subject_type = ContentType.objects.get_for_model(subject) if subject is not None else None
        rows += [
            Notification(
                recipient=user,
                kind=kind,
                subject_type=subject_type,
                subject_id=subject.pk if subject is not None else None,
                link=link,
                title=message.title[:200],
                body=message.body,
                created_at=now,
            )
            for user in message.recipients
            if message.exclude is None or user.pk != message.exclude.pk
        ]
    insert_rows(Notification, rows)
    emails = [
        OutboxEmail(
            notification=notification,
            to_address=notification.recipient.email,
            subject=notification.title,
            body=notification.body or notification.title,
            created_at=notification.created_at,
        )
        for notification in rows
        if notification.recipient.email
    ]
    if emails:
        insert_rows(OutboxEmail, emails)
        from notifications.tasks import send_outbox_task

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
