"""Writes of the dashboard app: the ranking scheme an admin sets."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from governance.audit import audit_record
from governance.dashboard.models import DEPARTMENT_RATES, UNIT_RATES, RankingScheme
from governance.errors import NotAllowed
from governance.models import AuditEvent
from orgchart import policy


@transaction.atomic
def ranking_scheme_save(*, actor: Any, scheme: RankingScheme) -> RankingScheme:
    """Save the weights of the monthly ranking (admins only); an active scheme replaces the
    one active before it. Months already frozen keep the weights they were ranked with."""
    if not policy.uses_admin_site(actor):
        raise NotAllowed()
    created = scheme.pk is None
    if scheme.is_active:
        RankingScheme.objects.select_for_update().filter(is_active=True).exclude(
            pk=scheme.pk
        ).update(is_active=False)
    scheme.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        obj=scheme,
        changes={
            "is_active": scheme.is_active,
            **{name: str(getattr(scheme, name)) for name in (*UNIT_RATES, *DEPARTMENT_RATES)},
        },
    )
    return scheme
