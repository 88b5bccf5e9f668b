"""微心愿: the wish board, posting a wish and the wish actions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from governance.errors import NotAllowed, ValidationFailed
from orgchart import selectors as org_selectors
from orgchart.forms import add_service_errors
from orgchart.models import OrgUnit, Person
from orgchart.pages import is_whole_number, masked_query, paginate, query_string
from orgchart.policy import AnyUser
from volunteers import exports, selectors, services
from volunteers.forms import (
    WISH_ACTION_FORMS,
    VersionForm,
    WishFilterForm,
    WishPostForm,
)
from volunteers.models import (
    Wish,
    WishStatus,
)
from volunteers.serializers import wish_actions
from volunteers.views.shared import (
    ActionItem,
    export_request,
    page_base,
    person_name,
    posted_id,
    run_action,
    volunteer_name,
    wish_community,
)

WISH_FILTERS = ("q", "status")


# --- The wish board ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WishRow:
    wish: Wish
    beneficiary: str
    claimer: str


def _wish_rows(user: AnyUser, wishes: Any) -> list[WishRow]:
    return [
        WishRow(wish, person_name(user, wish.beneficiary), volunteer_name(user, wish.claimed_by))
        for wish in wishes
    ]


@login_required
def index(request: HttpRequest) -> HttpResponseBase:
    return redirect("volunteers:wishes")


@login_required
def wish_list(request: HttpRequest) -> HttpResponseBase:
    """微心愿: the wish board of the user's area, newest first, by status."""
    user = request.user
    filters = WishFilterForm(request.GET)
    chosen = {"q": str(filters.value("q")).strip(), "status": filters.value("status")}
    wishes = selectors.wish_list_visible(user=user, status=chosen["status"], query=chosen["q"])
    export = export_request(request, chosen)
    if export is not None:
        return exports.wish_export(export, wishes)
    page = paginate(request, wishes)
    context = {
        **page_base(request, "wishes"),
        "filters_form": filters,
        "filtered": any(chosen.values()),
        "status_choices": WishStatus.choices,
        "status": chosen["status"],
        "page": page,
        "rows": _wish_rows(user, page.object_list),
        "filters": query_string(request, *WISH_FILTERS),
        "posts_wishes": wish_community(user) is not None,
    }
    return render(request, "volunteers/wish_list.html", context)


# Residents offered per beneficiary search.
BENEFICIARY_CANDIDATES = 10
WISH_FORM_KEPT = ("title", "description", "beneficiary_q")


def _beneficiary(user: AnyUser, community: OrgUnit, value: int | None) -> Person | None:
    """The resident the wish is for: a person registered in the community whom the poster may
    see. Anyone else is a field message that does not say whether that person exists."""
    if not value:
        return None
    person = org_selectors.person_list_visible(user=user, within=community).filter(pk=value).first()
    if person is None:
        raise ValidationFailed(
            fields={"beneficiary": [_("Choose the resident from the search results.")]}
        )
    return person


@dataclass(frozen=True)
class BeneficiaryPick:
    """The beneficiary part of the wish form: the one chosen (with the name as the poster may
    see it), the residents matching the search, and what the search box shows (a whole ID or
    phone number is never echoed into the page: its mask is shown instead)."""

    chosen: tuple[Person, str] | None
    candidates: list[tuple[Person, str]]
    query: str
    masked_query: str
    error: str


def _beneficiary_pick(
    user: AnyUser, community: OrgUnit, query: str, chosen: Person | None
) -> BeneficiaryPick:
    candidates: list[tuple[Person, str]] = []
    error = ""
    if query:
        try:
            people = list(
                org_selectors.person_list_visible(user=user, query=query, within=community)[
                    :BENEFICIARY_CANDIDATES
                ]
            )
        except ValidationFailed as failure:
            error = "; ".join(str(text) for texts in failure.fields.values() for text in texts)
        else:
            candidates = [
                (person, person_name(user, person))
                for person in people
                if chosen is None or person.pk != chosen.pk
            ]
    return BeneficiaryPick(
        chosen=(chosen, person_name(user, chosen)) if chosen is not None else None,
        candidates=candidates,
        query=query,
        masked_query=masked_query(query) if is_whole_number(query) else "",
        error=error,
    )


def _posted_choice(user: AnyUser, community: OrgUnit, data: Any) -> Person | None:
    """The resident already chosen on the page being re-rendered; a bad or foreign id is
    dropped (the submit reports it)."""
    value = posted_id(data.get("beneficiary"))
    if value is None:
        return None
    try:
        return _beneficiary(user, community, value)
    except ValidationFailed:
        return None


