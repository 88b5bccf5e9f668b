"""Pages of petitions (诉求/信访, DESIGN §8), for a desk and for a grid worker's phone.

* ``intake``: 登记 (pre-filled from a visit that found a hazard), the petitioner search;
* ``lists``: 诉求列表 with filters and overdue first, 部门待办 for handlers, 督办 for officials,
  疑难复杂 for the monthly review, each with its ledger export;
* ``detail``: a petition with its clocks, whistles, timeline and the action forms the viewer
  may use now; the actions; the acceptance notice (受理告知书); attachments and the photos of
  the departments' results;
* ``notifications``: the user's inbox.

Reads go through ``petitions.selectors`` (outside the user's scope a row does not exist: 404),
writes through ``petitions.services`` (a role that may not act: 403; an illegal transition or
a stale form: 409 with the current state). Pages with personal data carry the watermark.
"""

from petitions.views.detail import (
    attachment,
    dispatch_act,
    dispatch_photo,
    notice,
    petition_act,
    petition_detail,
    petitioner_reveal,
)
from petitions.views.intake import petition_new, petitioner_search
from petitions.views.lists import complex_cases, inbox, petition_list, supervision
from petitions.views.notifications import notifications, notifications_read

__all__ = [
    "attachment",
    "complex_cases",
    "dispatch_act",
    "dispatch_photo",
    "inbox",
    "notice",
    "notifications",
    "notifications_read",
    "petition_act",
    "petition_detail",
    "petition_list",
    "petition_new",
    "petitioner_reveal",
    "petitioner_search",
    "supervision",
]
