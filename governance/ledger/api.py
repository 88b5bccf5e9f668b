"""``?format=xlsx`` / ``?format=csv`` on list endpoints (DESIGN §7).

DRF treats ``?format=`` as a renderer selector: content negotiation answers 404 for a format no
renderer offers, before the view runs. ``LedgerExportMixin`` offers the xlsx and csv renderers
for the exporting actions only (``list`` unless told otherwise), so ``?format=xlsx`` reaches
``list()``, which asks ``export_format()`` and answers the file itself (same queryset, same
filters and scope as the JSON, unpaginated); every other format, and every other action, is
negotiated as before (``?format=pdf`` stays a 404). A DRF ``Response`` produced under an export
renderer (a 400 for a bad filter, a 403, a 404) is rendered as JSON.

``ScopedListViewSet`` is the list endpoint built on it: the filters, the caller's rows, the
ledger or a page, and the list's schema, from a few declarations per viewset.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http.response import HttpResponseBase
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api import KeysetPagination, validated_query
from governance.keyset import Keyset
from governance.ledger.export import CSV, CSV_CONTENT_TYPE, XLSX, XLSX_CONTENT_TYPE

ModelT = TypeVar("ModelT", bound=Model)


class LedgerRenderer(BaseRenderer):
    """Selects a ledger format; the view answers the file itself. Should anything else reach
    the renderer, it is written as JSON (``LedgerExportMixin`` switches those responses to the
    JSON renderer before they get here)."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return JSONRenderer().render(data, JSONRenderer.media_type, renderer_context)


class XlsxRenderer(LedgerRenderer):
    media_type = XLSX_CONTENT_TYPE
    format = XLSX
    charset = None
    render_style = "binary"


class CsvRenderer(LedgerRenderer):
    media_type = "text/csv"
    format = CSV
    charset = "utf-8"


LEDGER_RENDERERS: tuple[type[LedgerRenderer], ...] = (XlsxRenderer, CsvRenderer)
assert CSV_CONTENT_TYPE.startswith(CsvRenderer.media_type)  # noqa: S101 - one media type


# The query parameters and responses of an exporting list, for ``@extend_schema``.
EXPORT_PARAMETERS = [
    OpenApiParameter(
        "format",
        str,
        enum=["json", XLSX, CSV],
        description=_(
            "xlsx: the ledger (台账) of the list's rows, unpaginated; csv: the same as UTF-8 "
            "with BOM. Exports of personal data are logged."
        ),
    ),
    OpenApiParameter(
        "reveal",
        bool,
        description=_(
            "With an export: ID numbers and phones in full, for roles that may reveal them "
            "(403 otherwise)."
        ),
    ),
]


def export_responses(page: Any) -> dict[Any, Any]:
    """``responses=`` of an exporting list: the JSON page (``page``, a ``many=True``
    serializer) or the file."""
    return {
        (200, JSONRenderer.media_type): page,
        (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
        (200, CsvRenderer.media_type): OpenApiTypes.STR,
    }


class ExportOptionsSerializer(serializers.Serializer[Any]):
    reveal = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("With format=xlsx or csv: ID numbers and phones in full (audited)."),
    )


