"""积分: my points (balance, ledger, quarterly statement, reward catalogue with redemption, my
redemptions) and the redemptions the area's staff hand over."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance.errors import InvalidTransition, NotAllowed, ValidationFailed
from orgchart import policy
from orgchart.pages import paginate, query_string
from volunteers import exports, selectors, services
from volunteers.forms import (
    RedeemForm,
    parse_quarter,
)
from volunteers.models import (
    Redemption,
)
from volunteers.views.shared import (
    export_request,
    page_base,
    require_page,
    volunteer_name,
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
    volunteer = services.volunteer_of(user)
    require_page(volunteer is not None)
    quarter = _quarter(request)
    entries = selectors.point_entry_list_visible(user=user)
    export = export_request(request, {})
    if export is not None:
        return exports.point_entry_export(export, entries)
    statement = selectors.points_statement(user=user, quarter=quarter, volunteer=volunteer).first()
    page = paginate(request, entries)
    rewards = selectors.reward_list_visible(user=user, active=True)
    redemptions = selectors.redemption_list_visible(user=user)[:20]
    context = {
        **page_base(request, "points"),
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
    hands_over: bool  # the user may hand the reward over (once it is not handed over yet)


@login_required
def redemption_list(request: HttpRequest) -> HttpResponseBase:
    """积分兑换: the area's redemptions, those to hand over first when asked."""
    user = request.user
    pending = request.GET.get("pending", "") == "1"
    redemptions = selectors.redemption_list_visible(
        user=user, handed_over=False if pending else None
    )
    export = export_request(request, {"pending": pending})
    if export is not None:
        return exports.redemption_export(export, redemptions)
    page = paginate(request, redemptions)
    context = {
        **page_base(request, "redemptions"),
        "page": page,
        "rows": [
            # The rows are the user's own scoped list: the role's rule settles the rest.
            RedemptionRow(
                item,
                volunteer_name(user, item.volunteer),
                policy.role_may(user, "redemption.hand_over", item),
            )
            for item in page.object_list
        ],
        "pending": pending,
        "filters": query_string(request, "pending"),
    }
    return render(request, "volunteers/redemptions.html", context)


@login_required
@require_POST
def redemption_hand_over(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = request.user
    redemption = selectors.redemption_get(user=user, pk=pk)
    services.redemption_hand_over(actor=user, redemption=redemption)
    messages.success(request, _("Handed over."))
    target = reverse("volunteers:redemptions")
    kept = query_string(request, "pending")
    if request.POST.get("pending") == "1":
        kept = "pending=1"
    return redirect(f"{target}?{kept}" if kept else target)
