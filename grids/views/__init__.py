"""Pages of the grids app (网格化管理), built for a grid worker's phone first.

* "My grids" (我的网格) for grid workers, the grid list of the area for everyone else, and a
  grid's page (chiefs, staff, households, recent visits);
* household search and the household page (residents with the audited reveal of numbers and
  restricted tags, care tags, 人户分离, visit history), its forms;
* the quick visit form (走访登记) with photos, and the visit page;
* the ledgers (台账): households, residents (with the care lists: all elderly living alone,
  visited in the last 30 days or not…) and visits, each answering ``?format=xlsx|csv``.

Reads go through ``grids.selectors`` (outside the user's scope a row does not exist: 404),
writes through ``grids.services`` (a role that may not act: 403). Pages with personal data
carry the watermark. Visit photos are streamed by ``visit_photo`` after checking the viewer
may see the visit; no public media URL exists.

``grids`` (my grids, grid page, staff), ``households``, ``residents`` (with the care lists),
``visits`` (form, list, photos); ``shared`` holds what they have in common.
"""

from grids.views.grids import grid_detail, grid_list, staff_end, staff_new
from grids.views.households import (
    household_detail,
    household_edit,
    household_list,
    household_move,
    household_new,
)
from grids.views.residents import (
    resident_edit,
    resident_list,
    resident_move_out,
    resident_new,
    resident_restricted,
)
from grids.views.visits import visit_detail, visit_list, visit_new, visit_photo

__all__ = [
    "grid_detail",
    "grid_list",
    "household_detail",
    "household_edit",
    "household_list",
    "household_move",
    "household_new",
    "resident_edit",
    "resident_list",
    "resident_move_out",
    "resident_new",
    "resident_restricted",
    "staff_end",
    "staff_new",
    "visit_detail",
    "visit_list",
    "visit_new",
    "visit_photo",
]
