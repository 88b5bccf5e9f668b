"""Pages of the org tree (tree browser, unit page) and of people (people list, person page,
register / edit, the audited reveal, party members and posts of a unit).

Pages with personal data set ``watermark`` in their context (``base.html`` draws it); ID
numbers and phones leave the server masked except in the reveal fragment and in an export
with ``?reveal=1`` (audited, ``orgchart.exports``). The list pages answer ``?format=xlsx`` and
``?format=csv`` with the ledger of what they list (filters applied, every page).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance.errors import NotAllowed, ValidationFailed
from orgchart import exports, policy, selectors, services, unit_panels
from orgchart.forms import (
    PartyMemberFilterForm,
    PeopleSearchForm,
    PersonEditForm,
    PersonRegisterForm,
    add_service_errors,
)
from orgchart.ledgers.members import may_import_party_members
from orgchart.ledgers.tree import may_import_units
from orgchart.models import OrgUnit, PartyMember, Person, Post
from orgchart.pages import ExportAsked
from orgchart.pages import export_asked as _export_asked
from orgchart.pages import list_search as _list_search
from orgchart.pages import paginate as _paginate
from orgchart.pages import query_string as _query_string

# The unit filter of the people list offers the top of the user's area and two levels below
# it (a community: its compounds and branches; a street: its communities and compounds).
UNIT_FILTER_DEPTH = 2
UNIT_FILTER_LIMIT = 300
# Units offered when registering a person; wider areas start from a unit page (?unit=).
REGISTER_UNIT_LIMIT = 1000
# post_vacancies looks at this many units of the subtree, in tree order.
VACANCY_UNIT_LIMIT = 500


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    """The tree from the top of the user's scope; deeper levels load on demand."""
    roots = list(selectors.orgunit_roots_visible(user=request.user))
    context = {"roots": roots, "can_import": may_import_units(request.user)}
    return render(request, "orgchart/tree.html", context)


@login_required
def tree_children(request: HttpRequest, pk: int) -> HttpResponse:
    """One level of the tree (an htmx fragment for the browser's expand buttons)."""
    unit = selectors.orgunit_get(user=request.user, pk=pk)
    children = list(selectors.orgunit_children(user=request.user, unit=unit))
    return render(request, "orgchart/_tree_nodes.html", {"nodes": children})


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.orgunit_get(user=request.user, pk=pk)
    children = list(selectors.orgunit_children(user=request.user, unit=unit))
    scope = policy.scope_of(request.user)
    context = {
        "unit": unit,
        "ancestors": [
            (ancestor, scope.contains(ancestor))
            for ancestor in selectors.orgunit_ancestors(unit=unit)
        ],
        "children": children,
        "departments": list(selectors.department_list_for_unit(user=request.user, unit=unit)),
        "counts": [
            (OrgUnit.Kind(kind).label, total)
            for kind, total in selectors.orgunit_counts_by_kind(
                user=request.user, within=unit
            ).items()
            if total and kind != unit.kind
        ],
        "can_change": policy.can(request.user, "orgunit.change", unit),
        "can_register": policy.can(request.user, "orgunit.register_person", unit),
        # What the apps above add to the page (micro-governance and 五有 of a compound…).
        "panels": unit_panels.panels_for(request.user, unit),
    }
    return render(request, "orgchart/unit_detail.html", context)


# --- People ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRow:
    person: Person
    name: str
    age: int | None
    is_party_member: bool


def _person_rows(user: Any, people: Any) -> list[PersonRow]:
    full = policy.sees_full_names(user)
    today = timezone.localdate()
    return [
        PersonRow(
            person,
            person.name if full else person.masked_name,
            person.age_on(today),
            hasattr(person, "party_member"),  # selected with the person: no query
        )
        for person in people
    ]


def _display_name(user: Any, person: Person) -> str:
    return person.name if policy.sees_full_names(user) else person.masked_name


def _export_request(
    user: Any, asked: ExportAsked, within: OrgUnit | None, filters: dict[str, Any]
) -> exports.ExportRequest:
    return exports.ExportRequest(
        user=user,
        file_format=asked.file_format,
        reveal=asked.reveal,
        within=within,
        filters=filters,
    )


