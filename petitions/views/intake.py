"""登记: the intake form (a desk and a grid worker's phone), pre-filled from a visit that found a
hazard (``?visit=<id>``), and the search for a registered petitioner (an htmx fragment, sent by
POST so a whole ID or phone number never lands in a URL)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance.errors import OutOfScope, ValidationFailed
from grids import selectors as grid_selectors
from grids.models import Grid, Visit
from orgchart import policy
from orgchart import selectors as org_selectors
from orgchart.forms import add_service_errors
from orgchart.models import OrgUnit, Person
from petitions import services
from petitions.forms import IntakeForm
from petitions.models import Category, Channel, Petition, Track, Urgency
from petitions.views.shared import actor, intake_community, logs_petitions, require

# Candidates offered per petitioner search.
PETITIONER_CANDIDATES = 10
PLACE_KINDS = (OrgUnit.Kind.COMMUNITY, OrgUnit.Kind.COMPOUND, OrgUnit.Kind.BUILDING)


def _locations(user: Any, community: OrgUnit | None) -> QuerySet[OrgUnit]:
    """The community and its compounds and buildings (superusers: every such place)."""
    places = org_selectors.orgunit_list_visible(user=user).filter(kind__in=PLACE_KINDS)
    if community is not None:
        places = places.filter(
            tree_id=community.tree_id, lft__gte=community.lft, lft__lte=community.rght
        )
    return places.order_by("tree_id", "lft")


def _grids(user: Any, community: OrgUnit | None) -> QuerySet[Grid]:
    """The community's grids the user sees (a grid worker: the grids they staff)."""
    return grid_selectors.grid_list_visible(user=user, within=community).order_by(
        "community__tree_id", "community__lft", "kind", "code", "name", "id"
    )


def _from_visit(visit: Visit) -> dict[str, Any]:
    """What a visit that found a hazard says about the petition it becomes."""
    household = visit.household
    grid = visit.grid
    if household is not None and household.building_id is not None:
        location_id = household.building_id
    else:
        location_id = grid.compound_id or grid.community_id
    place = household.address if household is not None else grid.name
    return {
        "channel": Channel.GRID_REPORT,
        "category": Category.SAFETY_HAZARD,
        "title": _("Hazard: %(place)s") % {"place": place}
        if visit.hazard_found
        else visit.get_purpose_display(),
        "description": visit.notes,
        "location": location_id,
        "grid": grid.pk,
        "address": household.address if household is not None else "",
        "source_visit": visit.pk,
    }


def _petitioner(user: Any, value: int | None) -> Person | None:
    """The chosen petitioner: a person the user may see (else a field error, as in the API)."""
    if not value:
        return None
    try:
        return org_selectors.person_get(user=user, pk=value)
    except OutOfScope as error:
        raise ValidationFailed(
            fields={"petitioner": [_("Choose the petitioner from the search results.")]}
        ) from error


def _name(user: Any, person: Person) -> str:
    return person.name if policy.sees_full_names(user) else person.masked_name


@login_required
def petition_new(request: HttpRequest) -> HttpResponseBase:
    """登记 → ``submitted``, handled by the community where it arose. From a visit
    (``?visit=<id>``): pre-filled and linked to the visit (one petition per visit)."""
    user = actor(request)
    require(logs_petitions(user))
    posted = request.method == "POST"
    visit_id = (request.POST.get("source_visit") if posted else request.GET.get("visit")) or ""
    visit = None
    if visit_id:
        visit = grid_selectors.visit_get(user=user, pk=visit_id)
        existing = Petition.objects.filter(source_visit=visit).only("pk").first()
        if existing is not None:
            messages.info(request, _("This visit has already become a petition."))
            return redirect("petitions:detail", pk=existing.pk)
    community = intake_community(user)
    form = IntakeForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        initial=_from_visit(visit)
        if visit is not None
        else {"location": community.pk if community is not None else None},
        locations=_locations(user, community),
        top_level=community.level if community is not None else 0,
        grids=_grids(user, community),
    )
    chosen: Person | None = None
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            chosen = _petitioner(user, data["petitioner"])
            petition = services.petition_create(
                actor=user,
                location=data["location"],
                channel=data["channel"],
                category=data["category"],
                urgency=data["urgency"] or Urgency.NORMAL,
                track=data["track"] or Track.ORDINARY,
                title=data["title"],
                description=data["description"],
                grid=data["grid"],
                source_visit=visit,
                petitioner=chosen,
                is_anonymous=data["is_anonymous"],
                contact_phone=data["contact_phone"],
                address=data["address"],
                complexity=data["complexity"],
                attachments=data["attachments"],
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Petition %(number)s has been logged.") % {"number": petition.number},
            )
            return redirect("petitions:detail", pk=petition.pk)
    if posted and chosen is None and form.data.get("petitioner"):
        try:
            chosen = _petitioner(user, form.data.get("petitioner"))
        except ValidationFailed:
            chosen = None
    context = {
        "form": form,
        "visit": visit,
        "community": community,
        "chosen": (chosen, _name(user, chosen)) if chosen is not None else None,
        "nav_section": "petitions",
        "petition_section": "new",
        "watermark": True,
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "petitions/intake.html", context, status=status)


@require_POST
@login_required
def petitioner_search(request: HttpRequest) -> HttpResponse:
    """The petitioner search of the intake form (an htmx fragment): people of the user's area
    by name, pinyin initials or the visible digits; a whole number only for roles that may
    reveal numbers (the people list's rule)."""
    user = actor(request)
    require(logs_petitions(user))
    query = request.POST.get("petitioner_q", "").strip()[:50]
    candidates: list[tuple[Person, str]] = []
    error = ""
    if query:
        try:
            people = list(
                org_selectors.person_list_visible(user=user, query=query)[:PETITIONER_CANDIDATES]
            )
        except ValidationFailed as failure:
            error = "; ".join(str(text) for texts in failure.fields.values() for text in texts)
        else:
            candidates = [(person, _name(user, person)) for person in people]
    response = render(
        request,
        "petitions/_petitioner_options.html",
        {"query": query, "candidates": candidates, "error": error},
    )
    response["Cache-Control"] = "no-store"
    return response