class LedgerExportMixin(APIView):
    """Put first in a viewset's bases. Its ``list()`` then checks ``export_format()`` once the
    rows are filtered and, when it is set, returns the ledger's file response."""

    export_actions: tuple[str, ...] = ("list",)

    def get_renderers(self) -> list[BaseRenderer]:
        renderers = list(super().get_renderers())
        if getattr(self, "action", None) in self.export_actions:
            renderers += [renderer() for renderer in LEDGER_RENDERERS]
        return renderers

    def export_format(self) -> str | None:
        """``"xlsx"`` or ``"csv"`` when the request asked for a ledger, else None."""
        renderer = getattr(self.request, "accepted_renderer", None)
        return renderer.format if isinstance(renderer, LedgerRenderer) else None

    def export_reveal(self) -> bool:
        """``?reveal=1``: whether the caller asks for personal data in full (400 if garbled)."""
        options = ExportOptionsSerializer(data=self.request.query_params)
        options.is_valid(raise_exception=True)
        return bool(options.validated_data["reveal"])

    def finalize_response(  # type: ignore[override]
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        # The stubs say Response; DRF accepts any HttpResponseBase (a file response here).
        if isinstance(response, Response) and isinstance(
            getattr(request, "accepted_renderer", None), LedgerRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[arg-type]


class ScopedListViewSet(LedgerExportMixin, viewsets.GenericViewSet[ModelT]):
    """A viewset whose ``list`` is declared rather than written out: check the query string
    with ``filter_serializer`` (400 with field messages), take the caller's rows from
    ``rows()`` (the app's scoped selector), answer ``?format=xlsx|csv`` with ``export()``
    (the same rows, unpaginated), else one page of them through ``list_serializer`` (the
    viewset's ``serializer_class`` unless set) with ``list_context()``, plus
    ``list_extras()`` in the page's body. With ``pagination_class = KeysetPagination`` the
    page is read by cursor from ``pages()`` instead.

    The list's schema comes from the same declarations: ``list_parameters`` followed by the
    export parameters, and the JSON page or the file as responses. A ``list`` written in a
    subclass (to give the operation a docstring) gets the same schema."""

    filter_serializer: type[serializers.BaseSerializer[Any]]
    list_serializer: type[serializers.BaseSerializer[Any]] | None = None
    list_parameters: Sequence[OpenApiParameter] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "filter_serializer", None) is None:
            return  # a base of scoped lists, not a list
        page = cls._list_serializer_class()(many=True)
        extend_schema_view(
            list=extend_schema(
                parameters=[*cls.list_parameters, *EXPORT_PARAMETERS],
                responses=export_responses(page),
            )
        )(cls)

    @classmethod
    def _list_serializer_class(cls) -> type[serializers.BaseSerializer[Any]]:
        serializer_class = cls.list_serializer or cls.serializer_class
        assert serializer_class is not None  # noqa: S101 - a list names its serializer
        return serializer_class

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[ModelT]:
        """The rows the caller may see with these filters (a scoped selector)."""
        raise NotImplementedError

    def export(
        self, request: Request, file_format: str, filters: dict[str, Any], rows: QuerySet[ModelT]
    ) -> HttpResponseBase:
        """The ledger file of ``rows`` in ``file_format`` (``"xlsx"`` or ``"csv"``)."""
        raise NotImplementedError

    def list_context(self, request: Request) -> dict[str, Any]:
        """The context the page's rows are serialized with."""
        return self.get_serializer_context()

    def list_extras(self, request: Request, filters: dict[str, Any]) -> dict[str, Any]:
        """Keys added to the page's body beside the rows (a balance, a count)."""
        return {}

    def pages(self, request: Request, filters: dict[str, Any]) -> Keyset[ModelT]:
        """The same rows as ``rows()``, read a page at a time by cursor: for a viewset whose
        ``pagination_class`` is ``KeysetPagination`` (a list too long to count or to skip
        through with OFFSET)."""
        raise NotImplementedError

    # No docstring: the operation's description stays the viewset's.
    def list(self, request: Request) -> HttpResponseBase:
        filters = validated_query(request, self.filter_serializer)
        if file_format := self.export_format():
            return self.export(request, file_format, filters, self.rows(request, filters))
        page: list[ModelT] | None
        if isinstance(self.paginator, KeysetPagination):
            page = self.paginator.paginate_keyset(self.pages(request, filters), request)
        else:
            page = self.paginate_queryset(self.rows(request, filters))
        serializer = self._list_serializer_class()(
            page, many=True, context=self.list_context(request)
        )
        response = self.get_paginated_response(serializer.data)
        response.data.update(self.list_extras(request, filters))
        return response
