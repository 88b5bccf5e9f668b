"""The volunteer service pages: the wish board (微心愿) with its actions, my points (balance,
ledger, quarterly statement, reward catalogue with redemption, my redemptions) and the
redemptions to hand over.

Every read goes through ``volunteers.selectors`` (scope: a row outside it is a 404), every
change through ``volunteers.services``. A role that may not take an action gets 403 before
its form is read; bad input re-renders the page with field messages (400); an action the row
no longer allows, or a stale ``version``, re-renders the page with the current state and a
message (409). Lists cost the same number of queries for one row and for many.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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

from governance.errors import ConcurrentUpdate, InvalidTransition, NotAllowed, ValidationFailed
from orgchart import policy
from orgchart.forms import add_service_errors
from orgchart.models import OrgUnit, Person, User
from orgchart.pages import export_asked, paginate, query_string
from orgchart.policy import AnyUser
from volunteers import exports, selectors, services
from volunteers.forms import (
    WISH_ACTION_FORMS,
    WORK_ORDER_ACTION_FORMS,
    DispatchForm,
    RedeemForm,
    VersionForm,
    WishFilterForm,
    WishPostForm,
    WorkOrderFilterForm,
    parse_quarter,
)
from volunteers.models import (
    Redemption,
    Volunteer,
    Wish,
    WishStatus,
    WorkOrder,
    WorkOrderStatus,
)
from volunteers.serializers import wish_actions, work_order_actions

Role = User.Role
STAFF_ROLES = (Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER, Role.GRID_WORKER)
WISH_FILTERS = ("q", "status")


# --- Who uses which page -----------------------------------------------------------------------


def _role(user: AnyUser) -> str | None:
    if not user.is_authenticated or not isinstance(user, User) or not user.is_active:
        return None
    return str(user.role)


def _superuser(user: AnyUser) -> bool:
    return bool(getattr(user, "is_superuser", False)) and user.is_authenticated


def is_volunteer(user: AnyUser) -> bool:
    return _role(user) == Role.VOLUNTEER


def is_volunteer_staff(user: AnyUser) -> bool:
    """The area's staff, who keep the wish board and hand rewards over."""
    return _superuser(user) or _role(user) in STAFF_ROLES


def sees_volunteer_pages(user: AnyUser) -> bool:
    return is_volunteer_staff(user) or is_volunteer(user)


def wish_community(user: AnyUser) -> OrgUnit | None:
    """The community where the user posts wishes: community and grid workers at the community
    they are anchored at."""
    if _role(user) not in (Role.COMMUNITY_WORKER, Role.GRID_WORKER):
        return None
    anchor = getattr(user, "anchor_unit", None)
    if anchor is None or anchor.kind != OrgUnit.Kind.COMMUNITY:
        return None
    return anchor


def _require(allowed: bool) -> None:
    if not allowed:
        raise Http404


@dataclass(frozen=True)
class VolunteerNav:
    """The volunteer pages a user gets links to."""

    wishes: bool
    work_orders: bool
    points: bool
    redemptions: bool

    @property
    def any(self) -> bool:
        return self.wishes


def nav_for(user: AnyUser) -> VolunteerNav:
    return VolunteerNav(
        wishes=sees_volunteer_pages(user),
        work_orders=sees_volunteer_pages(user),
        points=is_volunteer(user),
        redemptions=is_volunteer_staff(user),
    )


def _base(request: HttpRequest, section: str) -> dict[str, Any]:
    return {"volunteer_nav": nav_for(request.user), "volunteer_section": section}


def person_name(user: AnyUser, person: Person | None) -> str:
    if person is None:
        return ""
    return person.name if policy.sees_full_names(user) else person.masked_name


def volunteer_name(user: AnyUser, volunteer: Volunteer | None) -> str:
    if volunteer is None:
        return ""
    if volunteer.account_id is not None and volunteer.account_id == getattr(user, "pk", None):
        return volunteer.person.name
    return person_name(user, volunteer.person)


def _export(request: HttpRequest, filters: dict[str, Any]) -> exports.ExportRequest | None:
    asked = export_asked(request)
    if asked is None:
        return None
    # No volunteers ledger holds ID numbers or phones: ``?reveal=1`` changes nothing.
    return exports.ExportRequest(user=request.user, file_format=asked.file_format, filters=filters)


