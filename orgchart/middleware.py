"""The first-login gate: an account on a one-time password may only change it (DESIGN §6).

``PasswordChangeRequiredMiddleware`` stops session users (pages and the session-authenticated
API); ``PasswordChanged`` does the same for token clients, whom DRF authenticates only inside
the view. Both let through what is needed to change the password and to leave.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

API_PREFIX = "/api/"
# What an account on a one-time password may still call in the API: read who it is, change
# the password, and log in (a token client then changes its password with that token).
API_ALLOWED = {
    ("GET", "/api/users/me/"),
    ("HEAD", "/api/users/me/"),
    ("POST", "/api/users/me/password/"),
    ("POST", "/api/auth/token/"),
}


def must_change_password(user: Any) -> bool:
    return bool(
        user is not None and user.is_authenticated and getattr(user, "must_change_password", False)
    )


def api_request_allowed(method: str, path: str) -> bool:
    return (method.upper(), path) in API_ALLOWED


def password_first_message() -> str:
    return _(
        "You must change your password first: send your current and a new password to "
        "/api/users/me/password/."
    )


class PasswordChangeRequiredMiddleware:
    """Redirect a user with ``must_change_password`` to the password page; 403 JSON in the API.

    Passes the password page itself, logout, static files, the language switch and the
    health checks.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if must_change_password(getattr(request, "user", None)):
            blocked = self.blocked_response(request)
            if blocked is not None:
                return blocked
        return self.get_response(request)

    def blocked_response(self, request: HttpRequest) -> HttpResponse | None:
        path = request.path_info
        if path.startswith(API_PREFIX):
            if api_request_allowed(request.method or "GET", path):
                return None
            return JsonResponse({"detail": password_first_message()}, status=403)
        change_url = reverse("password_change")
        passed = (
            change_url,
            reverse("logout"),
            reverse("set_language"),
            reverse("healthz"),
            reverse("readyz"),
        )
        if path in passed or path.startswith(settings.STATIC_URL or "/static/"):
            return None
        if request.method == "GET":
            return redirect(f"{change_url}?{urlencode({'next': request.get_full_path()})}")
        return redirect(change_url)


class PasswordChanged(BasePermission):
    """DRF permission: a token client on a one-time password may only change it."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if not must_change_password(request.user):
            return True
        if api_request_allowed(request.method, request.path_info):
            return True
        self.message = password_first_message()
        return False
