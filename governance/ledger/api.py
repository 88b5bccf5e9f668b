"""``?format=xlsx`` / ``?format=csv`` on list endpoints (DESIGN §7).

DRF treats ``?format=`` as a renderer selector: content negotiation answers 404 for a format no
renderer offers, before the view runs. ``LedgerExportMixin`` offers the xlsx and csv renderers
for the exporting actions only (``list`` unless told otherwise), so ``?format=xlsx`` reaches
``list()``, which asks ``export_format()`` and answers the file itself (same queryset, same
filters and scope as the JSON, unpaginated); every other format, and every other action, is
negotiated as before (``?format=pdf`` stays a 404). A DRF ``Response`` produced under an export
renderer (a 400 for a bad filter, a 403, a 404) is rendered as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http.response import HttpResponseBase
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.ledger.export import CSV, CSV_CONTENT_TYPE, XLSX, XLSX_CONTENT_TYPE


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
