"""双报到 and the volunteer registers of an area, for its staff: the 双报到 list (register a
party member: 设岗定责), partner units (共建单位) with their pairings (包联: add, end), the
volunteer register with the party members' share per community, and the teams.

Volunteer accounts and handlers get 404 on every page here; a staff role that may not act
gets 403 (registering and pairing: community workers and admins). Every list exports
``?format=xlsx|csv`` with its filters and costs the same number of queries for one row and for
many. A filter naming a community or partner unit outside the user's area is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance.errors import NotAllowed, ValidationFailed
from orgchart import selectors as org_selectors
from orgchart.forms import add_service_errors
from orgchart.models import OrgUnit, PartyMember, Person
from orgchart.pages import export_asked, list_search, paginate, query_string
from orgchart.policy import AnyUser, scope_of
from volunteers import exports, selectors, services
from volunteers.forms import FilterForm
from volunteers.forms.registrations import (
    STATE_ALL,
    STATE_CHOICES,
    STATE_CURRENT,
    STATE_ENDED,
    DualRegisterForm,
    MemberSearchForm,
    PairingEndForm,
    PairingForm,
    PartnerFilterForm,
    RegistrationFilterForm,
    TeamFilterForm,
    VolunteerFilterForm,
    current_of,
)
from volunteers.models import DualRegistration, Pairing, PartnerUnit, Skill, Team, Volunteer
from volunteers.views.shared import (
    manages_volunteers,
    page_base,
    person_name,
    posted_id,
    volunteer_name,
)

SECTION = "registrations"
# Filter choices shown in a select; a chosen value beyond them is still honoured.
CHOICES_LIMIT = 500
MEMBER_CANDIDATES = 10
REGISTRATION_FILTERS = ("community", "partner", "post", "state")
PARTNER_FILTERS = ("community", "kind")
VOLUNTEER_FILTERS = ("community", "skill", "party")
TEAM_FILTERS = ("community", "kind")


# --- Shared by these pages ---------------------------------------------------------------------


def _base(request: HttpRequest, tab: str) -> dict[str, Any]:
    """The sub-menu, the tab row and the watermark (these pages name people)."""
    return {**page_base(request, SECTION), "tab": tab, "watermark": True}


def _community_filter(user: AnyUser, data: QueryDict) -> OrgUnit | None:
    """``?community=``: a unit of the user's area (404 otherwise)."""
    value = data.get("community", "").strip()
    return org_selectors.orgunit_get(user=user, pk=value) if value else None


def _partner_filter(user: AnyUser, data: QueryDict) -> PartnerUnit | None:
    """``?partner=``: a partner unit the user sees (404 otherwise)."""
    value = data.get("partner", "").strip()
    return selectors.partner_unit_get(user=user, pk=value) if value else None


def _communities(user: AnyUser) -> QuerySet[OrgUnit]:
    return org_selectors.orgunit_list_visible(user=user, kind=OrgUnit.Kind.COMMUNITY)


def _community_filter_context(user: AnyUser, community: OrgUnit | None) -> dict[str, Any]:
    """The community filter: the communities of the user's area (one query) and the chosen
    unit, added when the select does not list it."""
    choices = list(_communities(user).values_list("pk", "name")[:CHOICES_LIMIT])
    listed = community is None or any(pk == community.pk for pk, _name in choices)
    return {"community": community, "communities": choices, "community_unlisted": not listed}


def _export(
    request: HttpRequest, within: OrgUnit | None, filters: dict[str, Any]
) -> exports.ExportRequest | None:
    asked = export_asked(request)
    if asked is None:
        return None
    # No ledger here holds ID numbers or phones: ``?reveal=1`` changes nothing.
    return exports.ExportRequest(
        user=request.user, file_format=asked.file_format, within=within, filters=filters
    )


def form_status(form: Any) -> int:
    return 400 if form.is_bound and form.errors else 200


def _register_context(
    request: HttpRequest, tab: str, filters: FilterForm, chosen: dict[str, Any], page: Page[Any]
) -> dict[str, Any]:
    """What a register's list shows around its rows: the tab, the filter bar (``chosen``: what
    it is filtered by, the community among it) and the page."""
    return {
        **_base(request, tab),
        "filters_form": filters,
        "filtered": any(value not in (None, "") for value in chosen.values()),
        **_community_filter_context(request.user, chosen["community"]),
        "page": page,
    }


# --- 双报到 -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationRow:
    registration: DualRegistration
    name: str


