"""The quick visit form (走访登记), the visits ledger (走访记录), a visit's page and its photos
(streamed to those who may see the visit, never from a public URL)."""

from __future__ import annotations

import datetime as dt
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from governance.api import private_file_response
from governance.errors import NotAllowed, ValidationFailed
from grids import exports, selectors, services
from grids.forms import VisitFilterForm, VisitForm
from grids.models import Grid, VisitPhoto
from grids.views.shared import (
    GRID_ORDER,
    export_request,
    form_status,
    grid_choices,
    grid_filter,
    is_grid_worker,
    unit_choices,
    within_filter,
)
from orgchart import policy
from orgchart.forms import add_service_errors
from orgchart.models import User
from orgchart.pages import export_asked, paginate, query_string

THUMBNAIL_SIZE = (480, 480)


@login_required
def visit_new(request: HttpRequest) -> HttpResponse:
    """走访登记: a visit to a household (``?household=``) or a round of a grid (``?grid=``,
    or chosen on the form). Visited now unless told otherwise; photos from the camera."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required guarantees a real user
    source = request.POST if request.method == "POST" else request.GET
    household = None
    grid = None
    grids: QuerySet[Grid] | None = None
    if source.get("household"):
        household = selectors.household_get(user=user, pk=source["household"])
        policy.require(user, "household.visit", household)
    elif source.get("grid"):
        grid = selectors.grid_get(user=user, pk=source["grid"])
        policy.require(user, "grid.visit", grid)
    else:
        grids = selectors.grid_list_visible(user=user, mine=is_grid_worker(user)).order_by(
            *GRID_ORDER
        )
        first = grids.first()
        if first is None or not policy.can(user, "grid.visit", first):
            raise NotAllowed()
    form = VisitForm(request.POST or None, request.FILES or None, grids=grids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen: Grid | None = grid or data.get("grid")
        try:
            if grids is not None and chosen is not None:
                policy.require(user, "grid.visit", chosen)
            visit = services.visit_record(
                actor=user,
                household=household,
                grid=chosen,
                purpose=data["purpose"],
                notes=data["notes"],
                hazard_found=data["hazard_found"],
                visited_at=data["visited_at"],
                photos=data["photos"],
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            if visit.hazard_found and policy.intake_community(user) is not None:
                # A hazard found: the visit's page offers to report it as a petition (上报为诉求)
                # right away, filled in from the visit.
                messages.warning(
                    request,
                    _("The visit has been recorded with a hazard: report it as a petition here."),
                )
                return redirect("grids:visit", pk=visit.pk)
            messages.success(request, _("The visit has been recorded."))
            if household is not None:
                return redirect("grids:household", pk=household.pk)
            return redirect("grids:grid", pk=visit.grid_id)
    context = {
        "form": form,
        "household": household,
        "grid": grid or (household.grid if household else None),
        "photos_max": settings.VISIT_PHOTOS_MAX,
        "nav_section": "grids",
        "watermark": household is not None,
    }
    return render(request, "grids/visit_form.html", context, status=form_status(form))


@login_required
def visit_list(request: HttpRequest) -> HttpResponseBase:
    """走访记录: visits in the user's area, newest first, by grid, purpose, hazard, period."""
    user = request.user
    filters = VisitFilterForm(request.GET)
    filters.is_valid()  # the valid filters apply, the others show their errors
    data = filters.cleaned_data
    asked = export_asked(request)
    grid = grid_filter(user, request.GET)
    within = within_filter(user, request.GET)
    purpose = data.get("purpose", "")
    hazard = {"yes": True, "no": False}.get(data.get("hazard", ""))
    days = data.get("days")
    since = timezone.now() - dt.timedelta(days=days) if days else None
    visits = selectors.visit_list_visible(
        user=user, within=within, grid=grid, purpose=purpose, hazard_found=hazard, since=since
    )
    if asked is not None:
        return exports.visit_export(
            export_request(
                user,
                asked,
                within or (grid.community if grid else None),
                {
                    "grid": grid,
                    "unit": within,
                    "purpose": purpose,
                    "hazard_found": hazard,
                    "days": days,
                },
            ),
            visits,
        )
    page = paginate(request, visits)
    context = {
        "filters_form": filters,
        "filtered": bool(grid or within or purpose or hazard is not None or days),
        "grid": grid,
        "within": within,
        "page": page,
        "visits": list(page.object_list),
        "grids": grid_choices(user),
        "units": [] if is_grid_worker(user) else unit_choices(user),
        "filters": query_string(request, "grid", "unit", "purpose", "hazard", "days"),
        "nav_section": "grids",
        "watermark": True,
    }
    return render(request, "grids/visit_list.html", context)


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get(user=request.user, pk=pk)
    context = {
        "visit": visit,
        "photos": list(visit.photos.all()),
        # A hazard is reported as a petition by those who log petitions at their community.
        "logs_petitions": policy.intake_community(request.user) is not None,
        "nav_section": "grids",
        "watermark": True,
    }
    return render(request, "grids/visit_detail.html", context)


# The formats a photo is served as, read from its content (never from the uploaded name).
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


@login_required
def visit_photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A visit photo (``?thumb=1``: a small JPEG for the lists), streamed only to users who
    may see the visit; 404 for everyone else, as if it did not exist."""
    photo = VisitPhoto.objects.filter(pk=pk).only("id", "visit_id", "image").first()
    if photo is None:
        raise Http404
    selectors.visit_get(user=request.user, pk=photo.visit_id)
    try:
        if request.GET.get("thumb"):
            response: HttpResponseBase = _thumbnail(photo)
        else:
            response = _original(photo)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as error:
        raise Http404 from error
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _original(photo: VisitPhoto) -> FileResponse:
    stored = photo.image.open("rb")
    try:
        # Reads the header only, and leaves the file open: the response streams it from the
        # start (``private_file_response`` reopens an open file by seeking back).
        with Image.open(stored) as image:
            content_type = PHOTO_TYPES.get(image.format or "")
    except BaseException:
        stored.close()
        raise
    if content_type is None:  # an image format browsers do not show: download it
        return private_file_response(photo.image, download_name=f"visit-photo-{photo.pk}")
    return private_file_response(photo.image, content_type=content_type)


def _thumbnail(photo: VisitPhoto) -> HttpResponse:
    with photo.image.open("rb") as stored, Image.open(stored) as image:
        image.draft("RGB", THUMBNAIL_SIZE)  # JPEG: decode at a fraction of the size
        small = ImageOps.exif_transpose(image) or image
        small = small.convert("RGB")
        small.thumbnail(THUMBNAIL_SIZE)
        buffer = io.BytesIO()
        small.save(buffer, "JPEG", quality=80, optimize=True)
    return HttpResponse(buffer.getvalue(), content_type="image/jpeg")