@login_required
def wish_new(request: HttpRequest) -> HttpResponseBase:
    """Post a resident's wish on the community's board (community or grid workers), for a
    resident of the community if one is chosen. "Search" (a POST, so a whole ID or phone
    number never lands in a URL) re-renders the form with the matching residents; it posts
    nothing."""
    user = request.user
    community = wish_community(user)
    if community is None:
        raise NotAllowed(_("Only community and grid workers post micro-wishes."))
    status = 200
    chosen: Person | None = None
    query = request.POST.get("beneficiary_q", "").strip()[:50]
    data = request.POST.copy()
    if is_whole_number(query):
        data["beneficiary_q"] = ""  # searched for, never shown back
    if request.method != "POST":
        form = WishPostForm()
    elif "search" in request.POST:
        # A search, not a submit: the typed wish is kept without complaining about it yet.
        chosen = _posted_choice(user, community, request.POST)
        form = WishPostForm(initial={name: data.get(name, "") for name in WISH_FORM_KEPT})
    else:
        form = WishPostForm(data)
        if form.is_valid():
            try:
                chosen = _beneficiary(user, community, form.cleaned_data["beneficiary"])
                wish = services.wish_post(
                    actor=user,
                    community=community,
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                    beneficiary=chosen,
                )
            except ValidationFailed as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The wish is on the board."))
                return redirect("volunteers:wish", pk=wish.pk)
        else:
            chosen = _posted_choice(user, community, request.POST)
        status = 400
    pick = _beneficiary_pick(user, community, query, chosen)
    if pick.error:
        status = 400
    context = {
        **page_base(request, "wishes"),
        "form": form,
        "community": community,
        "pick": pick,
        # The search shows residents' masked ID numbers and phones (DESIGN §6).
        "watermark": True,
    }
    return render(request, "volunteers/wish_form.html", context, status=status)


ACTION_LABELS = {
    "claim": (gettext_lazy("Claim (认领)"), "primary"),
    "release": (gettext_lazy("Give it up"), "outline-secondary"),
    "fulfil": (gettext_lazy("Report it fulfilled"), "success"),
    "confirm": (gettext_lazy("Confirm (确认)"), "success"),
    "withdraw": (gettext_lazy("Withdraw"), "outline-danger"),
}


def _wish_items(
    user: AnyUser, wish: Wish, bound: tuple[str, VersionForm] | None = None
) -> list[ActionItem]:
    items = []
    for name in wish_actions(user, wish):
        label, tone = ACTION_LABELS[name]
        url = reverse("volunteers:wish_act", args=[wish.pk, name])
        if bound is not None and bound[0] == name:
            form, opened = bound[1], True
        else:
            form, opened = WISH_ACTION_FORMS[name](initial={"version": wish.version}), False
        items.append(
            ActionItem(name, str(label), url, form, tone, opened, multipart=name == "fulfil")
        )
    return items


def _wish_page(
    request: HttpRequest,
    wish: Wish,
    *,
    bound: tuple[str, VersionForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    events = [
        (event, event.actor.get_full_name() or event.actor.username if event.actor else "")
        for event in selectors.wish_events(wish=wish)
    ]
    context = {
        **page_base(request, "wishes"),
        "wish": wish,
        "beneficiary": person_name(user, wish.beneficiary),
        "claimer": volunteer_name(user, wish.claimed_by),
        "events": events,
        "items": _wish_items(user, wish, bound),
    }
    return render(request, "volunteers/wish_detail.html", context, status=status)


@login_required
def wish_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _wish_page(request, selectors.wish_get(user=request.user, pk=pk))


@login_required
@require_POST
def wish_act(request: HttpRequest, pk: int, action: str) -> HttpResponseBase:
    """One wish action with the ``version`` the page showed."""
    user = request.user
    if action not in WISH_ACTION_FORMS:
        raise Http404
    wish = selectors.wish_get(user=user, pk=pk)
    if action == "claim" and services.volunteer_of(user) is None:
        raise NotAllowed(_("Only a registered volunteer can claim a micro-wish."))
    return run_action(
        request,
        wish,
        action=action,
        rule=f"wish.{action}",
        form=lambda: WISH_ACTION_FORMS[action](request.POST, request.FILES),
        run=partial(_run_wish_action, user, wish, action),
        page=_wish_page,
        reload=selectors.wish_get,
        done=reverse("volunteers:wish", args=[wish.pk]),
    )


def _run_wish_action(
    user: Any, wish: Wish, action: str, version: int, data: dict[str, Any]
) -> None:
    if action == "claim":
        services.wish_claim(actor=user, wish=wish, expected_version=version)
    elif action == "release":
        services.wish_release(
            actor=user, wish=wish, reason=data["reason"], expected_version=version
        )
    elif action == "fulfil":
        services.wish_fulfil(
            actor=user,
            wish=wish,
            note=data["note"],
            photo=data.get("photo") or None,
            expected_version=version,
        )
    elif action == "confirm":
        services.wish_confirm(actor=user, wish=wish, note=data["note"], expected_version=version)
    else:
        services.wish_withdraw(
            actor=user, wish=wish, reason=data["reason"], expected_version=version
        )
