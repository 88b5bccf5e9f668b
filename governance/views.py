"""Infrastructure pages: health check."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import connection
from django.http import HttpRequest, HttpResponsePermanentRedirect, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

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
