"""Photos uploaded with a record (a grid visit, a department's result, a fulfilled wish): a
few JPEG, PNG or WebP images of a bounded size, each renamed to a random name with the
extension of its real format. Knows no domain: the caller says which field they came in."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from governance.errors import ValidationFailed

# Formats a phone camera produces that every browser shows; the stored name is made from the
# detected format, never from the client's file name.
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("Please correct the errors below."), fields={field: [message]})


def check_photos(photos: Sequence[UploadedFile], *, field: str = "photos") -> None:
    """Refuse anything but at most ``VISIT_PHOTOS_MAX`` JPEG, PNG or WebP images of at most
    ``VISIT_PHOTO_MAX_BYTES`` each (a 400 on ``field``), and rename each upload to a random
    name with the extension of its real format. Reads the files; writes nothing."""
    if len(photos) > settings.VISIT_PHOTOS_MAX:
        raise _fail(field, _("At most %(count)d photos.") % {"count": settings.VISIT_PHOTOS_MAX})
    for photo in photos:
        if photo.size is not None and photo.size > settings.VISIT_PHOTO_MAX_BYTES:
            raise _fail(
                field,
                _("A photo may be at most %(size)d MB.")
                % {"size": settings.VISIT_PHOTO_MAX_BYTES // (1024 * 1024)},
            )
        try:
            with Image.open(photo) as image:
                image_format = image.format or ""
                image.verify()
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
            raise _fail(field, _("Upload photos as JPEG, PNG or WebP images.")) from error
        if image_format not in PHOTO_FORMATS:
            raise _fail(field, _("Upload photos as JPEG, PNG or WebP images."))
        photo.seek(0)
        photo.name = f"{uuid.uuid4().hex}.{PHOTO_FORMATS[image_format]}"
