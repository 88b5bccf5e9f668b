"""What the household and resident ledgers share: the community and grid columns, how a
row's community and grid are found (each community's grids, buildings and households
loaded once per run) and how names are compared."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.ledger.imports import Choice, Column, ImportContext, RowPlan
from grids.models import Grid, Household
from orgchart import policy
from orgchart.ledgers.units import UnitNotFound, resolver_for
from orgchart.models import OrgUnit


def _choices(choices: Any, aliases: dict[str, tuple[str, ...]]) -> tuple[Choice, ...]:
    return tuple(
        Choice(value, label, aliases=aliases.get(value, ())) for value, label in choices.choices
    )


COMMUNITY_COLUMN = Column(
    "community",
    gettext_lazy("community"),
    required=True,
    width=20,
    example="139902001001",
    aliases=("所属社区", "社区/村"),
    help_text=gettext_lazy(
        "The community's 12-digit division code or its path of names separated by /, "
        "e.g. 东城街道/光明社区."
    ),
)


def _grid_column(*, required: bool, help_text: Promise) -> Column:
    return Column(
        "grid",
        gettext_lazy("grid"),
        required=required,
        width=16,
        example="光明一网格",
        aliases=("所属网格", "网格名称", "网格编码"),
        help_text=help_text,
    )


def _key(text: object) -> str:
    """How addresses and names are compared: NFKC, no whitespace, case-folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).casefold()


class _Community:
    """What a run knows about one community: its grids, buildings and households, each
    loaded once (one query each, however many rows name the community)."""

    def __init__(self, user: Any, community: OrgUnit) -> None:
        self.user = user
        self.community = community
        self._grids: dict[str, list[Grid]] | None = None
        self._buildings: list[OrgUnit] | None = None
        self._households: dict[str, Household] | None = None
        self._may: dict[tuple[str, int], bool] = {}

    def grids(self, text: str) -> list[Grid]:
        if self._grids is None:
            self._grids = {}
            for grid in policy.policy(self.user, Grid).filter(community=self.community):
                self._grids.setdefault(_key(grid.name), []).append(grid)
                if grid.code and _key(grid.code) != _key(grid.name):
                    self._grids.setdefault(_key(grid.code), []).append(grid)
        return self._grids.get(_key(text), [])

    def buildings(self) -> list[OrgUnit]:
        if self._buildings is None:
            community = self.community
            self._buildings = list(
                OrgUnit.objects.filter(
                    kind=OrgUnit.Kind.BUILDING,
                    tree_id=community.tree_id,
                    lft__gt=community.lft,
                    lft__lt=community.rght,
                )
                .select_related("parent")
                .order_by("lft")
            )
        return self._buildings

    def household(self, address: str) -> Household | None:
        if self._households is None:
            self._households = {
                _key(household.address): household
                for household in policy.policy(self.user, Household)
                .filter(community=self.community)
                .select_related("grid", "building")
            }
        return self._households.get(_key(address))

    def may(self, action: str, obj: Grid | Household) -> bool:
        """``policy.can``, asked once per action and grid or household in a run."""
        key = (f"{action}:{type(obj).__name__}", obj.pk)
        if key not in self._may:
            self._may[key] = policy.can(self.user, action, obj)
        return self._may[key]


def _community(plan: RowPlan, context: ImportContext, text: str | None) -> _Community | None:
    """The community a row names (division code or path, within the user's area)."""
    if not text:
        return None
    try:
        unit = resolver_for(context).find(text)
    except UnitNotFound as error:
        plan.add_error("community", error.message)
        return None
    if not isinstance(unit, OrgUnit) or unit.kind != OrgUnit.Kind.COMMUNITY:
        plan.add_error("community", _("Name a community (社区/村)."))
        return None
    communities: dict[int, _Community] = context.memo("communities", dict)
    if unit.pk not in communities:
        communities[unit.pk] = _Community(context.user, unit)
    return communities[unit.pk]


def _grid(plan: RowPlan, community: _Community, text: str | None) -> Grid | None:
    """A basic, active grid of the community, by name or code."""
    if not text:
        return None
    grids = community.grids(text)
    if not grids:
        plan.add_error(
            "grid",
            _("The community has no grid with this name or code: %(grid)s.") % {"grid": text},
        )
        return None
    if len(grids) > 1:
        plan.add_error("grid", _("Several grids match: write the grid's code."))
        return None
    grid = grids[0]
    if grid.kind != Grid.Kind.BASIC:
        plan.add_error("grid", _("A household belongs to a basic grid."))
    elif not grid.is_active:
        plan.add_error("grid", _("This grid is no longer active."))
    return grid
