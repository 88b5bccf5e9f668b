"""Infrastructure pages: health check, and the answer to a request Django cannot read."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import defaults
from django.views.decorators.http import require_GET

from governance.errors import bad_request_message
from governance.models import Heartbeat


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database reachable, and when the worker last proved alive (through beat)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    heartbeat = Heartbeat.objects.filter(name="worker").first()
    age = (timezone.now() - heartbeat.beat_at).total_seconds() if heartbeat else None
    worker_ok = age is not None and age < 3 * settings.HEARTBEAT_INTERVAL_SECONDS
    return JsonResponse(
        {
            "database": "ok",
            "worker": "ok" if worker_ok else "stale",
            "worker_heartbeat_at": heartbeat.beat_at.isoformat() if heartbeat else None,
        }
    )


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
        # bare 400 of Django is still an answer, and a 500 would not be.
        return defaults.bad_request(request, exception)
