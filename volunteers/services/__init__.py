"""Every write of the volunteers app (DESIGN §5), one function per action.

* ``registration``: partner units and pairings (包联), 双报到, volunteers, teams;
* ``wishes``: micro-wishes (微心愿);
* ``work_orders``: the 五单法 work orders and their overdue note;
* ``activities``: activities, sign-up within the capacity, check-in and hours;
* ``points``: idempotent awards, rewards and redemptions that never overdraw.

Wish and work-order steps go through the one workflow core (``governance.workflow.transition``
with ``volunteers.workflows``): the row is locked, the policy asked, the source status checked
against the tables in ``volunteers.models`` (409), the version compare-and-swapped and an
event row appended in the same transaction. An actor repeating their own last request (a
retried request, whatever version it carries) gets a no-op; the same step with another input,
or by someone else, is a 409.
"""

from volunteers.services.activities import (
    activity_cancel,
    activity_cancel_sign_up,
    activity_check_in,
    activity_create,
    activity_create_weekly,
    activity_sign_up,
)
from volunteers.services.points import (
    DEFAULT_RULES,
    point_rule_update,
    point_rules_ensure_defaults,
    points_award,
    points_balance,
    redemption_create,
    redemption_hand_over,
    reward_create,
    reward_restock,
)
from volunteers.services.registration import (
    dual_register,
    dual_registration_end,
    pairing_create,
    pairing_end,
    partner_unit_create,
    team_create,
    team_update_members,
    volunteer_register,
)
from volunteers.services.wishes import (
    volunteer_of,
    wish_claim,
    wish_confirm,
    wish_fulfil,
    wish_post,
    wish_release,
    wish_withdraw,
)
from volunteers.services.work_orders import (
    work_order_accept,
    work_order_cancel,
    work_order_complete,
    work_order_create,
    work_order_dispatch,
    work_order_note_overdue,
    work_order_return,
    work_order_supervise,
    work_order_verify,
)

__all__ = [
    "DEFAULT_RULES",
    "activity_cancel",
    "activity_cancel_sign_up",
    "activity_check_in",
    "activity_create",
    "activity_create_weekly",
    "activity_sign_up",
    "dual_register",
    "dual_registration_end",
    "pairing_create",
    "pairing_end",
    "partner_unit_create",
    "point_rule_update",
    "point_rules_ensure_defaults",
    "points_award",
    "points_balance",
    "redemption_create",
    "redemption_hand_over",
    "reward_create",
    "reward_restock",
    "team_create",
    "team_update_members",
    "volunteer_of",
    "volunteer_register",
    "wish_claim",
    "wish_confirm",
    "wish_fulfil",
    "wish_post",
    "wish_release",
    "wish_withdraw",
    "work_order_accept",
    "work_order_cancel",
    "work_order_complete",
    "work_order_create",
    "work_order_dispatch",
    "work_order_note_overdue",
    "work_order_return",
    "work_order_supervise",
    "work_order_verify",
]
