"""五单法: the work-order board by stage with lights, ordering a work order (点单, also from a
petition), the work-order page with its 四公开 block and the actions of the role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from governance.errors import NotAllowed, ValidationFailed
from governance.replica import reads_from_replica
from orgchart import policy
from orgchart import selectors as org_selectors
from orgchart.forms import add_service_errors
from orgchart.models import OrgUnit, Person
from orgchart.pages import is_whole_number, paginate, query_string
from orgchart.policy import AnyUser
from petitions import selectors as petition_selectors
from petitions.models import Petition
from volunteers import exports, selectors, services
from volunteers.forms import (
    WORK_ORDER_ACTION_FORMS,
    DispatchForm,
    VersionForm,
    WorkOrderFilterForm,
)
from volunteers.forms.work_orders import OrderWorkForm
from volunteers.models import (
    WorkOrder,
    WorkOrderStatus,
)
from volunteers.serializers import work_order_actions
from volunteers.views.shared import (
    ActionItem,
    export_request,
    page_base,
    person_name,
    posted_id,
    run_action,
    wish_community,
)

# --- Work orders (五单法) -----------------------------------------------------------------------

WORK_ORDER_FILTERS = ("q", "overdue")
# The board's columns: the five stages (cancelled orders are in the export only).
BOARD_STAGES = selectors.STAGE_ORDER[:5]
LIGHT_LABELS = {
    "green": pgettext_lazy("light", "green"),
    "yellow": pgettext_lazy("light", "yellow"),
    "red": pgettext_lazy("light", "red"),
}


@dataclass(frozen=True)
class LightBadge:
    light: str | None
    due_at: dt.datetime | None

    @property
    def label(self) -> str:
        return str(LIGHT_LABELS.get(self.light or "", ""))


@dataclass(frozen=True)
class OrderRow:
    order: WorkOrder
    badge: LightBadge


@dataclass
class StageColumn:
    status: str
    label: str
    rows: list[OrderRow]


def _badge(order: WorkOrder, now: dt.datetime) -> LightBadge:
    return LightBadge(selectors.work_order_light(order, now=now), order.due_at)


@login_required
@reads_from_replica
def work_order_board(request: HttpRequest) -> HttpResponseBase:
    """服务项目: work orders by 五单 stage (columns on a desk, stacked on a phone) with lights."""
    user = request.user
    filters = WorkOrderFilterForm(request.GET)
    now = timezone.now()
    query = str(filters.value("q")).strip()
    overdue = bool(filters.value("overdue"))
    chosen: dict[str, Any] = {"q": query, "overdue": overdue}
    orders = selectors.work_order_list_visible(
        user=user, query=query, overdue=True if overdue else None, now=now
    )
    export = export_request(request, chosen)
    if export is not None:
        return exports.work_order_export(export, orders)
    page = paginate(
        request,
        orders.filter(status__in=BOARD_STAGES).order_by(
            selectors.stage_order(), "-ordered_at", "-id"
        ),
    )
    columns = {
        status: StageColumn(status, str(WorkOrderStatus(status).label), [])
        for status in BOARD_STAGES
    }
    for order in page.object_list:
        columns[order.status].rows.append(OrderRow(order, _badge(order, now)))
    context = {
        **page_base(request, "work_orders"),
        "filters_form": filters,
        "filtered": any(chosen.values()),
        "page": page,
        "columns": list(columns.values()),
        "rows": page.object_list,
        "filters": query_string(request, *WORK_ORDER_FILTERS),
        "orders_work": ordering_community(user) is not None,
    }
    return render(request, "volunteers/work_orders.html", context)


WORK_ORDER_LABELS = {
    "dispatch": (gettext_lazy("Dispatch (下单)"), "primary"),
    "accept": (gettext_lazy("Accept (接单)"), "primary"),
    "complete": (gettext_lazy("Report it completed"), "success"),
    "verify": (gettext_lazy("Verify (验单)"), "success"),
    "return": (gettext_lazy("Return"), "outline-danger"),
    "cancel": (gettext_lazy("Cancel the order"), "outline-danger"),
    "supervise": (gettext_lazy("Supervision note (督单)"), "outline-secondary"),
}


def _providers(user: AnyUser, order: WorkOrder) -> list[tuple[str, str]]:
    """下单 choices: the teams serving the order's community (its own and its street's; a
    team of another unit is named with its unit) and its partner units."""
    teams = selectors.team_list_visible(user=user, serving=order.community)
    partners = selectors.partner_unit_list_visible(user=user, within=order.community)
    return [
        (
            f"team:{team.pk}",
            team.name if team.unit_id == order.community_id else f"{team.name} · {team.unit.name}",
        )
        for team in teams
    ] + [(f"partner:{partner.pk}", partner.name) for partner in partners]


def _order_form(name: str, user: AnyUser, order: WorkOrder, data: Any = None) -> VersionForm:
    form_class = WORK_ORDER_ACTION_FORMS[name]
    initial = {"version": order.version}
    if form_class is DispatchForm:
        return DispatchForm(data, initial=initial, providers=_providers(user, order))
    return form_class(data, initial=initial)


def _work_order_page(
    request: HttpRequest,
    order: WorkOrder,
    *,
    bound: tuple[str, VersionForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    now = timezone.now()
    items = []
    for name in work_order_actions(user, order):
        label, tone = WORK_ORDER_LABELS[name]
        if bound is not None and bound[0] == name:
            form, opened = bound[1], True
        else:
            form, opened = _order_form(name, user, order), False
        url = reverse("volunteers:work_order_act", args=[order.pk, name])
        items.append(ActionItem(name, str(label), url, form, tone, opened))
    events = [
        (event, event.actor.get_full_name() or event.actor.username if event.actor else "")
        for event in selectors.work_order_events(work_order=order)
    ]
    provider = order.team or order.partner
    context = {
        **page_base(request, "work_orders"),
        "order": order,
        "badge": _badge(order, now),
        "provider": provider,
        "provider_is_party_member": selectors.work_order_provider_is_party_member(order),
        "requested_by": person_name(user, order.requested_by),
        # The petition it came from, linked for those who see it (a volunteer does not).
        "petition_link": order.petition is not None and policy.is_visible(user, order.petition),
        "events": events,
        "items": items,
    }
    return render(request, "volunteers/work_order_detail.html", context, status=status)


@login_required
def work_order_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _work_order_page(request, selectors.work_order_get(user=request.user, pk=pk))


def _due_at(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return selectors.local_day_start(day + dt.timedelta(days=1)) - dt.timedelta(seconds=1)


@login_required
@require_POST
def work_order_act(request: HttpRequest, pk: int, action: str) -> HttpResponseBase:
    """One 五单 step (or a 督单 note) with the ``version`` the page showed."""
    user = request.user
    if action not in WORK_ORDER_ACTION_FORMS:
        raise Http404
    order = selectors.work_order_get(user=user, pk=pk)
    return run_action(
        request,
        order,
        action=action,
        rule=f"workorder.{action}",
        form=lambda: _order_form(action, user, order, request.POST),
        run=partial(_run_work_order_action, user, order, action),
        page=_work_order_page,
        reload=selectors.work_order_get,
        done=reverse("volunteers:work_order", args=[order.pk]),
    )


def _run_work_order_action(
    user: Any, order: WorkOrder, action: str, version: int, data: dict[str, Any]
) -> None:
    common: dict[str, Any] = {"actor": user, "work_order": order, "expected_version": version}
    if action == "dispatch":
        kind, _sep, provider_id = data["provider"].partition(":")
        if kind == "team":
            team = selectors.team_get(user=user, pk=provider_id)
            services.work_order_dispatch(**common, team=team, due_at=_due_at(data["due_on"]))
        else:
            partner = selectors.partner_unit_get(user=user, pk=provider_id)
            services.work_order_dispatch(**common, partner=partner, due_at=_due_at(data["due_on"]))
    elif action == "accept":
        services.work_order_accept(**common)
    elif action == "complete":
        services.work_order_complete(**common, note=data["note"])
    elif action == "verify":
        services.work_order_verify(**common, note=data["note"])
    elif action == "return":
        services.work_order_return(**common, reason=data["reason"])
    elif action == "cancel":
        services.work_order_cancel(**common, reason=data["reason"])
    else:
        services.work_order_supervise(**common, note=data["note"])


# --- 点单: ordering a work order ----------------------------------------------------------------

# Residents offered per search of the requester picker.
REQUESTER_CANDIDATES = 10


def ordering_community(user: AnyUser) -> OrgUnit | None:
    """The community where the user orders work (点单): community and grid workers at the
    community they are anchored at, as "orgunit.order_work" allows (no query)."""
    community = wish_community(user)
    if community is None or not policy.can(user, "orgunit.order_work", community):
        return None
    return community


def _petition(user: AnyUser, value: str | None) -> Petition | None:
    """The petition to turn into a work order: one the user sees (else 404)."""
    if not value:
        return None
    return petition_selectors.petition_get(user=user, pk=value)


def _requester(user: AnyUser, community: OrgUnit, value: Any) -> Person | None:
    """The chosen resident: a person of the community the user may see (else a field
    message, as for a petitioner)."""
    if not value:
        return None
    chosen = posted_id(value)
    person = (
        org_selectors.person_list_visible(user=user, within=community).filter(pk=chosen).first()
        if chosen is not None
        else None
    )
    if person is None:
        raise ValidationFailed(
            _("Please correct the errors below."),
            fields={"requested_by": [_("Choose the resident from the search results.")]},
        )
    return person


def _from_petition(user: AnyUser, community: OrgUnit, petition: Petition) -> dict[str, Any]:
    """What a petition says about the work order it becomes: its title and description, and
    its petitioner as the requester (when a resident of the community the user sees)."""
    initial: dict[str, Any] = {
        "petition": petition.pk,
        "title": petition.title[:120],
        "content": petition.description,
    }
    if petition.petitioner_id is not None:
        try:
            requester = _requester(user, community, petition.petitioner_id)
        except ValidationFailed:
            requester = None
        initial["requested_by"] = requester.pk if requester is not None else None
    return initial


def _on_form_fields(error: ValidationFailed) -> ValidationFailed:
    """The service's field names as the form has them (the form asks for a day)."""
    fields = {
        ("due_on" if name == "due_at" else name): messages
        for name, messages in error.fields.items()
    }
    return ValidationFailed(error.message, fields=fields)


