"""Households and residents as importable ledgers (房屋/居民台账导入, DESIGN §9).

``register()`` (called from ``GridsConfig.ready()``) offers them to the generic import pages
of ``governance.ledger`` (``/ledgers/households/import/``, ``/ledgers/residents/import/``):
template, dry-run preview, per-row errors, all or nothing, .xlsx and legacy .xls. These modules
only check rows (``prepare``, reads only) and write them (``apply``, through
``grids.services`` and ``orgchart.services``).

* ``households``: a row names its community (division code or path, within the user's area:
  ``orgchart.ledgers.UnitResolver``), its basic grid (name or code) and the dwelling (a
  building unit of the community by name, or the building as free text; stairwell, room, or
  the address as written). A household is found by its address in the community: an existing
  one is updated (moved to the grid the row names, its description corrected), never
  recorded twice.
* ``residents``: a row names the household (community + address; with a grid, a household
  not yet recorded is recorded in that grid) and the person. The person is found by the
  document's keyed hash: a person already known anywhere is linked, never registered twice;
  a current resident of that household is updated, not added again.
* ``shared``: the community and grid columns, how a row's community and grid are found and
  how names are compared.

In both, empty cells leave recorded values as they are, and the same file imported twice
changes nothing. Admins and community workers import (grid workers record households and
residents one by one on their pages); each row is checked against ``orgchart.policy``
(``grid.add_household``, ``household.change``, ``household.move``,
``household.add_resident``, ``resident.change``): a unit outside the user's area is "not in
your area" in that row.
"""

from __future__ import annotations

from governance.ledger.registry import register_import
from grids.ledgers.households import (
    FLOOR_AREA_UNITS,
    HOUSEHOLD_CHANGEABLE,
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_ERROR_COLUMNS,
    HOUSEHOLDS,
    TENURE_ALIASES,
    HouseholdPlan,
    apply_households,
    may_import_households,
    prepare_household,
)
from grids.ledgers.residents import (
    CARE_TAG_ALIASES,
    NO_TAGS,
    RELATION_ALIASES,
    RESIDENT_COLUMNS,
    RESIDENT_ERROR_COLUMNS,
    RESIDENTS,
    TAG_SEPARATORS,
    ResidentPlan,
    apply_residents,
    care_tag_keys,
    may_import_residents,
    prepare_resident,
)
from grids.ledgers.shared import COMMUNITY_COLUMN

__all__ = [
    "CARE_TAG_ALIASES",
    "COMMUNITY_COLUMN",
    "FLOOR_AREA_UNITS",
    "HOUSEHOLDS",
    "HOUSEHOLD_CHANGEABLE",
    "HOUSEHOLD_COLUMNS",
    "HOUSEHOLD_ERROR_COLUMNS",
    "NO_TAGS",
    "RELATION_ALIASES",
    "RESIDENTS",
    "RESIDENT_COLUMNS",
    "RESIDENT_ERROR_COLUMNS",
    "TAG_SEPARATORS",
    "TENURE_ALIASES",
    "HouseholdPlan",
    "ResidentPlan",
    "apply_households",
    "apply_residents",
    "care_tag_keys",
    "may_import_households",
    "may_import_residents",
    "prepare_household",
    "prepare_resident",
    "register",
]


def register() -> None:
    register_import(HOUSEHOLDS)
    register_import(RESIDENTS)