def _unit_filter_choices(user: Any) -> list[OrgUnit]:
    # The anchor comes with the user (orgchart.auth); superusers start at the roots.
    anchor = getattr(user, "anchor_unit", None)
    top = 0 if policy.scope_of(user).everything or anchor is None else anchor.level
    return list(
        selectors.orgunit_list_visible(user=user)
        .filter(level__lte=top + UNIT_FILTER_DEPTH)
        .exclude(kind=OrgUnit.Kind.BUILDING)
        .only("id", "name", "kind", "area_type", "level", "tree_id", "lft", "rght")[
            :UNIT_FILTER_LIMIT
        ]
    )


@login_required
def people(request: HttpRequest) -> HttpResponseBase:
    """人员: the people registered in the user's area, by pinyin, searchable, 50 a page (the
    people section: only the roles that work with people reach it)."""
    user = request.user
    listed = _list_search(request, keep=("q", "unit"))
    if listed.redirect_to:
        return redirect(listed.redirect_to)
    search = PeopleSearchForm(listed.data)
    search.is_valid()
    query = listed.query
    within = None
    if listed.data.get("unit"):
        within = selectors.orgunit_get(user=user, pk=listed.data["unit"])
    asked = _export_asked(request) if request.method == "GET" else None
    if asked is not None:
        return exports.people_export(
            _export_request(user, asked, within, {"q": query, "unit": within}),
            selectors.person_list_visible(user=user, query=query, within=within),
        )
    page = _paginate(request, selectors.person_list_visible(user=user, query=query, within=within))
    context = {
        "search": search,
        "query": query,
        "masked_query": listed.masked_query,
        "within": within,
        "units": _unit_filter_choices(user),
        "page": page,
        "rows": _person_rows(user, page.object_list),
        "filters": "" if listed.masked_query else _query_string(request, "q", "unit"),
        "can_register": _may_register(user, within),
        "can_export_in_full": policy.may_reveal_in_bulk(user),
        "nav_section": "people",
        "watermark": True,
    }
    return render(request, "people/list.html", context)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    person = selectors.person_get(user=user, pk=pk)
    membership = (
        selectors.party_member_list_visible(user=user).filter(person=person).first()
        if hasattr(person, "party_member")
        else None
    )
    context = {
        "person": person,
        "name": _display_name(user, person),
        "age": person.age_on(timezone.localdate()),
        "secrets": [
            ("document_number", _("Document number"), person.masked_document_number),
            ("mobile", _("Mobile"), person.masked_mobile),
            ("landline", _("Landline"), person.masked_landline),
        ],
        "can_reveal": policy.can(user, "person.reveal", person),
        "can_change": policy.can(user, "person.change", person),
        "units": list(selectors.person_units_visible(user=user, person=person)),
        "membership": membership,
        "posts": list(selectors.post_list_visible(user=user).filter(holder=person)),
        "nav_section": "people",
        "watermark": True,
    }
    response = render(request, "people/detail.html", context)
    # A revealed value lands in this page's DOM: keep the page out of the back-forward cache.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def person_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """Show one field in full (an htmx fragment). POST only; audited by the service."""
    if field not in services.REVEALABLE_FIELDS:
        raise Http404
    person = selectors.person_get(user=request.user, pk=pk)
    value = services.person_reveal(actor=request.user, person=person, field=field)
    response = render(request, "people/_revealed.html", {"field": field, "value": value})
    response["Cache-Control"] = "no-store"
    return response


def _may_register(user: Any, within: OrgUnit | None) -> bool:
    """Whether to offer "register a person" (no query: unit visibility is a range check)."""
    target = within or getattr(user, "anchor_unit", None)
    if target is None:
        return bool(getattr(user, "is_superuser", False))
    return policy.can(user, "orgunit.register_person", target)


@dataclass(frozen=True)
class RegisterUnits:
    units: QuerySet[OrgUnit]
    first: OrgUnit | None
    truncated: bool


