"""What the home dashboard shows for a user's scope."""

from __future__ import annotations

from dataclasses import dataclass

from orgchart import selectors as org_selectors
from orgchart.models import OrgUnit
from orgchart.policy import AnyUser


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    total: int


@dataclass(frozen=True)
class Dashboard:
    roots: list[OrgUnit]
    unit_counts: list[KindCount]
    weak_units: int
    department_count: int


def dashboard_for(*, user: AnyUser) -> Dashboard:
    """The first dashboard of the user's scope: units by kind, weak units, departments."""
    counts = org_selectors.orgunit_counts_by_kind(user=user)
    roots = list(org_selectors.orgunit_roots_visible(user=user))
    # Kinds from the top of the user's area downwards (a community worker has no districts).
    kinds = OrgUnit.Kind.values
    top = min((kinds.index(root.kind) for root in roots), default=0)
    return Dashboard(
        roots=roots,
        unit_counts=[
            KindCount(kind, str(label), counts[kind])
            for kind, label in OrgUnit.Kind.choices
            if kinds.index(kind) >= top
        ],
        weak_units=org_selectors.orgunit_list_visible(user=user).filter(is_weak=True).count(),
        department_count=org_selectors.department_list_visible(user=user).count(),
    )
