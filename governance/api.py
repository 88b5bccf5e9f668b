"""Shared API plumbing: the error mapping (STYLE 5), pagination, query validation and
workflow step actions. The scoped list endpoint (``ScopedListViewSet``) is in
``governance.ledger.api``: DRF's settings import this module, which must therefore not import
DRF's generic views."""

from __future__ import annotations

import datetime as dt
import mimetypes
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from django.http import FileResponse, Http404
from django.http.response import HttpResponseBase
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from governance.errors import ApplicationError, OutOfScope, bad_request_message
from governance.keyset import COUNT_CAP, CURSOR_PARAMETER, Keyset, KeysetPage, read_page

ModelT = TypeVar("ModelT", bound=Model)

# Dates a client may send: a calendar of this era. A year 1 or 9999 would overflow when Django
# or the database converts it to UTC, which must be a 400, never a 500.
EARLIEST_DAY = dt.date(1900, 1, 1)
LATEST_DAY = dt.date(2099, 12, 31)
OUT_OF_RANGE = _("Give a date between %(earliest)s and %(latest)s.")
OVERFLOW = _("A date or number is out of range.")
BAD_PAGE = _("Give a page number from 1, or last.")


class DayField(serializers.DateField):
    """A date between ``earliest`` and ``latest`` (1900–2099 unless narrowed)."""

    default_error_messages = {"range": OUT_OF_RANGE}

    def __init__(
        self, *, earliest: dt.date = EARLIEST_DAY, latest: dt.date = LATEST_DAY, **kwargs: Any
    ) -> None:
        self.earliest, self.latest = earliest, latest
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> dt.date:
        day = super().to_internal_value(value)
        if not self.earliest <= day <= self.latest:
            self.fail("range", earliest=self.earliest.year, latest=self.latest.year)
        return day


class MomentField(serializers.DateTimeField):
    """A date and time between ``earliest`` and ``latest`` (local time when no offset is
    given)."""

    default_error_messages = {"range": OUT_OF_RANGE}

    def __init__(
        self, *, earliest: dt.date = EARLIEST_DAY, latest: dt.date = LATEST_DAY, **kwargs: Any
    ) -> None:
        self.earliest, self.latest = earliest, latest
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> dt.datetime:
        try:
            moment = super().to_internal_value(value)
        except OverflowError:  # DRF converts year 1 or 9999 to UTC to check the zone
            self.fail("range", earliest=self.earliest.year, latest=self.latest.year)
        if not self.earliest <= moment.date() <= self.latest:
            self.fail("range", earliest=self.earliest.year, latest=self.latest.year)
        return moment


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_number(self, request: Request, paginator: Any) -> Any:
        """``?page=`` is a whole number from 1, or ``last``; anything else is a 400 with a
        field message, like a bad filter (a page past the end stays DRF's 404)."""
        number = super().get_page_number(request, paginator)
        if isinstance(number, str) and not re.fullmatch(r"0*[1-9][0-9]*", number):
            raise serializers.ValidationError({self.page_query_param: [str(BAD_PAGE)]})
        return number


class KeysetPagination(BasePagination):
    """The pages of a list read by cursor (``governance.keyset``; the viewset's ``pages()``):
    ``?cursor=`` from the ``next`` or ``previous`` link of the answer before (400 for a cursor
    the list did not hand out), ``?page_size=`` as with page numbers. The answer holds
    ``count`` (exact up to 1,000 rows; ``count_exact`` false past that), ``next``, ``previous``
    and ``results``."""

    page_size_query_param = Pagination.page_size_query_param
    max_page_size = Pagination.max_page_size

    def __init__(self) -> None:
        self.page: KeysetPage[Any] | None = None
        self.request: Request | None = None

    def get_page_size(self, request: Request) -> int:
        # As with page numbers: up to 500, and the default for a size that is no number.
        size = Pagination().get_page_size(request)
        assert size is not None  # noqa: S101 - the settings set PAGE_SIZE
        return size

    def paginate_keyset(self, keyset: Keyset[ModelT], request: Request) -> list[ModelT]:
        self.request = request
        token = request.query_params.get(CURSOR_PARAMETER, "")
        self.page = read_page(keyset, token, size=self.get_page_size(request))
        return self.page.object_list

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        raise NotImplementedError("a list read by cursor pages its keyset: paginate_keyset()")

    def _link(self, token: str | None) -> str | None:
        if token is None or self.request is None:
            return None
        return replace_query_param(self.request.build_absolute_uri(), CURSOR_PARAMETER, token)

    def get_paginated_response(self, data: Any) -> Response:
        page = self.page
        assert page is not None  # noqa: S101 - paginate_keyset ran
        return Response(
            {
                "count": page.count,
                "count_exact": page.count_exact,
                "next": self._link(page.next_cursor),
                "previous": self._link(page.previous_cursor),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["count", "count_exact", "next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "description": str(
                        _("The rows of the list, counted up to %(cap)s.") % {"cap": COUNT_CAP}
                    ),
                },
                "count_exact": {
                    "type": "boolean",
                    "description": str(
                        _("False when the list holds more rows than count says (%(cap)s+).")
                        % {"cap": COUNT_CAP}
                    ),
                },
                "next": {**link, "description": str(_("The next page; null on the last."))},
                "previous": {
                    **link,
                    "description": str(_("The page before; null on the first.")),
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": CURSOR_PARAMETER,
                "required": False,
                "in": "query",
                "description": str(
                    _(
                        "Where the page starts: the cursor of a next or previous link (opaque; "
                        "400 if changed). None: the first page."
                    )
                ),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": str(
                    _("Rows per page (at most %(most)s).") % {"most": self.max_page_size}
                ),
                "schema": {"type": "integer"},
            },
        ]