def _register_units(user: Any, base: OrgUnit | None) -> RegisterUnits:
    """Units the user may register people at (within ``base`` when given), and the first.

    Communities and below; above a community (an official's or admin's street or city) only
    communities and branches are offered, the rest is reached from a unit page (?unit=).
    """
    units = selectors.orgunit_list_visible(user=user, within=base)
    top = base or next(iter(selectors.orgunit_roots_visible(user=user)[:1]), None)
    if top is None:
        return RegisterUnits(OrgUnit.objects.none(), None, truncated=False)
    if top.kind in (OrgUnit.Kind.COMMUNITY, OrgUnit.Kind.COMPOUND, OrgUnit.Kind.BUILDING):
        units = units.exclude(kind__in=[OrgUnit.Kind.CITY, OrgUnit.Kind.DISTRICT])
    else:
        units = units.filter(kind__in=[OrgUnit.Kind.COMMUNITY, OrgUnit.Kind.BRANCH])
    candidates = list(units[:REGISTER_UNIT_LIMIT])
    allowed = [unit for unit in candidates if policy.can(user, "orgunit.register_person", unit)]
    if not allowed:
        return RegisterUnits(OrgUnit.objects.none(), None, truncated=False)
    queryset = OrgUnit.objects.filter(pk__in=[unit.pk for unit in allowed])
    return RegisterUnits(
        queryset.order_by("tree_id", "lft"),
        allowed[0],
        truncated=len(candidates) >= REGISTER_UNIT_LIMIT,
    )


