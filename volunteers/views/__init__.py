"""The volunteer service pages.

Every read goes through ``volunteers.selectors`` (scope: a row outside it is a 404), every
change through ``volunteers.services``. A role that may not take an action gets 403 before
its form is read; bad input re-renders the page with field messages (400); an action the row
no longer allows, or a stale ``version``, re-renders the page with the current state and a
message (409). Lists cost the same number of queries for one row and for many.
"""

from volunteers.views.points import my_points, redemption_hand_over, redemption_list, reward_redeem
from volunteers.views.shared import is_volunteer, is_volunteer_staff, nav_for, sees_volunteer_pages
from volunteers.views.wishes import index, wish_act, wish_detail, wish_list, wish_new
from volunteers.views.work_orders import work_order_act, work_order_board, work_order_detail

__all__ = [
    "index",
    "is_volunteer",
    "is_volunteer_staff",
    "my_points",
    "nav_for",
    "redemption_hand_over",
    "redemption_list",
    "reward_redeem",
    "sees_volunteer_pages",
    "wish_act",
    "wish_detail",
    "wish_list",
    "wish_new",
    "work_order_act",
    "work_order_board",
    "work_order_detail",
]
