"""REST endpoints of the volunteers app (DESIGN §5, §7).

Reads go through ``volunteers.selectors`` (scoped by ``orgchart.policy``: a row outside the
caller's scope is a 404, a malformed id too). Every state change is an explicit POST action: an
input serializer checks the shape, one service call does the change (403 when the role may not
act, 409 for an illegal transition or a stale ``version``), the output serializer renders the
result.

* ``wishes/`` (``?unit=``, ``?status=``, ``?q=``; ``POST`` = post a wish) with ``{id}/claim/``,
  ``release/``, ``fulfil/`` (JSON, or multipart with an optional ``photo``), ``confirm/``,
  ``withdraw/``; ``{id}/photo/`` is the photo.
* ``work-orders/`` (``?unit=``, ``?status=`` the 五单 stage, ``?team=``, ``?overdue=1``,
  ``?q=``; ``POST`` = 点单, optionally from a ``petition``) with ``{id}/dispatch/``,
  ``accept/``, ``complete/``, ``verify/``, ``return/``, ``supervise/``, ``cancel/`` and
  ``events/`` (the timeline). The detail carries the 四公开 block (``publicity``).
* ``activities/`` (``?unit=``, ``?from=``, ``?to=``; ``POST`` = announce) with
  ``{id}/sign-up/`` and ``{id}/cancel-sign-up/`` (the caller's own; an organiser names the
  ``signup``), ``{id}/signups/`` (organisers and staff) and ``{id}/check-in/`` (body: the
  ``signup`` id and optional ``hours``).
* ``points/`` (the caller's ledger with its ``balance``; staff: ``?volunteer=``, ``?unit=``,
  ``?from=``, ``?to=``) and ``points/statement/?year=&quarter=`` (``&volunteer=`` or
  ``&branch=<unit id>``): the quarterly statement with its totals.
* ``rewards/`` (the catalogue; staff ``POST`` and ``{id}/restock/``), ``redemptions/``
  (``POST`` = redeem with the caller's own volunteer record; ``{id}/hand-over/`` for staff).
* Read only: ``volunteers/``, ``teams/``, ``partner-units/``, ``dual-registrations/``
  (``?unit=`` the community's subtree, ``?partner=``).

Every list also answers ``?format=xlsx|csv`` through ``volunteers.exports``, with the rows of
the JSON list (scope and filters applied, unpaginated).

One module per area (``wishes``, ``work_orders``, ``activities``, ``points`` with rewards and
redemptions, ``registers`` for the read-only lists; ``shared`` for what they have in common);
the viewsets are re-exported here for the router in ``governance/urls.py``.
"""

from volunteers.api.activities import ActivityViewSet
from volunteers.api.points import PointViewSet, RedemptionViewSet, RewardViewSet
from volunteers.api.registers import (
    DualRegistrationViewSet,
    PartnerUnitViewSet,
    TeamViewSet,
    VolunteerViewSet,
)
from volunteers.api.wishes import WishViewSet
from volunteers.api.work_orders import WorkOrderViewSet

__all__ = [
    "ActivityViewSet",
    "DualRegistrationViewSet",
    "PartnerUnitViewSet",
    "PointViewSet",
    "RedemptionViewSet",
    "RewardViewSet",
    "TeamViewSet",
    "VolunteerViewSet",
    "WishViewSet",
    "WorkOrderViewSet",
]
