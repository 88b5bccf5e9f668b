"""Infrastructure pages: liveness, readiness, the favicon."""

from __future__ import annotations

from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

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
