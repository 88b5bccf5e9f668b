"""Rate limits: the API's per user and per address (DRF throttles), and the looks at personal
data (reveals, exports) per user, on Django's cache.

``settings.RATE_LIMITS`` names each limit's rate, ``"<count>/<s|min|hour|day>"`` (empty turns
it off). A limit counts in fixed windows (``cache.add`` then ``cache.incr``, atomic on Redis
and on the local-memory cache), so every web process that shares the cache (``CACHE_URL``,
Redis in production) shares the count.

A refused reveal or export is suspicious (someone paging through residents' phone numbers):
the first refusal of a window writes an audit row (``AuditEvent.Action.LIMITED``, which
superusers filter in the audit log) and a warning to the ``governance.security`` log.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from governance.audit import audit_record
from governance.errors import TooManyRequests
from governance.models import AuditEvent

log = logging.getLogger("governance.security")

PERIODS = {"s": 1, "sec": 1, "min": 60, "m": 60, "hour": 3600, "h": 3600, "day": 86400, "d": 86400}

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def rate_of(scope: str) -> Rate | None:
    """The rate of a limit from ``settings.RATE_LIMITS``; None when it is off."""
    text = (settings.RATE_LIMITS.get(scope) or "").strip()
    if not text:
        return None
    count, _slash, period = text.partition("/")
    return Rate(count=int(count), seconds=PERIODS[period.strip()])


def hit(scope: str, ident: str, *, now: float | None = None) -> int:
    """Count one request of ``ident`` under the limit ``scope``: 0 if it is allowed, else the
    seconds until the window ends (when it will be)."""
    rate = rate_of(scope)
    if rate is None:
        return 0
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    key = f"rate:{scope}:{ident}:{window}"
    if cache.add(key, 1, timeout=rate.seconds + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=rate.seconds + 1)
            count = 1
    if count <= rate.count:
        return 0
    return max(1, math.ceil((window + 1) * rate.seconds - now))


def wait_message(seconds: int) -> str:
    if seconds >= 120:
        minutes = math.ceil(seconds / 60)
        return ngettext(
            "Too many requests. Try again in %(count)d minute.",
            "Too many requests. Try again in %(count)d minutes.",
            minutes,
        ) % {"count": minutes}
    return ngettext(
        "Too many requests. Try again in %(count)d second.",
        "Too many requests. Try again in %(count)d seconds.",
        seconds,
    ) % {"count": seconds}


def require(scope: str, actor: Any) -> None:
    """Count a look at personal data (``scope``: ``reveal`` or ``export``) by ``actor``; past
    the limit raise ``TooManyRequests`` (429) and flag the first refusal of the window."""
    ident = str(getattr(actor, "pk", "") or "")
    if not ident:
        return
    wait = hit(scope, ident)
    if not wait:
        return
    rate = rate_of(scope)
    assert rate is not None  # noqa: S101 - hit() refused, so the limit is on
    window = int(time.time() // rate.seconds)
    if cache.add(f"rate-flag:{scope}:{ident}:{window}", 1, timeout=rate.seconds + 1):
        audit_record(
            actor=actor,
            action=AuditEvent.Action.LIMITED,
            object_type=actor._meta.label,
            object_id=ident,
            changes={"limit": scope, "rate": settings.RATE_LIMITS.get(scope, "")},
        )
        log.warning(
            "rate limit reached: user %s, %s (%s)", ident, scope, settings.RATE_LIMITS[scope]
        )
    raise TooManyRequests(wait_message(wait))


def limited(scope: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A service that reveals or exports personal data: ``require(scope, actor)`` first, with
    the service's ``actor`` keyword argument. Put it above ``transaction.atomic`` so that the
    flag of a refusal is kept."""

    def decorate(service: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(service)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            require(scope, kwargs.get("actor"))
            return service(*args, **kwargs)

        return wrapper

    return decorate


# --- DRF throttles (settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]) ----------------------


class _Throttle(BaseThrottle):
    scope = ""

    def __init__(self) -> None:
        self.waiting = 0

    def ident(self, request: Request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Request, view: Any) -> bool:
        ident = self.ident(request)
        if ident is None:
            return True
        self.waiting = hit(self.scope, ident)
        return not self.waiting

    def wait(self) -> float | None:
        return self.waiting or None


class UserThrottle(_Throttle):
    """Requests of one signed-in user (``RATE_LIMITS["api_user"]``)."""

    scope = "api_user"

    def ident(self, request: Request) -> str | None:
        user = request.user
        return str(user.pk) if user and user.is_authenticated else None


class AddressThrottle(_Throttle):
    """Requests without a signed-in user from one client address (``RATE_LIMITS["api_anon"]``;
    the address as the login lockout counts it, behind ``TRUSTED_PROXY_COUNT`` proxies)."""

    scope = "api_anon"

    def ident(self, request: Request) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return client_address(request)


def client_address(request: Any) -> str:
    """The client's address: ``REMOTE_ADDR``, or behind ``TRUSTED_PROXY_COUNT`` proxies the
    address the outermost of them put into X-Forwarded-For (entries further left are the
    client's to invent)."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-proxies] if len(hops) >= proxies else remote
