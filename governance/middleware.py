"""Request logging, language selection, security headers, and the pages of domain errors.

Language: zh-hans unless the user chose another language.

Django's LocaleMiddleware falls back to the browser's Accept-Language, and office or headless
browsers often send English. Here only the user's explicit choice (the language cookie that
``django.views.i18n.set_language`` sets) counts; everything else gets ``LANGUAGE_CODE``.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext as _

from governance.logs import log_context

request_logger = logging.getLogger("governance.request")

# An incoming X-Request-ID (from a load balancer or a client) is kept when it is a plain token;
# anything else is replaced, so a log line never carries what a client chose to inject.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_of(request: HttpRequest) -> str:
    incoming = request.headers.get("X-Request-ID", "")
    return incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def user_id_of(request: HttpRequest) -> int | None:
    """The id of the user the request was answered for, if the request looked it up: a lazy
    user nobody read is left alone (reading it would cost a query on every static file)."""
    user = request.__dict__.get("user")
    if user is None:
        return None
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:  # type: ignore[attr-defined]
        return None
    return user.pk if user.is_authenticated else None


class RequestLogMiddleware:
    """One log line a request: request id, user id, method, path (never the query string,
    which may hold search terms), status and duration. The request id comes from an incoming
    ``X-Request-ID`` or is made here; it is on every line logged while the request is answered
    and goes back in the response's ``X-Request-ID``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_of(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.monotonic()
        with log_context(request_id=request_id):
            response = self.get_response(request)
            duration_ms = round((time.monotonic() - started) * 1000, 1)
            request_logger.info(
                "%s %s %s %sms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "request_id": request_id,
                    "user_id": user_id_of(request),
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                },
            )
        response["X-Request-ID"] = request_id
        return response


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        with translation.override(language):  # restores the thread's language afterwards
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Cookie")
        return response


# What a page may load (no inline script without the request's nonce, no inline handler, no
# eval, nothing from another origin). Styles may be inline: the bars and maps set widths and
# custom properties in style attributes, and Leaflet and Swagger UI write styles.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; "
    "font-src 'self' data:; "
    "connect-src 'self'; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)
PERMISSIONS_POLICY = "camera=(self), geolocation=(self), microphone=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """Headers every dynamic answer carries (static files are answered by whitenoise before):

    * ``Content-Security-Policy`` with a fresh nonce per request (``request.csp_nonce``, which
      the templates put on their inline ``<script>`` blocks);
    * ``Cache-Control: private, no-store`` unless the view set its own: pages, API answers and
      exports hold personal data, and no browser or proxy cache may keep them (the login page
      and the health checks are ``never_cache`` already);
    * ``Permissions-Policy``: the camera and the position for this site only (photos and
      places of visits), nothing else.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault(
            "Content-Security-Policy", CONTENT_SECURITY_POLICY.format(nonce=nonce)
        )
        response.headers.setdefault("Cache-Control", "private, no-store")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class ApplicationErrorMiddleware:
    """Turn domain errors raised in page views into the right page (STYLE 5).

    Out of scope is a plain 404 (the row does not exist for this user), not allowed a 403,
    an illegal transition or bad input a 409/400 page with the message.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.http import Http404
        from django.template.response import TemplateResponse

        from governance.errors import ApplicationError, OutOfScope

        if isinstance(exception, OverflowError) and not request.path.startswith("/api/"):
            # A date or number out of range that a form let through: the client's input.
            return TemplateResponse(
                request,
                "error.html",
                {"message": _("A date or number is out of range."), "status": 400},
                status=400,
            ).render()
        if request.path.startswith("/api/") or not isinstance(exception, ApplicationError):
            return None
        if isinstance(exception, OutOfScope):
            raise Http404(str(exception.message)) from exception
        response = TemplateResponse(
            request,
            "error.html",
            {"message": exception.message, "status": exception.status_code},
            status=exception.status_code,
        )
        return response.render()
