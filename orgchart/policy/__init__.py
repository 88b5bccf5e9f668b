"""The access policy: the one place that says which rows a user sees and what they may do.

* ``policy(user, resource)`` returns the queryset of rows of ``resource`` the user may see.
  Outside it a row does not exist for them: pages and the API answer 404, the admin treats
  the row as missing.
* ``can(user, action, obj)`` says whether the user may take ``action`` on ``obj``;
  ``require(user, action, obj)`` raises ``OutOfScope`` (404) when the row is not visible and
  ``NotAllowed`` (403) when it is visible but the role may not act.
* ``role_may(user, action, obj)`` is the role's rule alone, for a caller that has settled
  visibility already (or an object that belongs to no unit).

Resources are named by model label (``"orgchart.OrgUnit"``) or given as the model class. The
apps above ``orgchart`` (grids, petitions, volunteers) get their rules here too, written against
model labels and field paths so this package never imports them (DESIGN §3 layers):

* ``core``: scopes, the two registries and the questions above;
* ``people``: the org tree, departments, accounts, people, party members, posts;
* ``grids``, ``petitions``, ``volunteers``: the rules of those apps.
"""

from orgchart.policy import grids, people, petitions, volunteers
from orgchart.policy.core import (
    ACTION_RULES,
    VISIBILITY_RULES,
    ActionRule,
    AnyUser,
    Role,
    Scope,
    VisibilityRule,
    actions_for,
    can,
    is_visible,
    policy,
    refresh_scope,
    require,
    role_may,
    scope_of,
    staffed_grids_q,
)
from orgchart.policy.people import (
    PEOPLE_ROLES,
    REVEAL_ROLES,
    may_reveal_in_bulk,
    sees_full_names,
)

__all__ = [
    "ACTION_RULES",
    "PEOPLE_ROLES",
    "REVEAL_ROLES",
    "VISIBILITY_RULES",
    "ActionRule",
    "AnyUser",
    "Role",
    "Scope",
    "VisibilityRule",
    "actions_for",
    "can",
    "grids",
    "is_visible",
    "may_reveal_in_bulk",
    "people",
    "petitions",
    "policy",
    "refresh_scope",
    "require",
    "role_may",
    "scope_of",
    "sees_full_names",
    "staffed_grids_q",
    "volunteers",
]