@login_required
def person_new(request: HttpRequest) -> HttpResponse:
    """登记人员: register a person at a unit; a person known elsewhere is linked, not copied."""
    user = request.user
    base = None
    if request.GET.get("unit"):
        base = selectors.orgunit_get(user=user, pk=request.GET["unit"])
        policy.require(user, "orgunit.register_person", base)
    choices = _register_units(user, base)
    if choices.first is None:
        raise NotAllowed()
    form = PersonRegisterForm(
        request.POST or None,
        units=choices.units,
        top_level=choices.first.level,
        initial={"unit": base or choices.first},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        number = data["document_number"].strip()
        try:
            registration = services.person_register(
                actor=user,
                unit=data["unit"],
                name=data["name"],
                document_type=data["document_type"] if number else "",
                document_number=number,
                mobile=data["mobile"],
                landline=data["landline"],
                address=data["address"],
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            if registration.created:
                messages.success(request, _("The person has been registered."))
            else:
                messages.info(
                    request,
                    _("This person was already registered; they are now linked to your unit."),
                )
            if not selectors.person_list_visible(user=user).filter(pk=registration.person.pk):
                # A grid worker's people are its grids' residents: not this one, yet.
                messages.info(
                    request,
                    _("They appear among your people once they live in a household of your grids."),
                )
                return redirect("orgchart:people")
            return redirect("orgchart:person", pk=registration.person.pk)
    context = {
        "form": form,
        "title": _("Register a person"),
        "cancel_url": reverse("orgchart:people"),
        "truncated": choices.truncated,
        "nav_section": "people",
        "watermark": True,
    }
    return render(request, "people/form.html", context)


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a person's record; blank number and phone fields keep what is stored."""
    user = request.user
    person = selectors.person_get(user=user, pk=pk)
    policy.require(user, "person.change", person)
    form = PersonEditForm(
        request.POST or None,
        person=person,
        initial={
            "name": person.name,
            "document_type": person.document_type,
            "address": person.address,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=user, person=person, **form.changes(person))
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("orgchart:person", pk=person.pk)
    context = {
        "form": form,
        "person": person,
        "title": _("Edit %(name)s") % {"name": person.name},
        "cancel_url": reverse("orgchart:person", args=[person.pk]),
        "nav_section": "people",
        "watermark": True,
    }
    return render(request, "people/form.html", context)


# --- Party members and posts of a unit --------------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    member: PartyMember
    name: str
    linked: bool  # the person page exists for the user (registered at an organisation in scope)


@login_required
def unit_party_members(request: HttpRequest, pk: int) -> HttpResponseBase:
    """党员: party members of the unit's subtree (by organisation or dual registration)."""
    user = request.user
    unit = selectors.orgunit_get(user=user, pk=pk)
    listed = _list_search(request, keep=("q", "status"))
    if listed.redirect_to:
        return redirect(listed.redirect_to)
    filters = PartyMemberFilterForm(listed.data)
    status = filters.cleaned_data["status"] if filters.is_valid() else ""
    query = listed.query
    allowed = policy.works_with_people(user)
    asked = _export_asked(request) if request.method == "GET" else None
    if asked is not None:
        if not allowed:
            raise NotAllowed()
        return exports.party_member_export(
            _export_request(user, asked, unit, {"unit": unit, "status": status, "q": query}),
            selectors.party_member_list_visible(user=user, within=unit, status=status, query=query),
        )
    page = None
    rows: list[MemberRow] = []
    if allowed:
        page = _paginate(
            request,
            selectors.party_member_list_visible(user=user, within=unit, status=status, query=query),
        )
        scope = policy.scope_of(user)
        full = policy.sees_full_names(user)
        rows = [
            MemberRow(
                member,
                member.person.name if full else member.person.masked_name,
                scope.contains(member.organisation),
            )
            for member in page.object_list
        ]
    context = {
        "unit": unit,
        "allowed": allowed,
        "filters_form": filters,
        "filtered": bool(status or query),
        "masked_query": listed.masked_query,
        "page": page,
        "rows": rows,
        "filters": "" if listed.masked_query else _query_string(request, "q", "status"),
        "can_export_in_full": allowed and policy.may_reveal_in_bulk(user),
        "can_import": may_import_party_members(user),
        "watermark": allowed,
    }
    return render(request, "orgchart/party_members.html", context)


@dataclass(frozen=True)
class PostRow:
    post: Post
    name: str
    linked: bool  # the holder has a person page for the user


@dataclass
class UnitPosts:
    unit: OrgUnit
    parent_name: str  # "光明小区" for its "1号楼": building names repeat between compounds
    posts: list[PostRow] = dataclasses.field(default_factory=list)
    vacant: list[str] = dataclasses.field(default_factory=list)


def _parent_names(units: list[OrgUnit], top: OrgUnit) -> dict[int, str]:
    """Names of the units' parents below ``top`` (one query)."""
    ids = {unit.parent_id for unit in units if unit.pk != top.pk and unit.parent_id != top.pk}
    ids.discard(None)
    if not ids:
        return {}
    return dict(OrgUnit.objects.filter(pk__in=ids).values_list("id", "name"))


@login_required
def unit_posts(request: HttpRequest, pk: int) -> HttpResponseBase:
    """职务: current post holders per unit of the subtree, and the vacancies (空缺)."""
    user = request.user
    unit = selectors.orgunit_get(user=user, pk=pk)
    asked = _export_asked(request)
    if asked is not None:
        return exports.post_export(
            _export_request(user, asked, unit, {"unit": unit}),
            selectors.post_list_visible(user=user, within=unit),
        )
    page = _paginate(request, selectors.post_list_visible(user=user, within=unit))
    posts: list[Post] = list(page.object_list)
    vacancies = selectors.post_vacancies(user=user, within=unit, limit=VACANCY_UNIT_LIMIT)
    parents = _parent_names([post.unit for post in posts] + [v.unit for v in vacancies], unit)
    full = policy.sees_full_names(user)
    # Every holder has a page for the roles that see the area's people; a grid worker sees
    # only their grids' residents, asked once for the page.
    linked = {post.holder_id for post in posts}
    if not policy.sees_area_people(user):
        linked = (
            set(
                selectors.person_list_visible(user=user)
                .filter(pk__in=linked)
                .values_list("pk", flat=True)
            )
            if policy.works_with_people(user)
            else set()
        )
    groups: list[UnitPosts] = []
    for post in posts:
        if not groups or groups[-1].unit.pk != post.unit_id:
            groups.append(UnitPosts(post.unit, parents.get(post.unit.parent_id, "")))
        name = post.holder.name if full else post.holder.masked_name
        groups[-1].posts.append(PostRow(post, name, post.holder_id in linked))
    post_order = {kind: index for index, kind in enumerate(Post.Kind.values)}
    for group in groups:  # secretary first, as the posts are declared
        group.posts.sort(key=lambda row: post_order[row.post.kind])
    vacancy_groups: list[UnitPosts] = []
    for vacancy in vacancies:
        if not vacancy_groups or vacancy_groups[-1].unit.pk != vacancy.unit.pk:
            parent_name = parents.get(vacancy.unit.parent_id, "")
            vacancy_groups.append(UnitPosts(vacancy.unit, parent_name))
        vacancy_groups[-1].vacant.append(vacancy.kind_label)
    context = {
        "unit": unit,
        "page": page,
        "groups": groups,
        "vacancies": vacancies,
        "vacancy_groups": vacancy_groups,
        "vacancies_cut": (unit.rght - unit.lft + 1) // 2 > VACANCY_UNIT_LIMIT,
        "vacancy_unit_limit": VACANCY_UNIT_LIMIT,
        "can_export_in_full": policy.may_reveal_in_bulk(user),
        "watermark": True,
    }
    return render(request, "orgchart/posts.html", context)
