"""Household search and the households ledger (住户台账), the household page, its forms."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance.errors import ValidationFailed
from grids import exports, selectors, services
from grids.forms import HouseholdFilterForm, HouseholdForm, HouseholdMoveForm
from grids.models import Grid, Household
from grids.views.shared import (
    HOUSEHOLD_VISITS,
    RELATION_ORDER,
    error_text,
    export_request,
    form_status,
    grid_choices,
    grid_filter,
    household_rows,
    import_allowed,
    is_grid_worker,
    resident_rows,
    searched,
    unit_choices,
    with_head,
    within_filter,
)
from orgchart import policy
from orgchart import selectors as org_selectors
from orgchart.forms import add_service_errors
from orgchart.models import OrgUnit
from orgchart.pages import export_asked, list_search, paginate, query_string

HOUSEHOLD_SORTS: dict[str, tuple[Any, ...]] = {
    "address": ("grid__community_id", "grid__code", "grid__name", "address", "id"),
    "head": (F("head_pinyin").asc(nulls_last=True), "address", "id"),
    "visited": (F("last_visit_at").asc(nulls_first=True), "address", "id"),
}


@login_required
def household_list(request: HttpRequest) -> HttpResponseBase:
    """住户台账 and household search: by name, pinyin initials, room, address or the visible
    digits of an ID; filters by grid, unit and tenure; sorted by address, by the head's name
    in pinyin, or by the longest time since a visit."""
    user = request.user
    keep = ("q", "grid", "unit", "tenure", "sort", "unvisited", "care")
    listed = list_search(request, keep=keep)
    if listed.redirect_to:
        return redirect(listed.redirect_to)
    filters = HouseholdFilterForm(listed.data)
    filters.is_valid()  # the valid filters apply, the others show their errors
    data = filters.cleaned_data
    tenure, sort = data.get("tenure", ""), data.get("sort", "")
    unvisited, care = data.get("unvisited"), bool(data.get("care"))
    asked = export_asked(request) if request.method == "GET" else None
    grid = grid_filter(user, listed.data)
    within = within_filter(user, listed.data)
    query = listed.query
    households = searched(
        filters,
        lambda: selectors.household_list_visible(
            user=user,
            within=within,
            grid=grid,
            tenure=tenure,
            query=query,
            unvisited_days=unvisited,
            care_only=care,
        ),
        Household.objects.none(),
    )
    households = with_head(households)
    households = households.order_by(*HOUSEHOLD_SORTS.get(sort, HOUSEHOLD_SORTS["address"]))
    if asked is not None:
        return exports.household_export(
            export_request(
                user,
                asked,
                within or (grid.community if grid else None),
                {"q": query, "grid": grid, "unit": within, "tenure": tenure},
            ),
            households,
        )
    page = paginate(request, households)
    rows = household_rows(user, page.object_list)
    may_visit = bool(rows) and policy.can(user, "household.visit", rows[0].household)
    context = {
        "filters_form": filters,
        "query": query,
        "masked_query": listed.masked_query,
        "filtered": bool(query or grid or within or tenure or unvisited or care),
        "grid": grid,
        "within": within,
        "page": page,
        "rows": rows,
        "may_visit": may_visit,
        "grids": grid_choices(user),
        "units": [] if is_grid_worker(user) else unit_choices(user),
        "filters": "" if listed.masked_query else query_string(request, *keep),
        "can_import": import_allowed(user, "households"),
        "nav_section": "grids",
        "watermark": True,
    }
    return render(request, "grids/household_list.html", context)


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """户: the residents (masked, with the audited reveal), care tags, 人户分离, the restricted
    tags behind an audited "show", and the visit history with photos."""
    user = request.user
    household = selectors.household_get(user=user, pk=pk)
    residents = sorted(
        selectors.resident_list_visible(user=user, household=household, current=None),
        key=lambda r: (
            r.moved_out_on is not None,
            RELATION_ORDER.get(r.relation, 99),
            r.person.name_pinyin,
        ),
    )
    current = [resident for resident in residents if resident.moved_out_on is None]
    actions = policy.actions_for(
        user, household, ["household.change", "household.add_resident", "household.visit"]
    )
    first = current[0] if current else None
    context = {
        "household": household,
        "current": resident_rows(user, current),
        "moved_out": resident_rows(user, residents[len(current) :]),
        "visits": list(
            selectors.visit_list_visible(user=user, household=household).prefetch_related("photos")[
                :HOUSEHOLD_VISITS
            ]
        ),
        "can_change": "household.change" in actions,
        "can_add_resident": "household.add_resident" in actions,
        "can_visit": "household.visit" in actions,
        # Role-level rights, the same for every current resident of a visible household.
        "can_reveal": first is not None and policy.can(user, "person.reveal", first.person),
        "can_reveal_restricted": first is not None
        and policy.can(user, "resident.reveal_restricted", first),
        "nav_section": "grids",
        "watermark": True,
    }
    response = render(request, "grids/household_detail.html", context)
    # A revealed value lands in this page's DOM: keep it out of the back-forward cache.
    response["Cache-Control"] = "no-store"
    return response


def _buildings(user: Any, grid: Grid) -> QuerySet[OrgUnit]:
    return (
        org_selectors.orgunit_list_visible(user=user, within=grid.community)
        .filter(kind=OrgUnit.Kind.BUILDING)
        .select_related("parent")
    )


@login_required
def household_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a dwelling in a basic grid."""
    user = request.user
    grid = selectors.grid_get(user=user, pk=pk)
    policy.require(user, "grid.add_household", grid)
    form = HouseholdForm(request.POST or None, buildings=_buildings(user, grid))
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_create(actor=user, grid=grid, **form.changes())
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The household has been recorded."))
            return redirect("grids:household", pk=household.pk)
    context = {
        "form": form,
        "grid": grid,
        "title": _("Add a household"),
        "cancel_url": reverse("grids:grid", args=[grid.pk]),
        "nav_section": "grids",
    }
    return render(request, "grids/household_form.html", context, status=form_status(form))


