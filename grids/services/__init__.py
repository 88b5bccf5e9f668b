"""Every write about grids, their staff, households, residents and visits.

Each function checks the actor against ``orgchart.policy`` (``actor=None`` is the system:
imports already checked, demo data, tests), validates, writes in one transaction and appends
an audit row. Restricted tags are sealed like ID numbers; the plaintext leaves only through
``resident_reveal_restricted`` (audited).

* ``grids``: creating, describing (boundary, site, topic), deactivating and deleting grids;
* ``outlines``: the outline of a community's grids on the map, kept by the grid services;
* ``staff``: appointing grid heads and workers, ending their terms, the account handover;
* ``households``: recording dwellings in a basic grid, describing and regridding them;
* ``residents``: adding, registering, updating and moving out; the sealed restricted tags;
* ``visits``: visits to a household or rounds of a grid, with their photos.
"""

from grids.services.grids import (
    GRID_CHANGEABLE,
    grid_clean_boundary,
    grid_create,
    grid_delete,
    grid_update,
)
from grids.services.households import (
    HOUSEHOLD_FIELDS,
    household_address,
    household_create,
    household_move,
    household_update,
)
from grids.services.outlines import community_outline_refresh, outline_of
from grids.services.residents import (
    PERSON_FIELDS,
    RESIDENT_FIELDS,
    resident_add,
    resident_move_out,
    resident_register,
    resident_reveal_restricted,
    resident_update,
    restricted_tags_of,
    seal_restricted_tags,
)
from grids.services.staff import grid_staff_appoint, grid_staff_end
from grids.services.visits import CLOCK_SKEW, VISIT_BACKDATE_DAYS, visit_record

__all__ = [
    "CLOCK_SKEW",
    "GRID_CHANGEABLE",
    "HOUSEHOLD_FIELDS",
    "PERSON_FIELDS",
    "RESIDENT_FIELDS",
    "VISIT_BACKDATE_DAYS",
    "community_outline_refresh",
    "grid_clean_boundary",
    "grid_create",
    "grid_delete",
    "grid_staff_appoint",
    "grid_staff_end",
    "grid_update",
    "household_address",
    "household_create",
    "household_move",
    "household_update",
    "outline_of",
    "resident_add",
    "resident_move_out",
    "resident_register",
    "resident_reveal_restricted",
    "resident_update",
    "restricted_tags_of",
    "seal_restricted_tags",
    "visit_record",
]
