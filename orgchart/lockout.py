"""Login lockout that fits an office behind one address (django-axes' ``AXES_HANDLER``).

A street office or a 综治中心 reaches the app from one NAT address, so failed logins are counted
three ways, each with its own limit (``LOGIN_LOCKOUT_RULES``, in the order of
``AXES_LOCKOUT_PARAMETERS``):

* one account from one address (``LOGIN_FAILURE_LIMIT``, 5): the careless user locks only
  their own account, and only from there; colleagues behind the same address still log in;
* one address, all accounts (``LOGIN_ADDRESS_FAILURE_LIMIT``, 50): passwords sprayed over
  many accounts from one place;
* one account, all addresses (``LOGIN_ACCOUNT_FAILURE_LIMIT``, 20): one account guessed from
  many places.

Each lock lasts ``LOGIN_LOCKOUT_MINUTES`` from the failure that reached its limit (a refused
attempt does not restart it). Axes compares one number with one limit; the handler gives it
the count of the rule closest to its limit, scaled to ``AXES_FAILURE_LIMIT``, so axes locks
exactly when one rule's count reaches that rule's limit. Which rule locked and until when is
left on the request for the message (``lockout_message``). Admins unlock an account in the
admin (``orgchart.services.user_unlock_login``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import user_login_failed
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import ngettext

from governance.errors import TooManyRequests, ValidationFailed
from orgchart import services
from orgchart.models import User

# Rule names, in the order of settings.LOGIN_LOCKOUT_RULES / AXES_LOCKOUT_PARAMETERS.
ACCOUNT_AT_ADDRESS = "account_at_address"
ADDRESS = "address"
ACCOUNT = "account"


@dataclass(frozen=True)
class Lock:
    """A lock in force: which rule, and when it ends."""

    rule: str
    until: dt.datetime

    def minutes_left(self, now: dt.datetime | None = None) -> int:
        seconds = (self.until - (now or timezone.now())).total_seconds()
        return max(1, math.ceil(seconds / 60))


def rule_limits() -> list[tuple[str, int]]:
    return [(name, int(limit)) for name, _parameters, limit in settings.LOGIN_LOCKOUT_RULES]


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per counting rule (see the module docstring)."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        attempts_list = self.get_user_attempts(request, credentials)
        scale = int(settings.AXES_FAILURE_LIMIT)
        worst, lock = 0, None
        for (rule, limit), attempts in zip(rule_limits(), attempts_list, strict=True):
            figures = attempts.aggregate(
                failures=Sum("failures_since_start"), last=Max("attempt_time")
            )
            failures = figures["failures"] or 0
            # floor(failures * scale / limit) reaches scale exactly when failures reach limit.
            scaled = failures * scale // limit
            worst = max(worst, scaled)
            if failures >= limit and figures["last"] is not None:
                until = figures["last"] + settings.AXES_COOLOFF_TIME
                if lock is None or until > lock.until:
                    lock = Lock(rule=rule, until=until)
        if request is not None:
            request.login_lock = lock
        return worst


def current_lock(request: Any) -> Lock | None:
    return getattr(request, "login_lock", None)


def lockout_message(lock: Lock | None = None) -> str:
    """What a locked-out user is told: what is locked, for how long, and who can unlock it."""
    rule = lock.rule if lock else ACCOUNT_AT_ADDRESS
    minutes = (
        lock.minutes_left()
        if lock
        else max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    )
    if rule == ADDRESS:
        text = ngettext(
            "Too many failed attempts from this address. Logging in from here is locked for "
            "%(minutes)d more minute; an administrator can unlock it sooner.",
            "Too many failed attempts from this address. Logging in from here is locked for "
            "%(minutes)d more minutes; an administrator can unlock it sooner.",
            minutes,
        )
    elif rule == ACCOUNT:
        text = ngettext(
            "Too many failed attempts for this account. It is locked for %(minutes)d more "
            "minute; an administrator can unlock it sooner.",
            "Too many failed attempts for this account. It is locked for %(minutes)d more "
            "minutes; an administrator can unlock it sooner.",
            minutes,
        )
    else:
        text = ngettext(
            "Too many failed attempts. This account is locked here for %(minutes)d more "
            "minute; colleagues can still log in from here, and an administrator can unlock "
            "it sooner.",
            "Too many failed attempts. This account is locked here for %(minutes)d more "
            "minutes; colleagues can still log in from here, and an administrator can unlock "
            "it sooner.",
            minutes,
        )
    return text % {"minutes": minutes}


def locked_out(request: Any) -> bool:
    return bool(getattr(request, "axes_locked_out", False))


def change_password_counted(request: Any, user: User, **data: Any) -> User:
    """The password change, its current password counted like a login's (django-axes): a
    locked account may not try it, and a wrong one is a failed login for the account at this
    address, so a session left open does not let anyone guess the password without end.
    ``request`` may be DRF's; axes marks the Django request under it."""
    django_request = getattr(request, "_request", request)
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(django_request, credentials):
        raise TooManyRequests(lockout_message(current_lock(django_request)))
    try:
        return services.user_change_password(user=user, **data)
    except ValidationFailed as error:
        if "old_password" not in error.fields:
            raise
        user_login_failed.send(sender=User, credentials=credentials, request=django_request)
        if locked_out(django_request):
            raise TooManyRequests(lockout_message(current_lock(django_request))) from error
        raise
