"""Pages of the org tree: the tree browser and the unit page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from orgchart import policy, selectors
from orgchart.models import OrgUnit


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    """The tree from the top of the user's scope; deeper levels load on demand."""
    roots = list(selectors.orgunit_roots_visible(user=request.user))
    return render(request, "orgchart/tree.html", {"roots": roots})


@login_required
def tree_children(request: HttpRequest, pk: int) -> HttpResponse:
    """One level of the tree (an htmx fragment for the browser's expand buttons)."""
    unit = selectors.orgunit_get(user=request.user, pk=pk)
    children = list(selectors.orgunit_children(user=request.user, unit=unit))
    return render(request, "orgchart/_tree_nodes.html", {"nodes": children})


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.orgunit_get(user=request.user, pk=pk)
    children = list(selectors.orgunit_children(user=request.user, unit=unit))
    scope = policy.scope_of(request.user)
    context = {
        "unit": unit,
        "ancestors": [
            (ancestor, scope.contains(ancestor))
            for ancestor in selectors.orgunit_ancestors(unit=unit)
        ],
        "children": children,
        "departments": list(selectors.department_list_for_unit(user=request.user, unit=unit)),
        "counts": [
            (OrgUnit.Kind(kind).label, total)
            for kind, total in selectors.orgunit_counts_by_kind(
                user=request.user, within=unit
            ).items()
            if total and kind != unit.kind
        ],
        "can_change": policy.can(request.user, "orgunit.change", unit),
    }
    return render(request, "orgchart/unit_detail.html", context)