# --- The wish board ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WishRow:
    wish: Wish
    beneficiary: str
    claimer: str


def _wish_rows(user: AnyUser, wishes: Any) -> list[WishRow]:
    return [
        WishRow(wish, person_name(user, wish.beneficiary), volunteer_name(user, wish.claimed_by))
        for wish in wishes
    ]


@login_required
def index(request: HttpRequest) -> HttpResponseBase:
    _require(sees_volunteer_pages(request.user))
    return redirect("volunteers:wishes")


@login_required
def wish_list(request: HttpRequest) -> HttpResponseBase:
    """微心愿: the wish board of the user's area, newest first, by status."""
    user = request.user
    _require(sees_volunteer_pages(user))
    filters = WishFilterForm(request.GET)
    chosen = {"q": str(filters.value("q")).strip(), "status": filters.value("status")}
    wishes = selectors.wish_list_visible(user=user, status=chosen["status"], query=chosen["q"])
    export = _export(request, chosen)
    if export is not None:
        return exports.wish_export(export, wishes)
    page = paginate(request, wishes)
    context = {
        **_base(request, "wishes"),
        "filters_form": filters,
        "filtered": any(chosen.values()),
        "status_choices": WishStatus.choices,
        "status": chosen["status"],
        "page": page,
        "rows": _wish_rows(user, page.object_list),
        "filters": query_string(request, *WISH_FILTERS),
        "posts_wishes": wish_community(user) is not None,
    }
    return render(request, "volunteers/wish_list.html", context)


@login_required
def wish_new(request: HttpRequest) -> HttpResponseBase:
    """Post a resident's wish on the community's board (community or grid workers)."""
    user = request.user
    _require(sees_volunteer_pages(user))
    community = wish_community(user)
    if community is None:
        raise NotAllowed(_("Only community and grid workers post micro-wishes."))
    form = WishPostForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                wish = services.wish_post(
                    actor=user,
                    community=community,
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                )
            except ValidationFailed as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The wish is on the board."))
                return redirect("volunteers:wish", pk=wish.pk)
        status = 400
    context = {**_base(request, "wishes"), "form": form, "community": community}
    return render(request, "volunteers/wish_form.html", context, status=status)


ACTION_LABELS = {
    "claim": (gettext_lazy("Claim (认领)"), "primary"),
    "release": (gettext_lazy("Give it up"), "outline-secondary"),
    "fulfil": (gettext_lazy("Report it fulfilled"), "success"),
    "confirm": (gettext_lazy("Confirm (确认)"), "success"),
    "withdraw": (gettext_lazy("Withdraw"), "outline-danger"),
}


@dataclass
class ActionItem:
    name: str
    label: str
    url: str
    form: VersionForm
    tone: str
    open: bool = False
    multipart: bool = False


def _wish_items(
    user: AnyUser, wish: Wish, bound: tuple[str, VersionForm] | None = None
) -> list[ActionItem]:
    items = []
    for name in wish_actions(user, wish):
        label, tone = ACTION_LABELS[name]
        url = reverse("volunteers:wish_act", args=[wish.pk, name])
        if bound is not None and bound[0] == name:
            form, opened = bound[1], True
        else:
            form, opened = WISH_ACTION_FORMS[name](initial={"version": wish.version}), False
        items.append(
            ActionItem(name, str(label), url, form, tone, opened, multipart=name == "fulfil")
        )
    return items


