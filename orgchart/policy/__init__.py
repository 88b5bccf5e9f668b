"""The access policy: the one place that says which rows a user sees and what they may do.

* ``policy(user, resource)`` returns the queryset of rows of ``resource`` the user may see.
  Outside it a row does not exist for them: pages and the API answer 404, the admin treats
  the row as missing.
* ``can(user, action, obj)`` says whether the user may take ``action`` on ``obj``;
  ``require(user, action, obj)`` raises ``OutOfScope`` (404) when the row is not visible and
  ``NotAllowed`` (403) when it is visible but the role may not act.
* ``role_may(user, action, obj)`` is the role's rule alone, for a caller that has settled
  visibility already (or an object that belongs to no unit).
* ``overseen(user, resource)`` is what the admin site lists: ``policy`` itself, except for the
  few resources with an oversight rule (a notification is read by its recipient alone, but
  the admin of an area looks after the notifications of that area).
* ``listed(user, resource)`` is what a long list pages through: the rows of ``policy``,
  written for the database's planner where a list rule says how (petitions: a small subtree
  named by its communities' ids).

Resources are named by model label (``"orgchart.OrgUnit"``) or given as the model class. The
apps above ``orgchart`` (grids, notifications, petitions, volunteers, consultations) get their
rules here too, written against model labels and field paths so this package never imports them
(DESIGN §3 layers):

* ``core``: scopes, the two registries and the questions above;
* ``people``: the org tree, departments, accounts, people, party members, posts;
* ``grids``, ``notifications``, ``petitions``, ``volunteers``, ``consultations``: the rules of
  those apps;
* ``accounts``: what an account's role means (its kind, its anchor, the admin site, who takes
  over from a leaving user);
* ``pages``: which pages, menu entries and ledger imports a role gets (``page.*`` and
  ``ledger.import_*`` rules, asked with ``role_may(user, action, None)``), the sections of the
  app a role uses (``uses_section``, ``nav_sections``: the navbar and the URL gates), and
  where a role works from its anchor (``anchor_for``).
"""

from orgchart.policy import (
    accounts,
    consultations,
    grids,
    notifications,
    pages,
    people,
    petitions,
    volunteers,
)
from orgchart.policy.accounts import (
    anchored_at_department,
    is_grid_worker_account,
    is_volunteer_account,
    may_take_over,
    role_uses_admin_site,
)
from orgchart.policy.consultations import reads_notices
from orgchart.policy.core import (
    ACTION_RULES,
    LIST_RULES,
    OVERSIGHT_RULES,
    VISIBILITY_RULES,
    ActionRule,
    AnyUser,
    Role,
    Scope,
    VisibilityRule,
    actions_for,
    can,
    is_visible,
    listed,
    overseen,
    policy,
    refresh_scope,
    require,
    role_may,
    scope_of,
    staffed_grids_q,
)
from orgchart.policy.pages import (
    NAV_SECTIONS,
    SECTIONS,
    anchor_for,
    browses_units,
    has_own_points,
    intake_community,
    nav_sections,
    own_department_id,
    receives_petition_notifications,
    sees_source_visits,
    sees_staffed_grids_only,
    uses_admin_site,
    uses_section,
    works_with_people,
)
from orgchart.policy.people import (
    PEOPLE_ROLES,
    REVEAL_ROLES,
    may_reveal_in_bulk,
    sees_area_people,
    sees_full_names,
)

__all__ = [
    "ACTION_RULES",
    "LIST_RULES",
    "NAV_SECTIONS",
    "OVERSIGHT_RULES",
    "PEOPLE_ROLES",
    "REVEAL_ROLES",
    "SECTIONS",
    "VISIBILITY_RULES",
    "ActionRule",
    "AnyUser",
    "Role",
    "Scope",
    "VisibilityRule",
    "accounts",
    "actions_for",
    "anchor_for",
    "anchored_at_department",
    "browses_units",
    "can",
    "consultations",
    "grids",
    "has_own_points",
    "intake_community",
    "is_grid_worker_account",
    "is_visible",
    "is_volunteer_account",
    "listed",
    "may_reveal_in_bulk",
    "may_take_over",
    "nav_sections",
    "notifications",
    "overseen",
    "own_department_id",
    "pages",
    "people",
    "petitions",
    "policy",
    "reads_notices",
    "receives_petition_notifications",
    "refresh_scope",
    "require",
    "role_may",
    "role_uses_admin_site",
    "scope_of",
    "sees_area_people",
    "sees_full_names",
    "sees_source_visits",
    "sees_staffed_grids_only",
    "staffed_grids_q",
    "uses_admin_site",
    "uses_section",
    "volunteers",
    "works_with_people",
]