@dataclass(frozen=True)
class RequesterSearch:
    """The resident picker: the chosen person, this search's candidates, its error."""

    chosen: tuple[Person, str] | None
    candidates: list[tuple[Person, str]]
    query: str
    error: str


def _search(user: AnyUser, community: OrgUnit, query: str) -> tuple[list[Person], str]:
    if not query:
        return [], ""
    try:
        people = org_selectors.person_list_visible(user=user, query=query, within=community)
        return list(people[:REQUESTER_CANDIDATES]), ""
    except ValidationFailed as failure:
        return [], "; ".join(str(text) for texts in failure.fields.values() for text in texts)


@login_required
def work_order_new(request: HttpRequest) -> HttpResponseBase:
    """点单 → ``ordered`` at the user's community (community and grid workers): a resident's or
    the community's need, with the 四公开 funds and an optional deadline. ``?petition=<id>``
    pre-fills it from a petition the user sees and links the two (a petition becomes at most
    one work order: one that already is opens that order).

    The resident picker searches the community's people by name or pinyin: "Find" sends the
    form back with the candidates (nothing is saved; htmx swaps just the picker)."""
    user = request.user
    community = ordering_community(user)
    if community is None:
        raise NotAllowed(_("Only community and grid workers order work (点单)."))
    posted = request.method == "POST"
    petition = _petition(
        user, request.POST.get("petition") if posted else request.GET.get("petition")
    )
    if petition is not None and not posted:
        existing = (
            selectors.work_order_list_visible(user=user)
            .filter(petition=petition)
            .values_list("pk", flat=True)
            .first()
        )
        if existing is not None:
            messages.info(request, _("This petition is already a work order."))
            return redirect("volunteers:work_order", pk=existing)
    finding = posted and "find" in request.POST
    from_petition = petition is not None
    if posted and not finding:
        form = OrderWorkForm(request.POST, from_petition=from_petition)
    else:
        kept = request.POST.dict()
        if is_whole_number(kept.get("requester_q", "").strip()):
            kept["requester_q"] = ""  # searched for, never shown back
        initial = (
            kept
            if finding
            else _from_petition(user, community, petition)
            if petition is not None
            else {}
        )
        form = OrderWorkForm(initial=initial, from_petition=from_petition)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            requester = _requester(user, community, data["requested_by"])
            order = services.work_order_create(
                actor=user,
                community=community,
                title=data["title"],
                content=data["content"],
                source=WorkOrder.Source.PETITION if petition is not None else data["source"],
                requested_by=requester,
                petition=petition,
                funds=data["funds"] or 0,
                funds_source=data["funds_source"],
                due_at=_due_at(data["due_on"]),
            )
        except ValidationFailed as error:
            add_service_errors(form, _on_form_fields(error))
        else:
            messages.success(
                request,
                _("Work order %(number)s is ordered (点单).") % {"number": order.number},
            )
            return redirect("volunteers:work_order", pk=order.pk)
    query = request.POST.get("requester_q", "").strip()[:50] if finding else ""
    candidates, search_error = _search(user, community, query)
    chosen_id = form["requested_by"].value()
    try:
        chosen = _requester(user, community, chosen_id)
    except ValidationFailed:
        chosen = None
    context = {
        **page_base(request, "work_orders"),
        "form": form,
        "community": community,
        "petition": petition,
        "picker": RequesterSearch(
            chosen=(chosen, person_name(user, chosen)) if chosen is not None else None,
            candidates=[
                (person, person_name(user, person))
                for person in candidates
                if chosen is None or person.pk != chosen.pk
            ],
            query=query,
            error=search_error,
        ),
        "watermark": True,
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "volunteers/work_order_new.html", context, status=status)