def _registration_rows(user: AnyUser, registrations: Any) -> list[RegistrationRow]:
    return [
        RegistrationRow(item, person_name(user, item.party_member.person)) for item in registrations
    ]


@login_required
def dual_registration_list(request: HttpRequest) -> HttpResponseBase:
    """双报到: the in-service party members registered in the user's area, by community, with
    their organisation, partner unit and claimed post; current ones unless asked."""
    user = request.user
    filters = RegistrationFilterForm(request.GET)
    community = _community_filter(user, request.GET)
    partner = _partner_filter(user, request.GET)
    post, state = str(filters.value("post")), str(filters.value("state"))
    chosen: dict[str, Any] = {
        "community": community,
        "partner": partner,
        "post": post,
        "state": state,
    }
    registrations = selectors.dual_registration_list_visible(
        user=user, within=community, partner=partner, current=current_of(state), post=post
    )
    export = _export(request, community, chosen)
    if export is not None:
        return exports.dual_registration_export(export, registrations)
    page = paginate(request, registrations)
    partners = list(
        selectors.partner_unit_list_visible(user=user)
        .prefetch_related(None)
        .values_list("pk", "name")[:CHOICES_LIMIT]
    )
    context = {
        **_register_context(request, "registrations", filters, chosen, page),
        "partner": partner,
        "partners": partners,
        "partner_unlisted": partner is not None and all(pk != partner.pk for pk, _name in partners),
        # A registration's partner unit kept elsewhere and not paired here has no page for
        # the user: linked only when they see it.
        "linked_partners": {pk for pk, _name in partners},
        "state": state,
        "state_choices": STATE_CHOICES,
        "rows": _registration_rows(user, page.object_list),
        "filters": query_string(request, *REGISTRATION_FILTERS),
        "registers": manages_volunteers(user),
    }
    return render(request, "volunteers/registration_list.html", context)


@login_required
@require_POST
def dual_registration_end(request: HttpRequest, pk: int) -> HttpResponseBase:
    """End a 双报到 registration today (the member moved away or left in-service work);
    idempotent. Back to the list with its filters."""
    user = request.user
    registration = selectors.dual_registration_get(user=user, pk=pk)
    if not manages_volunteers(user):
        raise NotAllowed(_("Only community workers and admins end registrations."))
    already = registration.ended_on is not None
    ended = services.dual_registration_end(actor=user, registration=registration)
    name = person_name(user, registration.party_member.person)
    if already:
        messages.info(request, _("%(name)s's registration had already ended.") % {"name": name})
    else:
        messages.success(
            request,
            _("%(name)s's registration ended on %(date)s.")
            % {"name": name, "date": ended.ended_on},
        )
    target = reverse("volunteers:registrations")
    kept = str(request.POST.get("next", ""))
    return redirect(f"{target}?{kept}" if kept else target)


@dataclass(frozen=True)
class Candidate:
    person: Person
    name: str
    member: PartyMember
    # Where the member is registered now, when that community is in the user's area (else
    # "another community": the page does not say where someone lives outside it).
    home: OrgUnit | None


@dataclass(frozen=True)
class MemberPick:
    """Step one of a registration: the search and its candidates. A search for a whole ID or
    phone number is POSTed and answered directly (never in a URL), as on the people pages."""

    form: MemberSearchForm
    query: str
    masked_query: str
    candidates: list[Candidate]
    redirect_to: str | None


def _member_pick(request: HttpRequest) -> MemberPick:
    user = request.user
    listed = list_search(request, keep=("q",))
    form = MemberSearchForm(listed.data)
    form.is_valid()
    if listed.redirect_to:
        return MemberPick(form, "", "", [], listed.redirect_to)
    candidates: list[Candidate] = []
    if listed.query:
        try:
            people = (
                org_selectors.person_list_visible(user=user, query=listed.query)
                .filter(party_member__status=PartyMember.Status.IN_SERVICE)
                .select_related("party_member__organisation", "party_member__home_community")
            )
            candidates = [
                Candidate(
                    person,
                    person_name(user, person),
                    person.party_member,
                    _home_in_area(user, person.party_member),
                )
                for person in people[:MEMBER_CANDIDATES]
            ]
        except ValidationFailed as error:
            add_service_errors(form, error)
    return MemberPick(form, listed.query, listed.masked_query, candidates, None)


def _home_in_area(user: AnyUser, member: PartyMember) -> OrgUnit | None:
    home = member.home_community
    return home if home is not None and scope_of(user).contains(home) else None