def _wish_page(
    request: HttpRequest,
    wish: Wish,
    *,
    bound: tuple[str, VersionForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    events = [
        (event, event.actor.get_full_name() or event.actor.username if event.actor else "")
        for event in selectors.wish_events(wish=wish)
    ]
    context = {
        **_base(request, "wishes"),
        "wish": wish,
        "beneficiary": person_name(user, wish.beneficiary),
        "claimer": volunteer_name(user, wish.claimed_by),
        "events": events,
        "items": _wish_items(user, wish, bound),
    }
    return render(request, "volunteers/wish_detail.html", context, status=status)


@login_required
def wish_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    _require(sees_volunteer_pages(request.user))
    return _wish_page(request, selectors.wish_get(user=request.user, pk=pk))


@login_required
@require_POST
def wish_act(request: HttpRequest, pk: int, action: str) -> HttpResponseBase:
    """One wish action with the ``version`` the page showed."""
    user = request.user
    _require(sees_volunteer_pages(user))
    if action not in WISH_ACTION_FORMS:
        raise Http404
    wish = selectors.wish_get(user=user, pk=pk)
    if action == "claim" and services.volunteer_of(user) is None:
        raise NotAllowed(_("Only a registered volunteer can claim a micro-wish."))
    if not policy.can(user, f"wish.{action}", wish):
        raise NotAllowed()
    form = WISH_ACTION_FORMS[action](request.POST, request.FILES)
    if not form.is_valid():
        return _wish_page(request, wish, bound=(action, form), status=400)
    data = dict(form.cleaned_data)
    version = data.pop("version")
    try:
        _run_wish_action(user, wish, action, version, data)
    except ValidationFailed as error:
        add_service_errors(form, error)
        return _wish_page(request, wish, bound=(action, form), status=400)
    except (InvalidTransition, ConcurrentUpdate) as error:
        messages.error(request, str(error.message))
        fresh = selectors.wish_get(user=user, pk=pk)
        return _wish_page(request, fresh, status=error.status_code)
    messages.success(request, _("Done."))
    return redirect("volunteers:wish", pk=wish.pk)


def _run_wish_action(
    user: Any, wish: Wish, action: str, version: int, data: dict[str, Any]
) -> None:
    if action == "claim":
        services.wish_claim(actor=user, wish=wish, expected_version=version)
    elif action == "release":
        services.wish_release(
            actor=user, wish=wish, reason=data["reason"], expected_version=version
        )
    elif action == "fulfil":
        services.wish_fulfil(
            actor=user,
            wish=wish,
            note=data["note"],
            photo=data.get("photo") or None,
            expected_version=version,
        )
    elif action == "confirm":
        services.wish_confirm(actor=user, wish=wish, note=data["note"], expected_version=version)
    else:
        services.wish_withdraw(
            actor=user, wish=wish, reason=data["reason"], expected_version=version
        )


# --- Points, rewards and redemptions -----------------------------------------------------------


def _quarter(request: HttpRequest) -> selectors.Quarter:
    asked = parse_quarter(request.GET.get("quarter", ""))
    if asked is None:
        return selectors.current_quarter()
    return selectors.quarter_bounds(*asked)


def _quarter_choices(today: dt.date) -> list[tuple[str, str]]:
    """The last four quarters up to today's."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    choices = []
    for _step in range(4):
        choices.append((f"{year}-{quarter}", f"{year} Q{quarter}"))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return choices


@login_required
def my_points(request: HttpRequest) -> HttpResponseBase:
    """我的积分 (volunteer accounts): balance, the quarter's statement, the ledger, the reward
    catalogue and my redemptions. ``?format=`` exports the ledger."""
    user = request.user
    _require(is_volunteer(user))
    volunteer = services.volunteer_of(user)
    _require(volunteer is not None)
    quarter = _quarter(request)
    entries = selectors.point_entry_list_visible(user=user)
    export = _export(request, {})
    if export is not None:
        return exports.point_entry_export(export, entries)
    statement = selectors.points_statement(user=user, quarter=quarter, volunteer=volunteer).first()
    page = paginate(request, entries)
    rewards = selectors.reward_list_visible(user=user, active=True)
    redemptions = selectors.redemption_list_visible(user=user)[:20]
    context = {
        **_base(request, "points"),
        "volunteer": volunteer,
        "balance": selectors.points_balance_visible(user=user),
        "quarter": quarter,
        "quarter_value": f"{quarter.year}-{quarter.quarter}",
        "quarter_choices": _quarter_choices(timezone.localdate()),
        "statement": statement,
        "page": page,
        "entries": page.object_list,
        "rewards": rewards,
        "redemptions": redemptions,
        "redeem_form": RedeemForm(),
        "filters": query_string(request, "quarter"),
    }
    return render(request, "volunteers/points.html", context)


@login_required
@require_POST
def reward_redeem(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = request.user
    _require(is_volunteer(user))
    reward = selectors.reward_get(user=user, pk=pk)
    volunteer = services.volunteer_of(user)
    if volunteer is None:
        raise NotAllowed()
    form = RedeemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Redeem 1 to 20 at a time."))
        return redirect("volunteers:points")
    try:
        services.redemption_create(
            actor=user, volunteer=volunteer, reward=reward, quantity=form.cleaned_data["quantity"]
        )
    except ValidationFailed as error:
        messages.error(request, str(error.message))
    except InvalidTransition as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Redeemed: %(name)s.") % {"name": reward.name})
    return redirect("volunteers:points")


@dataclass(frozen=True)
class RedemptionRow:
    redemption: Redemption
    name: str


@login_required
def redemption_list(request: HttpRequest) -> HttpResponseBase:
    """积分兑换: the area's redemptions, those to hand over first when asked."""
    user = request.user
    _require(is_volunteer_staff(user))
    pending = request.GET.get("pending", "") == "1"
    redemptions = selectors.redemption_list_visible(
        user=user, handed_over=False if pending else None
    )
    export = _export(request, {"pending": pending})
    if export is not None:
        return exports.redemption_export(export, redemptions)
    page = paginate(request, redemptions)
    context = {
        **_base(request, "redemptions"),
        "page": page,
        "rows": [
            RedemptionRow(item, volunteer_name(user, item.volunteer)) for item in page.object_list
        ],
        "pending": pending,
        "filters": query_string(request, "pending"),
        "hands_over": _role(user) in (Role.ADMIN, Role.COMMUNITY_WORKER) or _superuser(user),
    }
    return render(request, "volunteers/redemptions.html", context)


@login_required
@require_POST
def redemption_hand_over(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = request.user
    _require(is_volunteer_staff(user))
    redemption = selectors.redemption_get(user=user, pk=pk)
    services.redemption_hand_over(actor=user, redemption=redemption)
    messages.success(request, _("Handed over."))
    target = reverse("volunteers:redemptions")
    kept = query_string(request, "pending")
    if request.POST.get("pending") == "1":
        kept = "pending=1"
    return redirect(f"{target}?{kept}" if kept else target)


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
def work_order_board(request: HttpRequest) -> HttpResponseBase:
    """服务项目: work orders by 五单 stage (columns on a desk, stacked on a phone) with lights."""
    user = request.user
    _require(sees_volunteer_pages(user))
    filters = WorkOrderFilterForm(request.GET)
    now = timezone.now()
    query = str(filters.value("q")).strip()
    overdue = bool(filters.value("overdue"))
    chosen: dict[str, Any] = {"q": query, "overdue": overdue}
    orders = selectors.work_order_list_visible(
        user=user, query=query, overdue=True if overdue else None, now=now
    )
    export = _export(request, chosen)
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
        **_base(request, "work_orders"),
        "filters_form": filters,
        "filtered": any(chosen.values()),
        "page": page,
        "columns": list(columns.values()),
        "rows": page.object_list,
        "filters": query_string(request, *WORK_ORDER_FILTERS),
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
    teams = selectors.team_list_visible(user=user, within=order.community)
    partners = selectors.partner_unit_list_visible(user=user, within=order.community)
    return [(f"team:{team.pk}", team.name) for team in teams] + [
        (f"partner:{partner.pk}", partner.name) for partner in partners
    ]


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
        **_base(request, "work_orders"),
        "order": order,
        "badge": _badge(order, now),
        "provider": provider,
        "provider_is_party_member": selectors.work_order_provider_is_party_member(order),
        "requested_by": person_name(user, order.requested_by),
        "events": events,
        "items": items,
    }
    return render(request, "volunteers/work_order_detail.html", context, status=status)


@login_required
def work_order_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    _require(sees_volunteer_pages(request.user))
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
    _require(sees_volunteer_pages(user))
    if action not in WORK_ORDER_ACTION_FORMS:
        raise Http404
    order = selectors.work_order_get(user=user, pk=pk)
    if not policy.can(user, f"workorder.{action}", order):
        raise NotAllowed()
    form = _order_form(action, user, order, request.POST)
    if not form.is_valid():
        return _work_order_page(request, order, bound=(action, form), status=400)
    data = dict(form.cleaned_data)
    version = data.pop("version")
    try:
        _run_work_order_action(user, order, action, version, data)
    except ValidationFailed as error:
        add_service_errors(form, error)
        return _work_order_page(request, order, bound=(action, form), status=400)
    except (InvalidTransition, ConcurrentUpdate) as error:
        messages.error(request, str(error.message))
        fresh = selectors.work_order_get(user=user, pk=pk)
        return _work_order_page(request, fresh, status=error.status_code)
    messages.success(request, _("Done."))
    return redirect("volunteers:work_order", pk=order.pk)


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