LOCATION_FIELDS = ("building", "building_label", "entrance", "room")


@login_required
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a dwelling's description. A changed building or room makes a new address unless
    the address was changed too; a blanked address is made anew."""
    user = request.user
    household = selectors.household_get(user=user, pk=pk)
    policy.require(user, "household.change", household)
    initial = {
        "building": household.building_id,
        "building_label": household.building_label,
        "entrance": household.entrance,
        "room": household.room,
        "address": household.address,
        "floor_area": household.floor_area,
        "tenure": household.tenure,
        "notes": household.notes,
    }
    form = HouseholdForm(
        request.POST or None, initial=initial, buildings=_buildings(user, household.grid)
    )
    if request.method == "POST" and form.is_valid():
        data = form.changes()
        changes = {field: data[field] for field in form.changed_data}
        if "address" in changes and not changes["address"].strip():
            del changes["address"]
            for field in LOCATION_FIELDS:
                changes.setdefault(field, data[field])
        try:
            services.household_update(actor=user, household=household, **changes)
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("grids:household", pk=household.pk)
    move_form = None
    if policy.can(user, "household.move", household):
        move_form = HouseholdMoveForm(
            initial={"grid": household.grid_id}, grids=_move_targets(user, household)
        )
    context = {
        "form": form,
        "move_form": move_form,
        "household": household,
        "grid": household.grid,
        "title": _("Edit %(address)s") % {"address": household.address},
        "cancel_url": reverse("grids:household", args=[household.pk]),
        "nav_section": "grids",
    }
    return render(request, "grids/household_form.html", context, status=form_status(form))


def _move_targets(user: Any, household: Household) -> QuerySet[Grid]:
    return (
        selectors.grid_list_visible(user=user, kind=Grid.Kind.BASIC)
        .filter(community_id=household.community_id)
        .order_by("code", "name", "id")
    )


@require_POST
@login_required
def household_move(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Move a household to another basic grid of its community (regridding)."""
    user = request.user
    household = selectors.household_get(user=user, pk=pk)
    policy.require(user, "household.move", household)
    form = HouseholdMoveForm(request.POST, grids=_move_targets(user, household))
    if not form.is_valid():
        messages.error(request, _("Choose a basic grid of this community."))
        return redirect("grids:household_edit", pk=household.pk)
    try:
        services.household_move(actor=user, household=household, grid=form.cleaned_data["grid"])
    except ValidationFailed as error:
        messages.error(request, error_text(error))
        return redirect("grids:household_edit", pk=household.pk)
    messages.success(
        request, _("The household now belongs to %(grid)s.") % {"grid": form.cleaned_data["grid"]}
    )
    return redirect("grids:household", pk=household.pk)