def _chosen_person(request: HttpRequest) -> Person | None:
    value = request.GET.get("person", "") or request.POST.get("person", "")
    return org_selectors.person_get(user=request.user, pk=value) if value else None


def _party_member_of(person: Person) -> PartyMember | None:
    try:
        return person.party_member
    except PartyMember.DoesNotExist:
        return None


def _default_community(user: AnyUser, member: PartyMember) -> OrgUnit | None:
    """The community the user works at, else where the member is registered now."""
    anchor = getattr(user, "anchor_unit", None)
    if anchor is not None and anchor.kind == OrgUnit.Kind.COMMUNITY:
        return anchor
    return _home_in_area(user, member)


@login_required
def dual_registration_new(request: HttpRequest) -> HttpResponseBase:
    """双报到 of an in-service party member of the area: find them, then the community where
    they live, the post they claim (设岗定责) and their employer's partner unit."""
    user = request.user
    if not manages_volunteers(user):
        raise NotAllowed(_("Only community workers and admins register party members."))
    context: dict[str, Any] = _base(request, "registrations")
    person = _chosen_person(request)
    member = _party_member_of(person) if person is not None else None
    if person is None:
        pick = _member_pick(request)
        if pick.redirect_to:
            return redirect(pick.redirect_to)
        context["pick"] = pick
        return render(
            request, "volunteers/registration_form.html", context, status=form_status(pick.form)
        )
    if member is None or member.status != PartyMember.Status.IN_SERVICE:
        # Not a party member, or not in service (a hand-made URL, or the status changed).
        context["pick"] = MemberPick(MemberSearchForm(), "", "", [], None)
        context["not_eligible"] = person_name(user, person)
        return render(request, "volunteers/registration_form.html", context, status=400)
    default = _default_community(user, member)
    initial: dict[str, Any] = {"community": default.pk if default else None}
    partners = selectors.partner_unit_list_visible(user=user).prefetch_related(None)
    # Registered in the user's area already: the form starts from that registration, its
    # partner unit included even when it is kept elsewhere and not paired here (else saving
    # a new post would drop it).
    current = (
        selectors.dual_registration_list_visible(user=user).filter(party_member=member).first()
    )
    if current is not None:
        initial.update(
            community=current.community_id,
            post=current.post,
            post_unit=current.post_unit_id,
            partner=current.partner_id,
        )
        if current.partner_id is not None:
            partners = PartnerUnit.objects.filter(
                Q(pk__in=partners.values("pk")) | Q(pk=current.partner_id)
            ).order_by("name", "id")
    posted = request.POST if request.method == "POST" and "post" in request.POST else None
    communities = _communities(user)
    # The places of the chosen community only (a city admin's area holds thousands of
    # compounds and buildings); choosing another community re-offers its own on the 400.
    chosen = posted_id(posted.get("community")) if posted is not None else initial["community"]
    community = communities.filter(pk=chosen).first() if chosen else None
    places = (
        org_selectors.orgunit_list_visible(user=user)
        .filter(
            kind__in=[OrgUnit.Kind.COMPOUND, OrgUnit.Kind.BUILDING],
            tree_id=community.tree_id,
            lft__gt=community.lft,
            rght__lt=community.rght,
        )
        .select_related("parent")
        if community is not None
        else OrgUnit.objects.none()
    )
    form = DualRegisterForm(
        posted,
        communities=communities,
        places=places,
        partners=partners,
        initial=initial,
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            registration = services.dual_register(
                actor=user,
                party_member=member,
                community=data["community"],
                partner=data["partner"],
                post=data["post"],
                post_unit=data["post_unit"],
                registered_on=data["registered_on"],
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is registered at %(community)s.")
                % {"name": person_name(user, person), "community": registration.community.name},
            )
            target = reverse("volunteers:registrations")
            return redirect(f"{target}?community={registration.community_id}")
    context.update(
        form=form,
        person=person,
        member=member,
        name=person_name(user, person),
        home=_home_in_area(user, member),
    )
    return render(request, "volunteers/registration_form.html", context, status=form_status(form))


# --- Partner units and pairings (包联) ---------------------------------------------------------


@dataclass(frozen=True)
class PartnerRow:
    partner: PartnerUnit
    contact: str


@login_required
def partner_unit_list(request: HttpRequest) -> HttpResponseBase:
    """共建单位: the partner units of the area (kept by its units or paired with its
    communities) with their current pairings and commitments."""
    user = request.user
    filters = PartnerFilterForm(request.GET)
    community = _community_filter(user, request.GET)
    kind = str(filters.value("kind"))
    chosen: dict[str, Any] = {"community": community, "kind": kind}
    partners = selectors.partner_unit_list_visible(user=user, within=community, kind=kind)
    export = _export(request, community, chosen)
    if export is not None:
        return exports.partner_unit_export(export, partners)
    page = paginate(request, partners)
    context = {
        **_register_context(request, "partners", filters, chosen, page),
        "rows": [PartnerRow(item, person_name(user, item.contact)) for item in page.object_list],
        "filters": query_string(request, *PARTNER_FILTERS),
    }
    return render(request, "volunteers/partner_list.html", context)


def _partner_page(
    request: HttpRequest,
    partner: PartnerUnit,
    *,
    pairing_form: PairingForm | None = None,
    ending: tuple[Pairing, PairingEndForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The partner unit's page; ``pairing_form`` or ``ending`` (the pairing whose end form
    failed, with that form: shown open with its field error) re-render a form sent."""
    user = request.user
    manages = manages_volunteers(user)
    state = request.GET.get("state", "")
    state = state if state in (STATE_CURRENT, STATE_ENDED, STATE_ALL) else STATE_CURRENT
    registrations = selectors.dual_registration_list_visible(
        user=user, partner=partner, current=current_of(state)
    )
    page = paginate(request, registrations)
    if manages and pairing_form is None:
        pairing_form = PairingForm(communities=_communities(user))
    context = {
        **_base(request, "partners"),
        "partner": partner,
        "contact": person_name(user, partner.contact),
        "pairings": list(selectors.pairing_list_visible(user=user, partner=partner)),
        "manages": manages,
        "pairing_form": pairing_form if manages else None,
        "end_form": PairingEndForm(initial={"ended_on": timezone.localdate()}),
        "ending_pk": ending[0].pk if ending is not None else None,
        "ending_form": ending[1] if ending is not None else None,
        "state": state,
        "state_choices": STATE_CHOICES,
        "page": page,
        "rows": _registration_rows(user, page.object_list),
        "filters": query_string(request, "state"),
    }
    return render(request, "volunteers/partner_detail.html", context, status=status)


@login_required
def partner_unit_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A partner unit: its contact, its pairings (current and ended) and the 双报到
    registrations made through it. ``?list=pairings|registrations&format=`` exports a list."""
    user = request.user
    partner = selectors.partner_unit_get(user=user, pk=pk)
    asked = export_asked(request)
    if asked is not None:
        state = request.GET.get("state", "")
        export = exports.ExportRequest(
            user=user, file_format=asked.file_format, filters={"partner": partner, "state": state}
        )
        if request.GET.get("list") == "pairings":
            return exports.pairing_export(
                export, selectors.pairing_list_visible(user=user, partner=partner)
            )
        registrations = selectors.dual_registration_list_visible(
            user=user, partner=partner, current=current_of(state)
        )
        return exports.dual_registration_export(export, registrations)
    return _partner_page(request, partner)


@login_required
@require_POST
def pairing_new(request: HttpRequest, pk: int) -> HttpResponseBase:
    """包联: pair the partner unit with a community of the user's area."""
    user = request.user
    partner = selectors.partner_unit_get(user=user, pk=pk)
    if not manages_volunteers(user):
        raise NotAllowed(_("Only community workers and admins pair partner units."))
    form = PairingForm(request.POST, communities=_communities(user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            pairing = services.pairing_create(
                actor=user,
                partner=partner,
                community=data["community"],
                commitments=data["commitments"],
                started_on=data["started_on"],
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(partner)s is paired with %(community)s.")
                % {"partner": partner.name, "community": pairing.community.name},
            )
            return redirect("volunteers:partner_unit", pk=partner.pk)
    return _partner_page(request, partner, pairing_form=form, status=400)


@login_required
@require_POST
def pairing_end(request: HttpRequest, pk: int, pairing_pk: int) -> HttpResponseBase:
    """End a pairing (idempotent); the date defaults to today. A date in the future, or
    something that is not a date, re-renders the partner page with that pairing's end form
    open and the field's message (400)."""
    user = request.user
    partner = selectors.partner_unit_get(user=user, pk=pk)
    pairing = selectors.pairing_get(user=user, pk=pairing_pk, partner=partner)
    if not manages_volunteers(user):
        raise NotAllowed(_("Only community workers and admins end pairings."))
    form = PairingEndForm(request.POST)
    if not form.is_valid():
        return _partner_page(request, partner, ending=(pairing, form), status=400)
    ended = services.pairing_end(
        actor=user, pairing=pairing, ended_on=form.cleaned_data["ended_on"]
    )
    messages.success(
        request,
        _("The pairing with %(community)s ended on %(date)s.")
        % {"community": pairing.community.name, "date": ended.ended_on},
    )
    # A partner unit kept elsewhere is no longer in the area once its last pairing here ends.
    if selectors.partner_unit_list_visible(user=user).filter(pk=partner.pk).exists():
        return redirect("volunteers:partner_unit", pk=partner.pk)
    return redirect("volunteers:partner_units")


# --- The volunteer register ------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerRow:
    volunteer: Volunteer
    name: str
    skills: list[str]
    teams: list[Team]


@login_required
def volunteer_list(request: HttpRequest) -> HttpResponseBase:
    """志愿者: the volunteer register of the area (skills, party member, teams) and, per
    community, its active volunteers and the party members' share among them."""
    user = request.user
    filters = VolunteerFilterForm(request.GET)
    community = _community_filter(user, request.GET)
    skill = str(filters.value("skill"))
    party_member = filters.party_member()
    chosen: dict[str, Any] = {"community": community, "skill": skill, "party": party_member}
    volunteers = selectors.volunteer_list_visible(
        user=user, within=community, skill=skill, party_member=party_member
    )
    export = _export(request, community, chosen)
    if export is not None:
        return exports.volunteer_export(export, volunteers)
    page = paginate(
        request,
        volunteers.prefetch_related(
            Prefetch("teams", queryset=selectors.team_list_visible(user=user), to_attr="shown")
        ),
    )
    skill_labels = dict(Skill.choices)
    rows = [
        VolunteerRow(
            item,
            volunteer_name(user, item),
            [str(skill_labels.get(value, value)) for value in item.skill_list],
            list(getattr(item, "shown", [])),
        )
        for item in page.object_list
    ]
    shares = selectors.volunteer_share_by_community(user=user, within=community)
    context = {
        **_register_context(request, "volunteers", filters, chosen, page),
        "rows": rows,
        "shares": shares,
        "share_total": selectors.VolunteerShare(
            0,
            "",
            sum(item.volunteers for item in shares),
            sum(item.party_members for item in shares),
        ),
        "filters": query_string(request, *VOLUNTEER_FILTERS),
    }
    return render(request, "volunteers/volunteer_list.html", context)


# --- Teams -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamRow:
    team: Team
    lead: str


def _lead_name(user: AnyUser, team: Team) -> str:
    """The lead as the user may see them; masked when outside the user's area."""
    if team.lead is not None and not getattr(team, "lead_in_area", False):
        return team.lead.person.masked_name
    return volunteer_name(user, team.lead)


@login_required
def team_list(request: HttpRequest) -> HttpResponseBase:
    """志愿服务队: the teams of the area with their lead, member count and whether the lead is
    a party member."""
    user = request.user
    filters = TeamFilterForm(request.GET)
    community = _community_filter(user, request.GET)
    kind = str(filters.value("kind"))
    chosen: dict[str, Any] = {"community": community, "kind": kind}
    teams = selectors.team_list_visible(user=user, within=community, kind=kind)
    export = _export(request, community, chosen)
    if export is not None:
        return exports.team_export(export, teams)
    page = paginate(request, teams)
    context = {
        **_register_context(request, "teams", filters, chosen, page),
        "rows": [TeamRow(item, _lead_name(user, item)) for item in page.object_list],
        "filters": query_string(request, *TEAM_FILTERS),
    }
    return render(request, "volunteers/team_list.html", context)


urlpatterns: list[URLPattern] = [
    path("dual-registrations/", dual_registration_list, name="registrations"),
    path("dual-registrations/new/", dual_registration_new, name="registration_new"),
    path("dual-registrations/<int:pk>/end/", dual_registration_end, name="registration_end"),
    path("partner-units/", partner_unit_list, name="partner_units"),
    path("partner-units/<int:pk>/", partner_unit_detail, name="partner_unit"),
    path("partner-units/<int:pk>/pairings/", pairing_new, name="pairing_new"),
    path(
        "partner-units/<int:pk>/pairings/<int:pairing_pk>/end/",
        pairing_end,
        name="pairing_end",
    ),
    path("volunteers/", volunteer_list, name="volunteers"),
    path("teams/", team_list, name="teams"),
]
