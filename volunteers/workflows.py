"""The micro-wish and work-order workflows, declared on the one workflow core
(``governance.workflow``). The services take every step through ``transition``; pages and the
API ask ``available_actions`` of the same declarations."""

from __future__ import annotations

from typing import Any

from governance.workflow import Workflow
from orgchart import policy
from orgchart.selectors import account_place
from volunteers.models import (
    WISH_TRANSITIONS,
    WORK_ORDER_TRANSITIONS,
    Wish,
    WishAction,
    WishEvent,
    WorkOrder,
    WorkOrderAction,
    WorkOrderEvent,
)


def _permitted(user: Any, obj: Any, actions: list[str]) -> set[str]:
    return policy.actions_for(user, obj, actions)


def lock_wish(pk: int) -> Wish:
    Wish.objects.select_for_update().filter(pk=pk).values_list("pk").get()
    return read_wish(pk)


def read_wish(pk: int) -> Wish:
    return Wish.objects.select_related("claimed_by", "claimed_by__person").get(pk=pk)


WISH_WORKFLOW: Workflow[Wish] = Workflow(
    name="wish",
    model=Wish,
    event_model=WishEvent,
    transitions=WISH_TRANSITIONS,
    action_labels=WishAction,
    authorize=policy.require,
    permitted=_permitted,
    events_of=lambda wish: WishEvent.objects.filter(wish_id=wish.pk),
    event_fields=lambda wish, changes: {"wish": wish},
    lock=lock_wish,
    reload=read_wish,
    actor_place=account_place,
    user_actions=tuple(WISH_TRANSITIONS),
)


def lock_work_order(pk: int) -> WorkOrder:
    WorkOrder.objects.select_for_update().filter(pk=pk).values_list("pk").get()
    return read_work_order(pk)


def read_work_order(pk: int) -> WorkOrder:
    return WorkOrder.objects.select_related("team", "partner", "community").get(pk=pk)


WORK_ORDER_WORKFLOW: Workflow[WorkOrder] = Workflow(
    name="workorder",
    model=WorkOrder,
    event_model=WorkOrderEvent,
    transitions=WORK_ORDER_TRANSITIONS,
    action_labels=WorkOrderAction,
    authorize=policy.require,
    permitted=_permitted,
    events_of=lambda order: WorkOrderEvent.objects.filter(work_order_id=order.pk),
    event_fields=lambda order, changes: {"work_order": order},
    lock=lock_work_order,
    reload=read_work_order,
    actor_place=account_place,
    # Supervision notes and the sweep's overdue notes are not steps: a retried accept after
    # them is still a rerun.
    annotations=frozenset({WorkOrderAction.SUPERVISE, WorkOrderAction.OVERDUE}),
    user_actions=tuple(WORK_ORDER_TRANSITIONS),
)
