"""The kinds of notification the volunteers app sends (``notifications.kinds``), registered by
``VolunteersConfig.ready``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from notifications import kinds

# The sweep noted that an open work order missed its deadline (its community's staff are told).
WORK_ORDER_OVERDUE = "work_order.overdue"


def register_kinds() -> None:
    kinds.register(WORK_ORDER_OVERDUE, _("work order overdue"))
