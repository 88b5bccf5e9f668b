"""The lists: 诉求列表 (filters, overdue first), 部门待办 (a department's whistles, open first),
督办 (what an official should look after) and 疑难复杂 (the monthly review). Each answers
``?format=xlsx|csv`` with its ledger (scope and filters applied, every page)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from governance.errors import NotAllowed
from governance.keyset import emptied
from governance.replica import reads_from_replica
from governance.workflow import available_actions
from orgchart import policy
from orgchart.models import OrgUnit
from orgchart.pages import export_asked, keyset_page, query_string
from petitions import exports, selectors
from petitions.forms import (
    DispatchFilterForm,
    MonthForm,
    PetitionFilterForm,
    yes_no,
)
from petitions.models import Action, Dispatch
from petitions.selectors import DispatchSort
from petitions.views.shared import (
    LightBadge,
    dispatch_badge,
    petition_rows,
    require,
    reviews_complex_cases,
    supervises,
    unit_choices,
    within_filter,
)
from petitions.workflows import DISPATCH_WORKFLOW

LIST_FILTERS = (
    "q",
    "status",
    "category",
    "channel",
    "overdue",
    "supervised",
    "repeat",
    "complex",
    "here",
    "unit",
    "logged_from",
    "logged_to",
)


def _export(
    request: HttpRequest, within: OrgUnit | None, filters: dict[str, Any]
) -> exports.ExportRequest | None:
    asked = export_asked(request)
    if asked is None:
        return None
    # The petition ledger is never revealable: ``?reveal=1`` changes nothing.
    return exports.ExportRequest(
        user=request.user, file_format=asked.file_format, within=within, filters=filters
    )


@login_required
@reads_from_replica
def petition_list(request: HttpRequest) -> HttpResponseBase:
    """诉求列表: the petitions of the user's area, overdue first, then newest."""
    user = request.user
    filters = PetitionFilterForm(request.GET)
    filters.is_valid()  # the valid filters apply, the others show their errors
    within = within_filter(user, request.GET)
    anchor = getattr(user, "anchor_unit", None)
    here = bool(filters.value("here"))
    now = timezone.now()
    chosen = {
        "q": filters.value("q").strip(),
        "status": filters.value("status"),
        "category": filters.value("category"),
        "channel": filters.value("channel"),
        "overdue": yes_no(filters.value("overdue")),
        "supervised": yes_no(filters.value("supervised")),
        "repeat": yes_no(filters.value("repeat")),
        "complex": bool(filters.value("complex")),
        "here": here,
    }
    logged_from, logged_to = filters.logged_between()
    # The same filters for the ledger (every row) and the page (read by cursor).
    selected: dict[str, Any] = {
        "user": user,
        "within": within,
        "status": chosen["status"],
        "category": chosen["category"],
        "channel": chosen["channel"],
        "query": chosen["q"],
        "overdue": chosen["overdue"],
        "supervised": chosen["supervised"],
        "repeat": chosen["repeat"],
        "complex_only": chosen["complex"],
        "handled_by": anchor if here else None,
        "created_from": logged_from,
        "created_to": logged_to,
        "now": now,
    }
    # "Only cases my unit must act on" holds nothing for a role anchored at no unit.
    nothing = here and anchor is None
    export = _export(request, within, {**chosen, "unit": within})
    if export is not None:
        petitions = selectors.petition_list_visible(**selected)
        return exports.petition_export(export, petitions.none() if nothing else petitions)
    listed = selectors.petition_pages(**selected)
    page = keyset_page(request, emptied(listed) if nothing else listed)
    context = {
        "filters_form": filters,
        "filtered": bool(within)
        or bool(logged_from or logged_to)
        or any(value not in ("", None, False) for value in chosen.values()),
        # Filters besides the search are folded away on a phone unless one is in use.
        "advanced": bool(within)
        or bool(logged_from or logged_to)
        or bool(filters.errors)
        or any(value not in ("", None, False) for key, value in chosen.items() if key != "q"),
        "within": within,
        "units": unit_choices(user),
        "page": page,
        "rows": petition_rows(page.object_list, now=now),
        "filters": query_string(request, *LIST_FILTERS),
        "may_act_here": anchor is not None,
        "nav_section": "petitions",
        "petition_section": "list",
    }
    return render(request, "petitions/list.html", context)


# --- 督办 and 疑难复杂 ------------------------------------------------------------------------


@dataclass(frozen=True)
class SupervisionRow:
    petition: Any
    badge: LightBadge
    reasons: list[str]


@login_required
def supervision(request: HttpRequest) -> HttpResponseBase:
    """督办: the open petitions below an official that are overdue, escalated, repeated or
    already supervised, overdue first."""
    user = request.user
    require(supervises(user))
    within = within_filter(user, request.GET)
    now = timezone.now()
    export = _export(request, within, {"supervision": True, "unit": within})
    if export is not None:
        petitions = selectors.supervision_list(user=user, within=within, now=now)
        return exports.petition_export(export, petitions)
    page = keyset_page(request, selectors.supervision_pages(user=user, within=within, now=now))
    rows = [
        SupervisionRow(row.petition, row.badge, _reasons(row.petition))
        for row in petition_rows(page.object_list, now=now)
    ]
    context = {
        "within": within,
        "units": unit_choices(user),
        "page": page,
        "rows": rows,
        "filters": query_string(request, "unit"),
        "nav_section": "petitions",
        "petition_section": "supervision",
    }
    return render(request, "petitions/supervision.html", context)


