"""What every page's navbar needs from petitions: which petition pages the user gets links to
(from the role and anchor that come with the user: no query) and the unread notification count
(one indexed COUNT, run only when the navbar shows it, and only for the roles notifications
are sent to: unit staff, department handlers and grid workers)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications.selectors import notification_unread_count
from petitions.views.shared import nav_for, reads_notifications


def petitions(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    notified = reads_notifications(user)
    return {
        "petition_nav": nav_for(user),
        "notifications_shown": notified,
        "notification_unread": SimpleLazyObject(
            lambda: notification_unread_count(user=user) if notified else 0
        ),
    }
