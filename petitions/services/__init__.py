"""Every state change of petitions and dispatches (DESIGN §5), one function per action.

Each action cleans its input, computes the changes and takes the step through the one
workflow core (``governance.workflow.transition`` with ``petitions.workflows``), which

1. reads the row fresh under a row lock (lock order everywhere: the petition, then its
   dispatches) and checks the actor against ``orgchart.policy`` (404 outside scope, 403 for a
   role that may not act), unless the actor is the system (``actor=None``: the sweep, demo
   data);
2. checks the source status against the tables in ``petitions.models`` and the workflow's
   guards (``InvalidTransition``, 409) and the caller's ``expected_version``
   (``ConcurrentUpdate``, 409, for a stale page or request);
3. changes status by compare-and-swap on (status, version) and appends the event row in the
   same transaction; notifications are rows in the same transaction too.

The same request again (same action, actor, note and details) is a no-op that answers as the
first did; the same action by the same person with another input is a 409.

* ``policies``: which deadline policy applies; the defaults;
* ``intake``: logging a petition (number, repeat detection);
* ``actions``: what unit staff and officials do (accept … decide an extension);
* ``dispatches``: what department handlers do (report, return, complete) and the rating;
* ``escalation``: the sweep's escalation and automatic closing, row by row and per batch;
* ``calendar``: the working-day calendar (years, days), for administrators;
* ``reveal``: the petitioner's name and phone in full, audited.
"""

from petitions.services.actions import (
    petition_accept,
    petition_close,
    petition_decide_extension,
    petition_dispatch,
    petition_evaluate,
    petition_reject,
    petition_reopen,
    petition_reply,
    petition_request_extension,
    petition_start,
    petition_supervise,
    petition_tag_complex,
)
from petitions.services.dispatches import (
    dispatch_complete,
    dispatch_rate,
    dispatch_report,
    dispatch_return,
)
from petitions.services.escalation import (
    Due,
    petition_auto_close,
    petition_escalate,
    petitions_auto_close,
    petitions_escalate,
)
from petitions.services.intake import petition_create
from petitions.services.policies import (
    DEFAULT_POLICIES,
    deadline_policies_ensure_defaults,
    deadline_policy_create,
    deadline_policy_for,
    deadline_policy_require_admin,
    deadline_policy_update,
)
from petitions.services.reveal import Petitioner, petition_reveal_petitioner

__all__ = [
    "DEFAULT_POLICIES",
    "Due",
    "Petitioner",
    "deadline_policies_ensure_defaults",
    "deadline_policy_create",
    "deadline_policy_for",
    "deadline_policy_require_admin",
    "deadline_policy_update",
    "dispatch_complete",
    "dispatch_rate",
    "dispatch_report",
    "dispatch_return",
    "petition_accept",
    "petition_auto_close",
    "petition_close",
    "petition_create",
    "petition_decide_extension",
    "petition_dispatch",
    "petition_escalate",
    "petition_evaluate",
    "petition_reject",
    "petition_reopen",
    "petition_reply",
    "petition_request_extension",
    "petition_reveal_petitioner",
    "petition_start",
    "petition_supervise",
    "petition_tag_complex",
    "petitions_auto_close",
    "petitions_escalate",
]
