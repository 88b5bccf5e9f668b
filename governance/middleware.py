"""Language selection: zh-hans unless the user chose another language.

Django's LocaleMiddleware falls back to the browser's Accept-Language, and office or headless
browsers often send English. Here only the user's explicit choice (the language cookie that
``django.views.i18n.set_language`` sets) counts; everything else gets ``LANGUAGE_CODE``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _


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
