"""我的网格 / the grids of an area, a grid's page, and appointing its staff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance.errors import ValidationFailed
from grids import exports, selectors, services
from grids.forms import GridFilterForm, StaffAppointForm, StaffEndForm
from grids.models import TARGET_PARTY_SHARE, Grid, GridStaff, Resident
from grids.views.shared import (
    GRID_ORDER,
    RECENT_VISITS,
    chosen_person,
    error_text,
    export_request,
    form_status,
    household_rows,
    is_grid_worker,
    names,
    person_pick,
    unit_choices,
    with_head,
    within_filter,
)
from orgchart import policy
from orgchart import selectors as org_selectors
from orgchart.forms import add_service_errors
from orgchart.models import OrgUnit, Post, User
from orgchart.pages import export_asked, paginate, query_string


@dataclass(frozen=True)
class GridRow:
    grid: Grid
    target: int | None
    size_warning: bool
    share: float | None  # party members among current staff
    share_low: bool


def _grid_rows(grids: Any) -> list[GridRow]:
    rows = []
    for grid in grids:
        share = grid.party_staff_count / grid.staff_count if grid.staff_count else None
        rows.append(
            GridRow(
                grid,
                grid.target_households,
                grid.size_warning(grid.household_count),
                share,
                share is None or share < TARGET_PARTY_SHARE,
            )
        )
    return rows


def _current_residents_count() -> Coalesce:
    residents = (
        Resident.objects.filter(household__grid=OuterRef("pk"), moved_out_on__isnull=True)
        .order_by()
        .values("household__grid")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(residents[:1], output_field=IntegerField()), 0)


@login_required
def grid_list(request: HttpRequest) -> HttpResponseBase:
    """我的网格 for grid workers (cards of the grids they staff); the grids of the area with
    their size and party-member share for everyone else."""
    user = request.user
    mine = is_grid_worker(user)
    filters = GridFilterForm(request.GET)
    filters.is_valid()  # the valid filters apply, the others show their errors
    data = filters.cleaned_data
    query, kind = data.get("q", ""), data.get("kind", "")
    within = within_filter(user, request.GET)
    asked = export_asked(request)
    grids = selectors.grid_list_visible(
        user=user, within=within, kind=kind, query=query, mine=mine
    ).order_by(*GRID_ORDER)
    if asked is not None:
        return exports.grid_export(
            export_request(user, asked, within, {"q": query, "kind": kind, "unit": within}),
            grids,
        )
    if mine:
        grids = grids.annotate(resident_count=_current_residents_count())
    page = paginate(request, grids)
    context = {
        "mine": mine,
        "filters_form": filters,
        "filtered": bool(query or kind or within),
        "within": within,
        "page": page,
        "rows": _grid_rows(page.object_list),
        "filters": query_string(request, "q", "kind", "unit"),
        "share": None if mine else selectors.grid_staff_share(user=user, within=within),
        "units": [] if mine else unit_choices(user),
        "nav_section": "grids",
    }
    return render(request, "grids/grid_list.html", context)


@dataclass(frozen=True)
class Chief:
    title: str
    unit: OrgUnit | None
    name: str  # "" when vacant


def _chiefs(user: Any, grid: Grid, staff: list[GridStaff]) -> list[Chief]:
    """总网格长 (a post of the community), 片区网格长 (of the compound), 网格长 (the grid's
    head). One query for the posts."""
    name = names(user)
    posts = {
        (post.unit_id, post.kind): post
        for post in org_selectors.post_list_visible(user=user, current=True).filter(
            Q(unit_id=grid.community_id, kind=Post.Kind.CHIEF_GRID_HEAD)
            | Q(unit_id=grid.compound_id, kind=Post.Kind.AREA_GRID_HEAD)
        )
    }
    chief = posts.get((grid.community_id, Post.Kind.CHIEF_GRID_HEAD))
    chiefs = [
        Chief(
            str(Post.Kind.CHIEF_GRID_HEAD.label),
            grid.community,
            name(chief.holder) if chief else "",
        )
    ]
    if grid.compound_id is not None:
        area = posts.get((grid.compound_id, Post.Kind.AREA_GRID_HEAD))
        chiefs.append(
            Chief(
                str(Post.Kind.AREA_GRID_HEAD.label),
                grid.compound,
                name(area.holder) if area else "",
            )
        )
    head = next((member for member in staff if member.role == GridStaff.Role.HEAD), None)
    chiefs.append(Chief(str(GridStaff.Role.HEAD.label), None, name(head.person) if head else ""))
    return chiefs


@dataclass(frozen=True)
class StaffRow:
    staff: GridStaff
    name: str


@login_required
def grid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    grid = selectors.grid_get(user=user, pk=pk)
    name = names(user)
    staff = list(selectors.grid_staff_list(user=user, grid=grid))
    page = paginate(request, with_head(selectors.household_list_visible(user=user, grid=grid)))
    actions = policy.actions_for(
        user, grid, ["grid.add_household", "grid.manage_staff", "grid.visit"]
    )
    context = {
        "grid": grid,
        "row": _grid_rows([grid])[0],
        "chiefs": _chiefs(user, grid, staff),
        "staff": [StaffRow(member, name(member.person)) for member in staff],
        "page": page,
        "households": household_rows(user, page.object_list),
        "filters": "",
        "visits": list(selectors.visit_list_visible(user=user, grid=grid)[:RECENT_VISITS]),
        "can_add_household": "grid.add_household" in actions,
        "can_manage_staff": "grid.manage_staff" in actions,
        "can_visit": "grid.visit" in actions,
        "today": timezone.localdate(),
        "nav_section": "grids",
        "watermark": True,
    }
    return render(request, "grids/grid_detail.html", context)


@login_required
def staff_new(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Appoint grid staff (网格员 / 网格长): find the person, then the terms."""
    user = request.user
    grid = selectors.grid_get(user=user, pk=pk)
    policy.require(user, "grid.manage_staff", grid)
    person = chosen_person(request)
    context: dict[str, Any] = {"grid": grid, "nav_section": "grids", "watermark": True}
    if person is None:
        pick = person_pick(request)
        if pick.redirect_to:
            return redirect(pick.redirect_to)
        context.update(pick=pick)
        return render(request, "grids/staff_form.html", context)
    # Accounts the user may see (admins: those of their area); the service checks the rest.
    accounts = (
        org_selectors.user_list_visible(user=user)
        .filter(role=User.Role.GRID_WORKER, anchor_unit_id=grid.community_id, is_active=True)
        .order_by("username")
    )
    form = StaffAppointForm(
        request.POST if request.method == "POST" and "role" in request.POST else None,
        accounts=accounts,
        initial={"started_on": timezone.localdate()},
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            services.grid_staff_appoint(
                actor=user,
                grid=grid,
                person=person,
                role=data["role"],
                employment=data["employment"],
                background=data["background"],
                account=data["account"],
                started_on=data["started_on"],
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s now works this grid.") % {"name": names(user)(person)}
            )
            return redirect("grids:grid", pk=grid.pk)
    context.update(form=form, person=person, person_name=names(user)(person))
    return render(request, "grids/staff_form.html", context, status=form_status(form))


@require_POST
@login_required
def staff_end(request: HttpRequest, pk: int) -> HttpResponseBase:
    """End a staff member's term (the date defaults to today)."""
    user = request.user
    staff = selectors.grid_staff_get(user=user, pk=pk)
    policy.require(user, "grid.manage_staff", staff.grid)
    form = StaffEndForm(request.POST or {"ended_on": timezone.localdate()})
    if not form.is_valid():
        messages.error(request, _("Give the date the term ended."))
        return redirect("grids:grid", pk=staff.grid_id)
    try:
        services.grid_staff_end(actor=user, staff=staff, ended_on=form.cleaned_data["ended_on"])
    except ValidationFailed as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("The term of %(name)s has ended.") % {"name": names(user)(staff.person)},
        )
    return redirect("grids:grid", pk=staff.grid_id)
