"""Rules for notifications and the e-mail outbox (the notifications app, by label).

A notification is read by its recipient alone. The admin site lets the admin of an area look
after the notifications of that area: those about a subject they see (for the subjects named
in ``SUBJECTS_OVERSEEN_AS_SEEN``, by that subject's own visibility rule) and those about
anything else, or about nothing, sent to an account they see.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Exists, OuterRef, Q

from orgchart.models import User
from orgchart.policy.core import (
    ACTION_RULES,
    OVERSIGHT_RULES,
    VISIBILITY_RULES,
    AnyUser,
    Role,
    Scope,
)
from orgchart.policy.people import _user_rule

# Subjects (by model label) whose notifications an admin oversees exactly when they see the
# subject itself (``VISIBILITY_RULES``): the message about a petition of their area goes with
# it, whoever was told (a district's handler, say).
SUBJECTS_OVERSEEN_AS_SEEN = ("petitions.Petition", "volunteers.WorkOrder")


def _notification_rule(user: AnyUser, scope: Scope) -> Q:
    """A notification is read by its recipient alone (the inbox), superusers included."""
    return Q(recipient_id=user.pk) if user.is_authenticated else Q(pk__in=[])


def _subject_type_q(label: str, prefix: str) -> Q:
    """Notifications (reached by ``prefix``) about a row of the model ``label``: a join on the
    content type by its natural key, so the check needs no query of its own."""
    model = apps.get_model(label)
    return Q(
        **{
            f"{prefix}subject_type__app_label": model._meta.app_label,
            f"{prefix}subject_type__model": model._meta.model_name,
        }
    )


def _overseen_notifications_q(user: AnyUser, scope: Scope, path: str = "") -> Q:
    """Notifications (reached by ``path``) the user looks after in the admin site: their own;
    for admins also those about a subject of ``SUBJECTS_OVERSEEN_AS_SEEN`` they see (whoever
    was told), and those about any other subject or none sent to an account they see; for
    superusers all."""
    prefix = f"{path}__" if path else ""
    if scope.everything:
        return Q()
    if not isinstance(user, User):
        return Q(pk__in=[])
    own = Q(**{f"{prefix}recipient_id": user.pk})
    if user.role != Role.ADMIN:
        return own
    about_seen = Q(pk__in=[])
    of_listed_types = Q(pk__in=[])
    for label in SUBJECTS_OVERSEEN_AS_SEEN:
        of_type = _subject_type_q(label, prefix)
        seen = apps.get_model(label)._default_manager.filter(
            VISIBILITY_RULES[label](user, scope), pk=OuterRef(f"{prefix}subject_id")
        )
        about_seen |= of_type & Q(Exists(seen))
        of_listed_types |= of_type
    accounts = User.objects.filter(_user_rule(user, scope)).values("pk")
    to_seen_accounts = Q(**{f"{prefix}recipient__in": accounts}) & (
        Q(**{f"{prefix}subject_type__isnull": True}) | ~of_listed_types
    )
    return own | about_seen | to_seen_accounts


def _notification_oversight_rule(user: AnyUser, scope: Scope) -> Q:
    return _overseen_notifications_q(user, scope)


def _outbox_email_rule(user: AnyUser, scope: Scope) -> Q:
    """An outgoing e-mail is seen with its notification, as the admin site oversees it (the
    outbox has no page of its own)."""
    return _overseen_notifications_q(user, scope, "notification")


def _sends_email(user: User, email: Any) -> bool:
    return user.role == Role.ADMIN


VISIBILITY_RULES.update(
    {
        "notifications.Notification": _notification_rule,
        "notifications.OutboxEmail": _outbox_email_rule,
    }
)
OVERSIGHT_RULES.update({"notifications.Notification": _notification_oversight_rule})
ACTION_RULES.update(
    {
        "outboxemail.send": _sends_email,  # send chosen rows now (the admin site)
    }
)
