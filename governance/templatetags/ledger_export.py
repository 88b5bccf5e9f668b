"""Links to the ledger (台账) of the list a page shows: the current URL and query string with
``format=xlsx`` or ``format=csv`` (and ``reveal=1`` for the full version), without the page
number or cursor, since an export holds every page."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

DROPPED = ("page", "cursor", "format", "reveal")


@register.simple_tag(takes_context=True)
def ledger_export_url(context: dict[str, Any], file_format: str, reveal: bool = False) -> str:
    request = context["request"]
    params = request.GET.copy()
    for key in DROPPED:
        params.pop(key, None)
    params["format"] = file_format
    if reveal:
        params["reveal"] = "1"
    return f"{request.path}?{params.urlencode()}"
