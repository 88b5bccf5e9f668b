"""Which volunteer pages a user gets links to (no query: the role only), and the petition
page's link to its work order (转为工单, at most one query)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from orgchart.policy import AnyUser
from volunteers import selectors, views
from volunteers.views.work_orders import ordering_community

register = template.Library()


@register.filter
def is_volunteer_account(user: AnyUser) -> bool:
    return views.is_volunteer(user)


@dataclass(frozen=True)
class PetitionWorkOrder:
    """The work order a petition became (``order_id``, ``number``), or ``may_order``: the user
    may turn the petition into one."""

    order_id: int | None = None
    number: str = ""
    may_order: bool = False


@register.simple_tag
def petition_work_order(user: AnyUser, petition: Any) -> PetitionWorkOrder | None:
    """For a petition's page (the petitions app does not import this one): the work order the
    petition became, when the user sees it; else whether the user may order work (点单) at the
    petition's community. None when there is nothing to link. One query for the area's staff,
    none for anyone else."""
    if not views.is_volunteer_staff(user):
        return None
    order = (
        selectors.work_order_list_visible(user=user)
        .filter(petition_id=petition.pk)
        .values("pk", "number")
        .first()
    )
    if order is not None:
        return PetitionWorkOrder(order_id=order["pk"], number=order["number"])
    community = ordering_community(user)
    if community is not None and community.pk == petition.community_id:
        return PetitionWorkOrder(may_order=True)
    return None
