"""Scoped reads of the volunteers app: every function takes the user and goes through the access
policy (``orgchart.policy``), so a row outside the caller's scope does not exist for them.

List selectors return querysets with their joins and per-row figures already attached
(``select_related`` and subquery annotations), so a list costs the same number of queries
however many rows it shows. ``*_get`` raises ``OutOfScope`` (404) for a row the user may not
see and for a malformed id.

Points: ``points_balance_visible`` sums the ledger the caller sees; ``quarter_bounds`` and
``points_statement`` give the quarterly statement (期初, earned, redeemed, 期末, service hours)
per volunteer, for one volunteer or a branch (a unit: the volunteers registered in its subtree
and the party members organised there).

* ``registers``: 双报到 registrations, partner units and pairings (包联), volunteers, teams;
* ``wishes``: micro-wishes (微心愿) and their history;
* ``work_orders``: the 五单法 work orders, their stage order, deadline light and timeline;
* ``activities``: activities with their sign-up figures, and sign-ups;
* ``points``: the points ledger, quarterly statement, rewards, redemptions and the ranking;
* ``shared``: the subtree filter, the scoped get, local midnight and what the others share.
"""

from volunteers.selectors.activities import (
    activity_get,
    activity_list_visible,
    signup_get,
    signup_list_visible,
)
from volunteers.selectors.points import (
    Quarter,
    StatementFigures,
    current_quarter,
    point_entry_list_visible,
    points_balance_visible,
    points_ranking,
    points_statement,
    points_statement_totals,
    quarter_bounds,
    redemption_get,
    redemption_list_visible,
    reward_get,
    reward_list_visible,
)
from volunteers.selectors.registers import (
    VolunteerShare,
    dual_registration_get,
    dual_registration_list_visible,
    pairing_get,
    pairing_list_visible,
    partner_unit_get,
    partner_unit_list_visible,
    team_get,
    team_list_visible,
    team_members,
    volunteer_get,
    volunteer_list_visible,
    volunteer_share_by_community,
)
from volunteers.selectors.shared import HOURS, local_day_start
from volunteers.selectors.wishes import wish_events, wish_get, wish_list_visible
from volunteers.selectors.work_orders import (
    DUE_STATUSES,
    STAGE_ORDER,
    stage_order,
    work_order_events,
    work_order_get,
    work_order_light,
    work_order_list_visible,
    work_order_provider_is_party_member,
)

__all__ = [
    "DUE_STATUSES",
    "HOURS",
    "STAGE_ORDER",
    "Quarter",
    "StatementFigures",
    "VolunteerShare",
    "activity_get",
    "activity_list_visible",
    "current_quarter",
    "dual_registration_get",
    "dual_registration_list_visible",
    "local_day_start",
    "pairing_get",
    "pairing_list_visible",
    "partner_unit_get",
    "partner_unit_list_visible",
    "point_entry_list_visible",
    "points_balance_visible",
    "points_ranking",
    "points_statement",
    "points_statement_totals",
    "quarter_bounds",
    "redemption_get",
    "redemption_list_visible",
    "reward_get",
    "reward_list_visible",
    "signup_get",
    "signup_list_visible",
    "stage_order",
    "team_get",
    "team_list_visible",
    "team_members",
    "volunteer_get",
    "volunteer_list_visible",
    "volunteer_share_by_community",
    "wish_events",
    "wish_get",
    "wish_list_visible",
    "work_order_events",
    "work_order_get",
    "work_order_light",
    "work_order_list_visible",
    "work_order_provider_is_party_member",
]
