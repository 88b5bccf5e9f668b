"""The households ledger (房屋台账): one dwelling a row, found by its address in the community."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.ledger.imports import (
    Column,
    ImportContext,
    LedgerImport,
    Row,
    RowPlan,
    applying,
    duplicate_message,
)
from grids import services
from grids.ledgers.shared import (
    COMMUNITY_COLUMN,
    _choices,
    _Community,
    _community,
    _grid,
    _grid_column,
    _key,
)
from grids.models import Grid, Household
from orgchart.ledgers.units import anchor_allows, plain_user
from orgchart.models import OrgUnit

FLOOR_AREA_UNITS = re.compile(r"\s*(㎡|m²|m2|平方米|平米)$", re.IGNORECASE)
TENURE_ALIASES: dict[str, tuple[str, ...]] = {
    Household.Tenure.OWNED: ("自住", "自有"),
    Household.Tenure.RENTED: ("出租", "租住"),
    Household.Tenure.VACANT: ("空置", "空房"),
}


HOUSEHOLD_COLUMNS = (
    COMMUNITY_COLUMN,
    _grid_column(
        required=True,
        help_text=gettext_lazy("The name or code of a basic grid of the community."),
    ),
    Column(
        "building",
        gettext_lazy("building"),
        max_length=50,
        width=14,
        example="1号楼",
        aliases=("楼栋", "楼号"),
        help_text=gettext_lazy(
            "A building of the community by its name in the org tree (compound/building where "
            "two have the same name), or the building as written on the door."
        ),
    ),
    Column(
        "entrance",
        gettext_lazy("stairwell"),
        max_length=10,
        width=8,
        example="1",
        aliases=("单元", "单元号"),
    ),
    Column(
        "room",
        gettext_lazy("room"),
        max_length=20,
        width=8,
        example="101",
        aliases=("房号", "门牌号", "室"),
    ),
    Column(
        "address",
        gettext_lazy("address"),
        max_length=200,
        width=28,
        aliases=("房屋地址", "详细地址"),
        help_text=gettext_lazy(
            "Optional: made from building, stairwell and room (1号楼1单元101室) unless given. "
            "A household already recorded at this address in the community is updated."
        ),
    ),
    Column(
        "floor_area",
        gettext_lazy("floor area (m²)"),
        width=10,
        example="85.5",
        aliases=("面积", "建筑面积", "房屋面积"),
        help_text=gettext_lazy("In square metres, e.g. 85.5."),
    ),
    Column(
        "tenure",
        gettext_lazy("tenure"),
        kind="choice",
        choices=_choices(Household.Tenure, TENURE_ALIASES),
        width=12,
        aliases=("房屋性质", "居住性质"),
        help_text=gettext_lazy("Empty: owner-occupied (for a new household)."),
    ),
)

HOUSEHOLD_ERROR_COLUMNS = {"building_label": "building"}


def may_import_households(user: Any) -> bool:
    return anchor_allows(user, "grid.add_household", "ledger.import_households")


def _households_url(user: Any) -> str:
    return reverse("grids:households")


def _building(plan: RowPlan, community: _Community, text: str | None) -> tuple[OrgUnit | None, str]:
    """A building unit of the community (by name, or compound/building), else the free text."""
    if not text:
        return None, ""
    segments = [_key(part) for part in re.split(r"\s*[/>\\]\s*", text) if part.strip()]
    if not segments:
        return None, ""
    found = [
        building
        for building in community.buildings()
        if _key(building.name) == segments[-1]
        and (
            len(segments) == 1
            or (building.parent is not None and _key(building.parent.name) == segments[-2])
        )
    ]
    if len(found) > 1:
        plan.add_error(
            "building",
            _(
                "Several buildings of the community have this name: write compound/building, "
                "e.g. %(example)s."
            )
            % {"example": f"{found[0].parent.name if found[0].parent else ''}/{found[0].name}"},
        )
        return None, ""
    if found:
        return found[0], ""
    return None, text.strip()


def _floor_area(plan: RowPlan, text: str | None) -> Decimal | None:
    if not text:
        return None
    cleaned = FLOOR_AREA_UNITS.sub("", unicodedata.normalize("NFKC", text).replace(",", ""))
    try:
        area = Decimal(cleaned).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        plan.add_error("floor_area", _("Enter a number."))
        return None
    if not Decimal("1") <= area <= Decimal("99999"):
        plan.add_error("floor_area", _("A floor area lies between 1 and 99,999 m²."))
        return None
    return area


@dataclass(frozen=True)
class HouseholdPlan:
    grid: Grid
    household_id: int | None
    # For a new household: every field; for a recorded one: what the row changes.
    fields: dict[str, Any]
    move: bool = False


HOUSEHOLD_CHANGEABLE = ("building", "building_label", "entrance", "room", "floor_area", "tenure")


def prepare_household(row: Row, user: Any, context: ImportContext) -> RowPlan:
    """One dwelling: found by its address in the community (update or unchanged), else
    created in the grid the row names."""
    plan = RowPlan()
    community = _community(plan, context, row.get("community"))
    if community is None:
        return plan
    grid = _grid(plan, community, row.get("grid"))
    building, building_label = _building(plan, community, row.get("building"))
    floor_area = _floor_area(plan, row.get("floor_area"))
    entrance, room = row.get("entrance") or "", row.get("room") or ""
    address = row.get("address") or ""
    if not address and (building is not None or building_label):
        address = services.household_address(
            building=building, building_label=building_label, entrance=entrance, room=room
        )
    if not address:
        plan.add_error("address", _("Give the address, or the building and room."))
    if not plan.ok or grid is None:
        return plan
    earlier = context.claim(("household", community.community.pk, _key(address)), row.number)
    if earlier:
        plan.add_error("address" if row.get("address") else "room", duplicate_message(earlier))
        return plan
    given: dict[str, Any] = {}
    if row.get("building") is not None:
        given["building"], given["building_label"] = building, building_label
    for name, value in (
        ("entrance", row.get("entrance")),
        ("room", row.get("room")),
        ("floor_area", floor_area),
        ("tenure", row.get("tenure")),
    ):
        if value is not None:
            given[name] = value
    household = community.household(address)
    if household is None:
        if not community.may("grid.add_household", grid):
            plan.add_error("grid", _("Your role may not record households in this grid."))
            return plan
        plan.action = "create"
        plan.data = HouseholdPlan(
            grid=grid,
            household_id=None,
            fields={"address": row.get("address") or "", **given},
        )
        return plan
    changes = {name: value for name, value in given.items() if getattr(household, name) != value}
    move = grid.pk != household.grid_id
    if move and not community.may("household.move", household):
        plan.add_error("grid", _("Your role may not move this household to another grid."))
    if changes and not community.may("household.change", household):
        plan.add_error("", _("Your role may not change this household."))
    if not plan.ok:
        return plan
    plan.action = "update" if changes or move else "unchanged"
    plan.changes = (*(("grid",) if move else ()), *_columns_of(changes))
    plan.data = HouseholdPlan(grid=grid, household_id=household.pk, fields=changes, move=move)
    return plan


def _columns_of(changes: dict[str, Any]) -> tuple[str, ...]:
    names = ["building" if name == "building_label" else name for name in changes]
    return tuple(dict.fromkeys(names))


def apply_households(plans: list[RowPlan], user: Any) -> None:
    """Create each new household in its grid; move and correct recorded ones."""
    user = plain_user(user)
    for plan in plans:
        data: HouseholdPlan = plan.data
        with applying(plan, fields=HOUSEHOLD_ERROR_COLUMNS):
            if data.household_id is None:
                services.household_create(actor=user, grid=data.grid, **data.fields)
                continue
            household = Household.objects.get(pk=data.household_id)
            if data.move:
                household = services.household_move(actor=user, household=household, grid=data.grid)
            if data.fields:
                # The address is the household's identity in the file: keep it as recorded
                # when the building or room is corrected.
                services.household_update(
                    actor=user, household=household, address=household.address, **data.fields
                )


HOUSEHOLDS = LedgerImport(
    name="households",
    title=gettext_lazy("Households"),
    columns=HOUSEHOLD_COLUMNS,
    permission=may_import_households,
    prepare=prepare_household,
    apply=apply_households,
    preview_fields=("community", "grid", "address", "building", "room"),
    notes=(
        gettext_lazy(
            "A household is found by its address in the community: one already recorded is "
            "updated (and moved to the grid the row names), never recorded twice."
        ),
    ),
    return_url=_households_url,
)
