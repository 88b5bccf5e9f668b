"""Visits: a household's or a grid round's, with photos checked and renamed."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from governance.audit import audit_record
from governance.errors import ValidationFailed
from governance.models import AuditEvent
from grids.models import Grid, Household, Visit, VisitPhoto
from grids.services.core import _check, _fail
from orgchart.models import User

# How far back a visit may be recorded (field workers write up their rounds later) and how far
# ahead of the server clock a phone's clock may run.
VISIT_BACKDATE_DAYS = 30
CLOCK_SKEW = dt.timedelta(minutes=10)


# Formats a phone camera produces that every browser shows; the stored name is made from the
# detected format, never from the client's file name.
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def check_photos(photos: Sequence[UploadedFile]) -> None:
    """Refuse anything but a few JPEG, PNG or WebP images of a bounded size, and rename each
    upload to a random name with the extension of its real format."""
    if len(photos) > settings.VISIT_PHOTOS_MAX:
        raise _fail(
            "photos", _("At most %(count)d photos a visit.") % {"count": settings.VISIT_PHOTOS_MAX}
        )
    for photo in photos:
        if photo.size is not None and photo.size > settings.VISIT_PHOTO_MAX_BYTES:
            raise _fail(
                "photos",
                _("A photo may be at most %(size)d MB.")
                % {"size": settings.VISIT_PHOTO_MAX_BYTES // (1024 * 1024)},
            )
        try:
            with Image.open(photo) as image:
                image_format = image.format or ""
                image.verify()
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
            raise _fail("photos", _("Upload photos as JPEG, PNG or WebP images.")) from error
        if image_format not in PHOTO_FORMATS:
            raise _fail("photos", _("Upload photos as JPEG, PNG or WebP images."))
        photo.seek(0)
        photo.name = f"{uuid.uuid4().hex}.{PHOTO_FORMATS[image_format]}"


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
