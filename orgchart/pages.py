"""Helpers every list page uses: pagination (by page number, or by cursor for the lists too long
to count: ``keyset_page``), the filters kept in links, ``?format=`` exports, and a search box
that keeps whole ID or phone numbers out of URLs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _

from governance.identity import normalise
from governance.keyset import CURSOR_PARAMETER, InvalidCursor, Keyset, KeysetPage, read_page
from governance.ledger.export import FORMATS as EXPORT_FORMATS
from governance.pii import mask_middle

PAGE_SIZE = 50


def paginate(request: HttpRequest, rows: QuerySet[Any]) -> Page[Any]:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


ModelT = TypeVar("ModelT", bound=Model)


def keyset_page(request: HttpRequest, keyset: Keyset[ModelT]) -> KeysetPage[ModelT]:
    """The page of ``keyset`` that ``?cursor=`` points to (the first without one). A cursor
    this list did not hand out (a cut or edited link) shows the first page and says so."""
    token = request.GET.get(CURSOR_PARAMETER, "")
    try:
        return read_page(keyset, token, size=PAGE_SIZE)
    except InvalidCursor:
        messages.warning(request, _("That page link was not valid; here is the first page."))
        return read_page(keyset, "", size=PAGE_SIZE)


def query_string(request: HttpRequest, *keep: str) -> str:
    """The filters of the current list (not the page number), for the pagination links."""
    params = request.GET.copy()
    for key in list(params):
        if key not in keep or not params.get(key):
            del params[key]
    return params.urlencode()


@dataclass(frozen=True)
class ExportAsked:
    file_format: str
    reveal: bool


def export_asked(request: HttpRequest) -> ExportAsked | None:
    """``?format=xlsx|csv`` (and ``?reveal=1``) on a list page; an unknown format is a 404,
    as in the API."""
    file_format = request.GET.get("format", "")
    if not file_format:
        return None
    if file_format not in EXPORT_FORMATS:
        raise Http404
    return ExportAsked(file_format, request.GET.get("reveal", "") in ("1", "true", "on", "yes"))


def is_whole_number(query: str) -> bool:
    """A whole ID, phone or other long number: kept out of URLs, logs and the page."""
    return bool(re.search(r"[0-9]{7,}", normalise(query)))


def masked_query(query: str) -> str:
    text = normalise(query)
    return mask_middle(text[:6] if len(text) >= 15 else text[:3], text[-4:], len(text))


@dataclass(frozen=True)
class ListSearch:
    """The search of a list page. Searches for a whole ID or phone number are POSTed and
    answered directly, so the number never appears in a URL (address bar, history, access
    logs) nor in the page; every other search is redirected to a plain GET URL."""

    data: QueryDict
    query: str
    masked_query: str
    redirect_to: str | None


def list_search(request: HttpRequest, keep: tuple[str, ...]) -> ListSearch:
    if request.method != "POST":
        data = request.GET
        query = data.get("q", "").strip()[:50]
    else:
        data = request.POST
        query = data.get("q", "").strip()[:50]
        if not is_whole_number(query):
            params = {key: data[key] for key in keep if data.get(key, "").strip()}
            target = f"{request.path}?{urlencode(params)}" if params else request.path
            return ListSearch(data, query, "", target)
    if is_whole_number(query):
        shown = data.copy()
        shown["q"] = ""
        return ListSearch(shown, query, masked_query(query), None)
    return ListSearch(data, query, "", None)
