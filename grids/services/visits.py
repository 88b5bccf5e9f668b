"""Visits: a household's or a grid round's, with photos checked and renamed
(``governance.photos``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.audit import audit_record
from governance.errors import ValidationFailed
from governance.models import AuditEvent
from governance.photos import check_photos
from grids.models import Grid, Household, Visit, VisitPhoto
from grids.services.core import _check, _fail
from orgchart.models import User

# How far back a visit may be recorded (field workers write up their rounds later) and how far
# ahead of the server clock a phone's clock may run.
VISIT_BACKDATE_DAYS = 30
CLOCK_SKEW = dt.timedelta(minutes=10)


@transaction.atomic
def visit_record(
    *,
    actor: User,
    grid: Grid | None = None,
    household: Household | None = None,
    purpose: str,
    notes: str = "",
    hazard_found: bool = False,
    visited_at: dt.datetime | None = None,
    photos: Sequence[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> Visit:
    """Record a visit to a household (its grid follows) or a round of a grid.

    The visitor is the actor: a grid worker of that grid or a community worker. A visit may be
    recorded up to 30 days after it took place, never in the future. Visits are append-only.
    A hazard found is flagged here; the petition intake turns it into a petition.
    """
    now = now or timezone.now()
    if household is not None:
        _check(actor, "household.visit", household)
        if grid is not None and grid.pk != household.grid_id:
            raise _fail("household", _("This household is not in that grid."))
        grid = Grid.objects.get(pk=household.grid_id)
    elif grid is not None:
        _check(actor, "grid.visit", grid)
    else:
        raise _fail("grid", _("Choose a grid or a household."))
    errors: dict[str, list[str]] = {}
    if purpose not in Visit.Purpose.values:
        errors["purpose"] = [_("Not a valid choice.")]
    visited_at = visited_at or now
    if visited_at > now + CLOCK_SKEW:
        errors["visited_at"] = [_("A visit cannot be in the future.")]
    elif visited_at < now - dt.timedelta(days=VISIT_BACKDATE_DAYS):
        errors["visited_at"] = [
            _("Visits are recorded within %(days)d days.") % {"days": VISIT_BACKDATE_DAYS}
        ]
    notes = (notes or "").strip()
    if hazard_found and not notes:
        errors["notes"] = [_("Describe the hazard you found.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    check_photos(photos)
    visit = Visit.objects.create(
        grid=grid,
        household=household,
        visitor=actor,
        visited_at=visited_at,
        purpose=purpose,
        notes=notes,
        hazard_found=hazard_found,
    )
    for photo in photos:
        VisitPhoto.objects.create(visit=visit, image=photo)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=visit,
        changes={
            "grid": grid,
            "household": household,
            "purpose": purpose,
            "hazard_found": hazard_found,
            "visited_at": visited_at,
            "photos": len(photos),
        },
        now=now,
    )
    return visit
