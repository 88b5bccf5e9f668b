"""Infrastructure pages: liveness, readiness, the favicon, and the answer to a request Django
cannot read."""

from __future__ import annotations

from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from governance.errors import bad_request_message
from governance.health import readiness


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the web process answers. Touches nothing else (no database), so a slow
    database never gets healthy web processes restarted."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness (anonymous, for monitoring): 200 with the figures when the database and the
    broker answer and the worker and the escalation sweep are recent, else 503 naming what
    failed (``governance.health``)."""
    result = readiness()
    return JsonResponse(result.as_json(), status=200 if result.ok else 503)


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico whatever the page links: send them to the icon."""
    return HttpResponsePermanentRedirect(staticfiles_storage.url("favicon.svg"))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler400``: a request Django refused while reading it (a body over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``, too many fields or files, malformed multipart data, a
    suspicious header). The API answers JSON with ``detail``; pages the app's error page."""
    message = bad_request_message(exception)
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    try:
        return render(request, "error.html", {"message": message, "status": 400}, status=400)
    except Exception:
        # The page needs the request (its host, the user); should that be what is broken, the
        # reason as plain text is still an answer, and a 500 would not be.
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a form sent without a valid CSRF token (a page left open past
    the session, a form posted from another site). Said in the user's language on the app's
    error page (JSON under /api/), with what to do; Django's own page is English and technical."""
    message = _(
        "The form could not be accepted: the page was open too long or came from elsewhere. "
        "Reload the page and send it again."
    )
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": str(message)}, status=403)
    return render(request, "error.html", {"message": message, "status": 403}, status=403)
