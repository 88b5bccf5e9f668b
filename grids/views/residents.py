"""The residents ledger (居民台账) with the care lists, adding and editing residents, the
audited reveal of restricted tags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance.errors import ValidationFailed
from grids import exports, selectors, services
from grids.forms import MoveOutForm, ResidentAddForm, ResidentEditForm, ResidentFilterForm
from grids.models import Household, Resident, ResidentCareTag
from grids.views.shared import (
    chosen_person,
    error_text,
    export_request,
    form_status,
    grid_choices,
    grid_filter,
    import_allowed,
    is_grid_worker,
    names,
    person_pick,
    resident_rows,
    searched,
    unit_choices,
    within_filter,
)
from orgchart import policy
from orgchart.forms import PersonFields, add_service_errors
from orgchart.pages import export_asked, list_search, paginate, query_string

RESIDENT_SORTS: dict[str, tuple[Any, ...]] = {
    "address": ("household__grid__name", "household__address", "id"),
    "age": (F("person__birth_date").asc(nulls_last=True), "person__name_pinyin", "id"),
    "visited": (F("last_visit_at").asc(nulls_first=True), "person__name_pinyin", "id"),
}
RESIDENT_FILTERS = (
    "q",
    "grid",
    "unit",
    "care_tag",
    "separation",
    "min_age",
    "visited",
    "days",
    "sort",
)


@login_required
def resident_list(request: HttpRequest) -> HttpResponseBase:
    """居民台账 and the care lists: filter by care tag (独居老人, 低保…), visited in the last
    7/30/90 days or not, 人户分离, minimum age, grid and unit; sorted by pinyin."""
    user = request.user
    listed = list_search(request, keep=RESIDENT_FILTERS)
    if listed.redirect_to:
        return redirect(listed.redirect_to)
    form_data = listed.data.copy()
    if not form_data.get("days"):
        form_data["days"] = "30"  # the care lists ask about the last 30 days
    filters = ResidentFilterForm(form_data)
    filters.is_valid()  # the valid filters apply, the others show their errors
    data = filters.cleaned_data
    asked = export_asked(request) if request.method == "GET" else None
    grid = grid_filter(user, listed.data)
    within = within_filter(user, listed.data)
    query = listed.query
    care_tag = data.get("care_tag", "")
    separation = data.get("separation", "")
    min_age = data.get("min_age")
    visited = {"yes": True, "no": False}.get(data.get("visited", ""))
    days = data.get("days") or 30
    sort = data.get("sort", "")
    residents = searched(
        filters,
        lambda: selectors.resident_list_visible(
            user=user,
            within=within,
            grid=grid,
            care_tag=care_tag,
            separation=separation,
            min_age=min_age,
            visited=visited,
            visited_within_days=days,
            query=query,
        ),
        Resident.objects.none(),
    )
    if sort in RESIDENT_SORTS:
        residents = residents.order_by(*RESIDENT_SORTS[sort])
    if asked is not None:
        return exports.resident_export(
            export_request(
                user,
                asked,
                within or (grid.community if grid else None),
                {
                    "q": query,
                    "grid": grid,
                    "unit": within,
                    "care_tag": care_tag,
                    "separation": separation,
                    "min_age": min_age,
                    "visited": visited,
                    "days": days if visited is not None else None,
                },
            ),
            residents,
        )
    page = paginate(request, residents)
    filtered = bool(query or grid or within or care_tag or separation or min_age is not None)
    context = {
        "filters_form": filters,
        "query": query,
        "masked_query": listed.masked_query,
        "filtered": filtered or visited is not None,
        "more_filtered": bool(
            grid or within or separation or min_age is not None or visited is not None or sort
        ),
        "care_tag": care_tag,
        "care_label": str(ResidentCareTag.Tag(care_tag).label) if care_tag else "",
        "visited": visited,
        "days": days,
        "grid": grid,
        "within": within,
        "page": page,
        "rows": resident_rows(user, page.object_list),
        "grids": grid_choices(user),
        "units": [] if is_grid_worker(user) else unit_choices(user),
        "care_links": _care_links(request, care_tag),
        "visited_links": _visited_links(request, care_tag, visited, days),
        "filters": "" if listed.masked_query else query_string(request, *RESIDENT_FILTERS),
        "can_export_in_full": policy.may_reveal_in_bulk(user),
        "can_import": import_allowed(user, "residents"),
        "nav_section": "grids",
        "watermark": True,
    }
    return render(request, "grids/resident_list.html", context)


@dataclass(frozen=True)
class FilterLink:
    label: str
    url: str
    active: bool


def _list_url(request: HttpRequest, **params: Any) -> str:
    kept = {key: request.GET.get(key, "") for key in ("grid", "unit")}
    query = urlencode({key: value for key, value in {**kept, **params}.items() if value})
    return f"{request.path}?{query}" if query else request.path


def _care_links(request: HttpRequest, care_tag: str) -> list[FilterLink]:
    """所有居民, 独居老人, 残疾人…: one link per care tag (the grid and unit filters kept)."""
    return [
        FilterLink(str(_("All residents")), _list_url(request), not care_tag),
        *(
            FilterLink(str(label), _list_url(request, care_tag=value), value == care_tag)
            for value, label in ResidentCareTag.Tag.choices
        ),
    ]


def _visited_links(
    request: HttpRequest, care_tag: str, visited: bool | None, days: int
) -> list[FilterLink]:
    """Visited in the last ``days`` days: any, yes, no (for the care lists)."""
    return [
        FilterLink(
            str(label),
            _list_url(request, care_tag=care_tag, visited=value, days=days if value else ""),
            ({"yes": True, "no": False}.get(value) is visited),
        )
        for value, label in (("", _("Any")), ("yes", _("Visited")), ("no", _("Not visited")))
    ]


@login_required
def resident_new(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Add a resident to a household: a person already registered in the user's area
    (``?person=``), or a new one registered at the household's community (``?new=1``)."""
    user = request.user
    household = selectors.household_get(user=user, pk=pk)
    policy.require(user, "household.add_resident", household)
    person = chosen_person(request)
    registering = person is None and (
        request.GET.get("new") == "1" or request.POST.get("new") == "1"
    )
    context: dict[str, Any] = {
        "household": household,
        "nav_section": "grids",
        "watermark": True,
    }
    if person is None and not registering:
        pick = person_pick(request)
        if pick.redirect_to:
            return redirect(pick.redirect_to)
        context.update(pick=pick)
        return render(request, "grids/resident_pick.html", context)
    submitted = request.method == "POST" and "relation" in request.POST
    may_restrict = _may_restrict(user, household)
    form = ResidentAddForm((submitted and request.POST) or None, may_restrict=may_restrict)
    person_form = None
    if registering:
        person_form = PersonFields(
            (submitted and request.POST) or None,
            prefix="person",
            initial={"address": household.address},
        )
    if submitted and form.is_valid() and (person_form is None or person_form.is_valid()):
        try:
            if person_form is not None:
                person = services.resident_register(
                    actor=user,
                    household=household,
                    person_data=_person_data(person_form),
                    **form.resident_fields(),
                ).person
            else:
                assert person is not None  # noqa: S101 - chosen above
                services.resident_add(
                    actor=user, household=household, person=person, **form.resident_fields()
                )
        except ValidationFailed as error:
            _split_errors(error, form, person_form)
        else:
            messages.success(
                request,
                _("%(name)s has been added to the household.") % {"name": names(user)(person)},
            )
            return redirect("grids:household", pk=household.pk)
    context.update(
        form=form,
        person_form=person_form,
        person=person,
        person_name=names(user)(person) if person else "",
    )
    status = 400 if submitted else 200
    return render(request, "grids/resident_form.html", context, status=status)