def _django_validation_detail(error: DjangoValidationError) -> Any:
    if hasattr(error, "error_dict"):
        return {
            field: [str(m) for e in errors for m in e.messages]
            for field, errors in error.error_dict.items()
        }
    return {"detail": [str(m) for m in error.messages]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map domain errors to HTTP once: 400 fields, 403 not allowed, 404 out of scope, 409 state."""
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"detail": str(exc.message)}
        body.update({field: [str(m) for m in messages] for field, messages in exc.fields.items()})
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        return Response(_django_validation_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, SuspiciousOperation):
        # Refused by Django while reading the request (a body over DATA_UPLOAD_MAX_MEMORY_SIZE,
        # too many fields or files): the client's to fix, answered as JSON.
        return Response({"detail": bad_request_message(exc)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, OverflowError):
        # A value that slipped past a field's range check (a date converted to UTC, a number
        # too large for the database): the client's input, so a 400.
        return Response({"detail": str(OVERFLOW)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)


def validated_query(request: Request, serializer_class: type) -> dict[str, Any]:
    """Validate query parameters like a body: a bad value is a 400 with field messages."""
    serializer = serializer_class(data=request.query_params, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def step_action(
    service: Callable[..., Any],
    body: type[serializers.Serializer[Any]],
    *,
    name: str,
    target: str,
    answer: Callable[[Request, int], Response],
    answer_serializer: type[serializers.Serializer[Any]],
    doc: str,
    url_path: str | None = None,
    url_name: str | None = None,
    defaults: Mapping[str, Any] | None = None,
    request_schema: Any = None,
) -> Callable[..., Response]:
    """A viewset's POST action for one workflow step, declared instead of written out: load the
    object through the viewset's scoped ``get_object`` (404 outside scope), check the body with
    ``body`` (400 with field messages), call ``service(actor=…, <target>=obj,
    expected_version=…, **fields)`` (403 / 409 from the service), answer with ``answer``.

    ``defaults`` fills fields a client may leave out that the service needs;
    ``request_schema`` documents the body per media type where it differs from ``body``."""

    def step(self: Any, request: Request, pk: str) -> Response:
        obj = self.get_object()
        serializer = body(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        fields = {**(defaults or {}), **serializer.validated_data}
        version = fields.pop("version", None)
        service(actor=request.user, **{target: obj}, expected_version=version, **fields)
        return answer(request, obj.pk)

    step.__name__ = step.__qualname__ = name
    step.__doc__ = doc
    routed = action(detail=True, methods=["post"], url_path=url_path, url_name=url_name)(step)
    return extend_schema(request=request_schema or body, responses={200: answer_serializer})(routed)


def step_actions(
    *,
    target: str,
    answer: Callable[[Request, int], Response],
    answer_serializer: type[serializers.Serializer[Any]],
) -> Callable[..., Callable[..., Response]]:
    """``step_action`` with one viewset's object and answer filled in:
    ``_step = step_actions(target="petition", answer=…, answer_serializer=…)``, then
    ``accept = _step(services.petition_accept, NoteSerializer, "accept", "受理: …")``."""

    def declare(
        service: Callable[..., Any],
        body: type[serializers.Serializer[Any]],
        name: str,
        doc: str,
        **options: Any,
    ) -> Callable[..., Response]:
        return step_action(
            service,
            body,
            name=name,
            target=target,
            answer=answer,
            answer_serializer=answer_serializer,
            doc=doc,
            **options,
        )

    return declare


class PrivateFileRenderer(BaseRenderer):
    """Lets a client ask for a stored file with any ``Accept``; the view answers the file
    itself, and anything else (a 404, a 400) is written as JSON (``PrivateFileMixin``)."""

    media_type = "*/*"
    format = "file"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return JSONRenderer().render(data, JSONRenderer.media_type, renderer_context)


class ImageRenderer(PrivateFileRenderer):
    """A photo, asked for with ``Accept: image/…``."""

    media_type = "image/*"
    format = "image"


class PrivateFileMixin(APIView):
    """For a viewset with a file action: an answer that is not the file (a 404, a 400) goes
    out as JSON even when the client asked for a file."""

    def finalize_response(  # type: ignore[override]
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if isinstance(response, Response) and isinstance(
            getattr(request, "accepted_renderer", None), PrivateFileRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[arg-type]


def private_file_response(
    stored: Any,
    *,
    download_name: str | None = None,
    content_type: str | None = None,
    cache_control: str = "private, max-age=3600",
) -> FileResponse:
    """A stored file (a ``FieldFile``) for a caller the view has already checked, pages and
    API alike. A row whose file is gone (a restored database) or that has none is a 404, not
    a 500. The type is ``content_type`` when the caller read it from the content, else
    guessed from the name; ``download_name`` makes the browser save it under that name
    instead of showing it. Browsers never sniff another type into it (``nosniff``)."""
    content_type = content_type or mimetypes.guess_type(download_name or stored.name)[0]
    try:
        stream = stored.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise OutOfScope() from error
    response = FileResponse(
        stream,
        content_type=content_type or "application/octet-stream",
        as_attachment=download_name is not None,
        filename=download_name or "",
    )
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response
