"""Reads of the inbox: a user's own notifications (``orgchart.policy``) and their unread
count (the navbar badge)."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import Notification
from orgchart.models import User
from orgchart.policy import AnyUser, policy


def notification_list(*, user: AnyUser, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's inbox, newest first (``unread_only``: the unread ones)."""
    notifications = policy(user, Notification).order_by("-created_at", "-id")
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications


def notification_unread_count(*, user: AnyUser) -> int:
    if not isinstance(user, User):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