def _may_restrict(user: Any, household: Household) -> bool:
    """Whether the user may see (and so set) restricted tags: the role-level right of
    ``resident.reveal_restricted``, for a household they see (the resident is not saved yet,
    so there is no row for ``can`` to look up)."""
    return policy.role_may(user, "resident.reveal_restricted", Resident(household=household))


PERSON_FIELDS = ("name", "document_type", "document_number", "mobile", "landline", "address")


def _person_data(person_form: PersonFields) -> dict[str, Any]:
    data = person_form.cleaned_data
    number = data["document_number"].strip()
    return {
        "name": data["name"],
        "document_type": data["document_type"] if number else "",
        "document_number": number,
        "mobile": data["mobile"],
        "landline": data["landline"],
        "address": data["address"],
    }


def _split_errors(error: ValidationFailed, form: Any, person_form: Any) -> None:
    """A service's field messages on the form that has the field."""
    person_fields = {
        field: messages_
        for field, messages_ in error.fields.items()
        if person_form is not None and field in PERSON_FIELDS
    }
    if person_fields:
        add_service_errors(person_form, ValidationFailed(error.message, fields=person_fields))
    rest = {field: value for field, value in error.fields.items() if field not in person_fields}
    if rest or not error.fields:
        add_service_errors(form, ValidationFailed(error.message, fields=rest))


@login_required
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a resident's relation, 人户分离 flags, care tags or (replacing them, unseen)
    restricted tags; record that they moved out."""
    user = request.user
    resident = selectors.resident_get(user=user, pk=pk)
    policy.require(user, "resident.change", resident)
    may_restrict = policy.can(user, "resident.reveal_restricted", resident)
    form = ResidentEditForm(
        request.POST or None,
        may_restrict=may_restrict,
        initial={
            "relation": resident.relation,
            "registered_here": resident.registered_here,
            "lives_here": resident.lives_here,
            "care_tags": [tag.tag for tag in resident.care_tags.all()],
            "moved_in_on": resident.moved_in_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_update(actor=user, resident=resident, **form.changes())
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("grids:household", pk=resident.household_id)
    context = {
        "form": form,
        "move_out_form": MoveOutForm(initial={"moved_out_on": timezone.localdate()}),
        "resident": resident,
        "household": resident.household,
        "name": names(user)(resident.person),
        "nav_section": "grids",
        "watermark": True,
    }
    return render(request, "grids/resident_edit.html", context, status=form_status(form))


@require_POST
@login_required
def resident_move_out(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Record that a resident left the household (they stay in its history)."""
    user = request.user
    resident = selectors.resident_get(user=user, pk=pk)
    policy.require(user, "resident.change", resident)
    form = MoveOutForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date the resident moved out."))
        return redirect("grids:resident_edit", pk=resident.pk)
    try:
        services.resident_move_out(
            actor=user, resident=resident, moved_out_on=form.cleaned_data["moved_out_on"]
        )
    except ValidationFailed as error:
        messages.error(request, error_text(error))
        return redirect("grids:resident_edit", pk=resident.pk)
    messages.success(
        request,
        _("%(name)s has moved out; the record stays in the history.")
        % {"name": names(user)(resident.person)},
    )
    return redirect("grids:household", pk=resident.household_id)


@require_POST
@login_required
def resident_restricted(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a resident's restricted tags (an htmx fragment). POST only; audited by the
    service."""
    resident = selectors.resident_get(user=request.user, pk=pk)
    labels = services.resident_reveal_restricted(actor=request.user, resident=resident)
    response = render(
        request, "grids/_restricted_revealed.html", {"labels": labels, "resident": resident}
    )
    response["Cache-Control"] = "no-store"
    return response