def _reasons(petition: Any) -> list[str]:
    """Why a case is on the supervision list (the keys the template words)."""
    reasons = []
    if petition.is_overdue:
        reasons.append("overdue")
    if petition.escalation_level:
        reasons.append("escalated")
    if petition.is_repeat:
        reasons.append("repeat")
    if petition.is_supervised:
        reasons.append("supervised")
    return reasons


def _month_bounds(first: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start, timezone.make_aware(dt.datetime.combine(following, dt.time.min))


@login_required
def complex_cases(request: HttpRequest) -> HttpResponseBase:
    """疑难复杂: the cases tagged complex, logged in a month (this month unless told; blank: every
    month), for the monthly review (解剖麻雀)."""
    user = request.user
    require(reviews_complex_cases(user))
    now = timezone.now()
    data = request.GET.copy()
    if "month" not in data:
        data["month"] = timezone.localdate(now).strftime("%Y-%m")
    month_form = MonthForm(data)
    month_form.is_valid()
    first = month_form.cleaned_data.get("month")
    within = within_filter(user, request.GET)
    bounds = _month_bounds(first) if first else (None, None)
    selected: dict[str, Any] = {
        "user": user,
        "within": within,
        "complex_only": True,
        "created_from": bounds[0],
        "created_to": bounds[1],
        "now": now,
    }
    export = _export(request, within, {"complex": True, "month": first, "unit": within})
    if export is not None:
        petitions = selectors.petition_list_visible(**selected)
        return exports.petition_export(export, petitions)
    page = keyset_page(request, selectors.petition_pages(**selected))
    context = {
        "month_form": month_form,
        "month": first,
        "within": within,
        "units": unit_choices(user),
        "page": page,
        "rows": petition_rows(page.object_list, now=now),
        "filters": query_string(request, "month", "unit"),
        "nav_section": "petitions",
        "petition_section": "complex",
    }
    return render(request, "petitions/complex.html", context)


# --- 部门待办 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxRow:
    dispatch: Dispatch
    badge: LightBadge
    actions: list[str]


# The quick actions of the inbox, and the form each posts.
INBOX_ACTIONS = (Action.REPORT, Action.COMPLETE, Action.RETURN)


def _inbox_actions(user: Any, dispatch: Dispatch, now: dt.datetime) -> list[str]:
    """The quick actions the user may take on a row, without a query per row: the rows come
    from the user's own scoped list, so only the workflow's table and guards and the role's
    rule remain to ask (``policy.role_may``)."""
    return available_actions(
        DISPATCH_WORKFLOW,
        dispatch,
        user,
        now=now,
        actions=INBOX_ACTIONS,
        permitted=lambda user, obj, names: {
            name for name in names if policy.role_may(user, name, obj)
        },
    )


@login_required
def inbox(request: HttpRequest) -> HttpResponseBase:
    """部门待办: the whistles to the handler's department, open ones first by their deadline
    (or the newest whistle first), searched by the petition's number, title or address."""
    user = request.user
    filters = DispatchFilterForm(request.GET)
    filters.is_valid()  # the valid filters apply, the others show their errors
    status = filters.cleaned_data.get("status") or ""
    overdue = bool(filters.cleaned_data.get("overdue"))
    query = (filters.cleaned_data.get("q") or "").strip()
    sort = filters.cleaned_data.get("sort") or DispatchSort.DEADLINE
    department_id = getattr(user, "anchor_department_id", None)
    if department_id is None and not getattr(user, "is_superuser", False):
        raise NotAllowed()
    selected: dict[str, Any] = {
        "user": user,
        "department_id": department_id,
        "status": status,
        "overdue": overdue,
        "query": query,
        "sort": sort,
    }
    export = _export(
        request, None, {"status": status, "overdue": overdue, "q": query, "sort": sort}
    )
    if export is not None:
        return exports.dispatch_export(export, selectors.dispatch_list_visible(**selected))
    now = timezone.now()
    page = keyset_page(request, selectors.dispatch_pages(**selected))
    rows = [
        InboxRow(dispatch, dispatch_badge(dispatch, now=now), _inbox_actions(user, dispatch, now))
        for dispatch in page.object_list
    ]
    context = {
        "filters_form": filters,
        "status": status,
        "overdue": overdue,
        "filtered": bool(status or overdue or query or sort != DispatchSort.DEADLINE),
        "page": page,
        "rows": rows,
        "filters": query_string(request, "q", "status", "overdue", "sort"),
        "nav_section": "petitions",
        "petition_section": "inbox",
    }
    return render(request, "petitions/inbox.html", context)
