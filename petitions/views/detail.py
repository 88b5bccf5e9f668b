"""A petition's page: every field (the petitioner masked as the viewer's role requires), the three
clocks with their lights, the whistles with theirs, the timeline, the attachments, and exactly
the action forms the viewer may use now (``selectors.petition_actions`` /
``selectors.dispatch_actions``, the same lists the API answers).

Each form posts to one action view with the ``version`` the page showed. A role that may not act
gets 403 before anything is read from the form; bad input re-renders the page with the form's
errors (400); an action the petition no longer allows, or a stale version, re-renders the page
with the current state and a message (409): nothing was changed. The acceptance notice
(受理告知书) prints once the petition is accepted; attachments are streamed to those who see
the petition, and the photos of a department's result to those who see its whistle, never
from a public URL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from governance.api import private_file_response
from governance.errors import (
    ConcurrentUpdate,
    InvalidTransition,
    OutOfScope,
    ValidationFailed,
)
from orgchart import policy
from orgchart import selectors as org_selectors
from orgchart.forms import add_service_errors
from orgchart.models import User
from petitions import selectors, services
from petitions.forms import (
    DISPATCH_ACTION_FORMS,
    PETITION_ACTION_FORMS,
    DispatchForm,
    ExtensionRequestForm,
    VersionForm,
)
from petitions.models import (
    RESOLVING_STATUSES,
    Action,
    Complexity,
    Deadline,
    Dispatch,
    DispatchStatus,
    Petition,
    PetitionEvent,
    Satisfaction,
    Status,
)
from petitions.selectors import deadline_light, dispatch_light
from petitions.views.shared import (
    LightBadge,
    actor,
    dispatch_badge,
    petition_badge,
    petitioner_name,
    require,
    safe_next,
)

# URL slugs of the actions (``request-extension``) → their names (``request_extension``).
PETITION_SLUGS = {name.replace("_", "-"): name for name in PETITION_ACTION_FORMS}
DISPATCH_SLUGS = {name.replace("_", "-"): name for name in DISPATCH_ACTION_FORMS}


# --- What the page shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """One of the three clocks (受理, 报到, 办结): running with a light and a due time, or done
    at a time, or not started."""

    stage: str
    label: str
    badge: LightBadge | None
    done_at: dt.datetime | None

    @property
    def running(self) -> bool:
        return self.badge is not None


@dataclass(frozen=True)
class DepartmentClock:
    """One of a department's own clocks on its whistle (报到, 办结): running with a light and
    a due time, or done at a time (``late`` when it missed its deadline first), or not running
    (``idle``: why not)."""

    stage: str
    label: str
    badge: LightBadge | None
    done_at: dt.datetime | None
    late: bool
    idle: str = ""

    @property
    def running(self) -> bool:
        return self.badge is not None


@dataclass(frozen=True)
class DepartmentClocks:
    """The clocks of the viewer's own department on the case, shown before the petition's."""

    dispatch: Dispatch
    clocks: list[DepartmentClock]


@dataclass
class ActionItem:
    """One action the viewer may take now, with its form (bound, with errors, after a failed
    submit: then ``open``)."""

    name: str
    label: str
    url: str
    form: VersionForm
    tone: str
    open: bool = False


@dataclass
class DispatchCard:
    dispatch: Dispatch
    badge: LightBadge
    items: list[ActionItem] = field(default_factory=list)


# How each action is called on its button, and the button's colour.
ACTION_LABELS = {
    "accept": (gettext_lazy("Accept (受理)"), "primary"),
    "reject": (gettext_lazy("Do not accept"), "outline-danger"),
    "start": (gettext_lazy("Handle it ourselves (自办)"), "outline-primary"),
    "dispatch": (gettext_lazy("Blow the whistle (吹哨)"), "warning"),
    "reply": (gettext_lazy("Reply (答复)"), "primary"),
    "evaluate": (gettext_lazy("Record the evaluation (回访)"), "success"),
    "close": (gettext_lazy("Close without evaluation"), "outline-secondary"),
    "reopen": (gettext_lazy("Reopen for review (复查)"), "outline-secondary"),
    "supervise": (gettext_lazy("Supervise (督办)"), "danger"),
    "request_extension": (gettext_lazy("Request an extension"), "outline-secondary"),
    "decide_extension": (gettext_lazy("Decide the extension"), "primary"),
    "tag_complex": (gettext_lazy("Complex case tags"), "outline-secondary"),
    "report": (gettext_lazy("Report (报到)"), "primary"),
    "return": (gettext_lazy("Return: not ours (退单)"), "outline-danger"),
    "complete": (gettext_lazy("Complete (办结)"), "success"),
    "rate": (gettext_lazy("Rate the department"), "primary"),
}


def _item(name: str, url: str, form: VersionForm) -> ActionItem:
    label, tone = ACTION_LABELS[name]
    return ActionItem(name, str(label), url, form, tone)


@dataclass(frozen=True)
class TimelineEntry:
    event: PetitionEvent
    actor: str
    detail: str
    # The actor's own unit or department at the time (for a step of the system, and for steps
    # recorded before the place was kept: the case's handling unit).
    place: str
    # A department's completion: its whistle, whose result's photos the entry shows (when the
    # viewer sees that whistle).
    completed: Dispatch | None = None


def _clocks(petition: Petition, dispatches: list[Dispatch], now: dt.datetime) -> list[Clock]:
    yellow = petition.policy.yellow_at
    accept_running = petition.status == Status.SUBMITTED
    accept = Clock(
        Deadline.ACCEPT.value,
        _("Accept (受理)"),
        LightBadge(
            deadline_light(
                started_at=petition.clock_started_at,
                due_at=petition.accept_due_at,
                now=now,
                yellow_at=yellow,
            ),
            petition.accept_due_at,
        )
        if accept_running
        else None,
        petition.accepted_at
        or (petition.closed_at if petition.status == Status.REJECTED else None),
    )
    pending = sorted(
        (item for item in dispatches if item.status == DispatchStatus.PENDING),
        key=lambda item: (item.report_due_at is None, item.report_due_at or now),
    )
    reported = [item.reported_at for item in dispatches if item.reported_at is not None]
    report = Clock(
        Deadline.REPORT.value,
        _("Department report (报到)"),
        LightBadge(dispatch_light(pending[0], now=now), pending[0].report_due_at)
        if pending
        else None,
        max(reported) if reported and not pending else None,
    )
    resolve_running = petition.status in RESOLVING_STATUSES
    resolve = Clock(
        Deadline.RESOLVE.value,
        _("Resolve (办结)"),
        LightBadge(
            deadline_light(
                started_at=petition.clock_started_at,
                due_at=petition.resolve_due_at,
                now=now,
                yellow_at=yellow,
            ),
            petition.resolve_due_at,
        )
        if resolve_running
        else None,
        petition.replied_at if petition.status in (Status.REPLIED, Status.CLOSED) else None,
    )
    return [accept, report, resolve]


def _department_clocks(
    user: Any, dispatches: list[Dispatch], now: dt.datetime
) -> DepartmentClocks | None:
    """For a handler: the 报到 and 办结 clocks of the department's whistle on the case (the
    open one; after a return and a new whistle, the newest)."""
    department_id = policy.own_department_id(user)
    own = [item for item in dispatches if item.department_id == department_id]
    if department_id is None or not own:
        return None
    dispatch = max(own, key=lambda item: (item.is_open, item.dispatched_at, item.pk))
    badge = dispatch_badge(dispatch, now=now)
    returned = dispatch.status == DispatchStatus.RETURNED
    returned_text = _("returned") if returned else ""
    report = DepartmentClock(
        Deadline.REPORT.value,
        _("Report by (报到期限)"),
        badge if dispatch.status == DispatchStatus.PENDING and badge.light else None,
        dispatch.reported_at,
        dispatch.late_report,
        returned_text if dispatch.reported_at is None else "",
    )
    complete = DepartmentClock(
        Deadline.COMPLETE.value,
        _("Complete by (办结期限)"),
        badge if dispatch.status == DispatchStatus.REPORTED and badge.light else None,
        dispatch.completed_at,
        dispatch.late_complete,
        returned_text
        or (_("starts when you report") if dispatch.status == DispatchStatus.PENDING else ""),
    )
    return DepartmentClocks(dispatch, [report, complete])


def _actor_name(user: User | None) -> str:
    if user is None:
        return _("system")
    return user.get_full_name() or user.username


# The timeline shows the latest steps; a long-running case (supervised and escalated for
# months) links to the whole record instead of rendering a hundred entries on every visit.
TIMELINE_RECENT = 20


def _timeline_events(
    user: Any, petition: Petition, *, everything: bool
) -> tuple[list[PetitionEvent], bool]:
    """The events to show in order, and whether earlier ones were left out (one query)."""
    events = selectors.petition_timeline(user=user, petition=petition)
    if everything:
        return list(events), False
    latest = list(events.reverse()[: TIMELINE_RECENT + 1])
    return latest[:TIMELINE_RECENT][::-1], len(latest) > TIMELINE_RECENT


def _timeline(events: list[PetitionEvent], dispatches: list[Dispatch]) -> list[TimelineEntry]:
    names = {item.department_id: item.department.name for item in dispatches}
    seen = {item.pk: item for item in dispatches}
    satisfaction = dict(Satisfaction.choices)
    deadlines = dict(Deadline.choices)
    entries = []
    for event in events:
        data = event.data or {}
        detail = ""
        if event.dispatch is not None:
            detail = event.dispatch.department.name
        elif event.action == Action.DISPATCH:
            detail = "、".join(
                names[item["department"]]
                for item in data.get("departments", [])
                if item.get("department") in names
            )
        elif event.action == Action.EVALUATE:
            detail = str(satisfaction.get(data.get("satisfaction", ""), ""))
        elif event.action == Action.DECIDE_EXTENSION:
            detail = _("approved") if data.get("approved") else _("refused")
        if event.action == Action.ESCALATE:
            escalated = _("level %(level)s, %(deadline)s missed") % {
                "level": data.get("level", ""),
                "deadline": deadlines.get(data.get("deadline", ""), ""),
            }
            detail = f"{detail} · {escalated}" if detail else escalated
        place = event.actor_place or event.unit.name
        completed = (
            seen.get(event.dispatch_id)
            if event.action == Action.COMPLETE and event.dispatch_id is not None
            else None
        )
        entries.append(TimelineEntry(event, _actor_name(event.actor), detail, place, completed))
    return entries


def _petition_form(
    name: str,
    petition: Petition,
    user: Any,
    data: Any = None,
) -> VersionForm:
    form_class = PETITION_ACTION_FORMS[name]
    initial: dict[str, Any] = {"version": petition.version}
    kwargs: dict[str, Any] = {}
    if form_class is DispatchForm:
        kwargs["departments"] = org_selectors.department_list_visible(user=user).filter(
            is_active=True
        )
    if name == Action.TAG_COMPLEX:
        initial["tags"] = petition.complexity_tags
    form = form_class(data, prefix=name, initial=initial, **kwargs)
    if isinstance(form, ExtensionRequestForm):
        form.fields["amount"].help_text = _("1 to %(limit)d %(unit)s.") % {
            "limit": petition.policy.max_extension,
            "unit": petition.policy.get_extension_unit_display(),
        }
    return form


def _dispatch_form(
    name: str, dispatch: Dispatch, data: Any = None, files: Any = None
) -> VersionForm:
    return DISPATCH_ACTION_FORMS[name](
        data,
        files,
        prefix=name,
        initial={"version": dispatch.version},
        auto_id=f"id_dispatch{dispatch.pk}_%s",
    )


@dataclass(frozen=True)
class Bound:
    """A submitted form with errors, shown in place of the blank one."""

    action: str
    dispatch_id: int | None
    form: VersionForm


def _detail(
    request: HttpRequest,
    petition: Petition,
    *,
    now: dt.datetime,
    bound: Bound | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    dispatches = list(selectors.petition_dispatches(user=user, petition=petition))
    actions = selectors.petition_actions(user, petition, dispatches, now=now)
    items = [
        _item(
            name,
            reverse("petitions:act", args=[petition.pk, name.replace("_", "-")]),
            _petition_form(name, petition, user),
        )
        for name in actions
    ]
    cards = [
        DispatchCard(
            dispatch,
            dispatch_badge(dispatch, now=now),
            [
                _item(
                    name,
                    reverse("petitions:dispatch_act", args=[dispatch.pk, name]),
                    _dispatch_form(name, dispatch),
                )
                for name in selectors.dispatch_actions(user, dispatch, now=now)
            ],
        )
        for dispatch in dispatches
    ]
    if bound is not None:
        targets = (
            items
            if bound.dispatch_id is None
            else next((card.items for card in cards if card.dispatch.pk == bound.dispatch_id), [])
        )
        for item in targets:
            if item.name == bound.action:
                item.form, item.open = bound.form, True
    labels = dict(Complexity.choices)
    department_clocks = _department_clocks(user, dispatches, now)
    person = petition.petitioner
    person_link = (
        person is not None
        and policy.sees_full_names(user)
        and org_selectors.person_list_visible(user=user).filter(pk=person.pk).exists()
    )
    events, earlier_left_out = _timeline_events(
        user, petition, everything=request.GET.get("timeline") == "all"
    )
    repeat_of = None
    if petition.repeat_of_id is not None:
        # The earlier case may lie outside the viewer's area: then it does not exist for them.
        repeat_of = (
            selectors.petition_list_visible(user=user)
            .filter(pk=petition.repeat_of_id)
            .values("pk", "number")
            .first()
        )
    context = {
        "petition": petition,
        "badge": petition_badge(petition, now=now),
        "petitioner": petitioner_name(user, petition, _("anonymous")),
        "may_reveal_petitioner": _may_reveal_petitioner(user, petition),
        "person_link": person_link,
        "contact_phone": petition.masked_contact_phone
        or (person.masked_mobile if person is not None else ""),
        "repeat_of": repeat_of,
        "complexity_labels": [labels.get(tag, tag) for tag in petition.complexity_tags],
        "shows_visit": petition.source_visit_id is not None and policy.sees_source_visits(user),
        "department_clocks": department_clocks,
        # Beside the department's own clocks, the petition's: its acceptance and resolution
        # (the department's 报到 is already above).
        "clocks": [
            clock
            for clock in _clocks(petition, dispatches, now)
            if department_clocks is None or clock.stage != Deadline.REPORT.value
        ],
        "cards": cards,
        "timeline": _timeline(events, dispatches),
        "timeline_earlier_left_out": earlier_left_out,
        "attachments": list(petition.attachments.all()),
        "actions": actions,
        "items": items,
        "may_print_notice": _notice_ready(petition)
        and policy.role_may(user, "petition.print_notice", petition),
        "nav_section": "petitions",
        "petition_section": "list",
        "watermark": True,
    }
    response = render(request, "petitions/detail.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _petition(user: Any, pk: Any) -> Petition:
    """The petition as ``selectors.petition_get`` finds it, with what its page shows."""
    try:
        return (
            selectors.petition_list_visible(user=user)
            .select_related("location", "created_by")
            .get(pk=pk)
        )
    except (Petition.DoesNotExist, ValueError, TypeError) as error:
        raise OutOfScope() from error


@login_required
def petition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    petition = _petition(request.user, pk)
    return _detail(request, petition, now=timezone.now())


# --- Actions ---------------------------------------------------------------------------------


DONE_MESSAGES = {
    "accept": gettext_lazy("Accepted. The acceptance notice can be printed now."),
    "reject": gettext_lazy("Not accepted; the reason is recorded."),
    "start": gettext_lazy("The unit handles it itself now."),
    "dispatch": gettext_lazy("Whistle blown: the departments have been told."),
    "reply": gettext_lazy("Reply recorded."),
    "evaluate": gettext_lazy("Evaluation recorded."),
    "close": gettext_lazy("Closed."),
    "reopen": gettext_lazy("Reopened for review."),
    "supervise": gettext_lazy("Supervision recorded; the handling unit has been told."),
    "request_extension": gettext_lazy("Extension requested."),
    "decide_extension": gettext_lazy("Decision recorded."),
    "tag_complex": gettext_lazy("Complexity tags saved."),
    "report": gettext_lazy("Reported (报到)."),
    "return": gettext_lazy("Returned (退单)."),
    "complete": gettext_lazy("Completed (办结)."),
    "rate": gettext_lazy("Rating recorded."),
}


def _perform(name: str, user: User, petition: Petition, data: dict[str, Any]) -> None:
    version = data["version"]
    common = {"actor": user, "petition": petition, "expected_version": version}
    if name in ("accept", "start"):
        getattr(services, f"petition_{name}")(**common, note=data["note"])
    elif name in ("reject", "close", "reopen"):
        getattr(services, f"petition_{name}")(**common, reason=data["reason"])
    elif name == "dispatch":
        services.petition_dispatch(
            **common,
            lead=data["lead"],
            assists=list(data["assists"]),
            instructions=data["instructions"],
        )
    elif name == "reply":
        services.petition_reply(**common, reply=data["reply"])
    elif name == "evaluate":
        services.petition_evaluate(**common, satisfaction=data["satisfaction"], note=data["note"])
    elif name == "supervise":
        services.petition_supervise(**common, note=data["note"])
    elif name == "request_extension":
        services.petition_request_extension(**common, amount=data["amount"], reason=data["reason"])
    elif name == "decide_extension":
        services.petition_decide_extension(**common, approve=data["approve"], note=data["note"])
    elif name == "tag_complex":
        services.petition_tag_complex(**common, tags=data["tags"])
    else:  # pragma: no cover - the slugs are the keys of PETITION_ACTION_FORMS
        raise Http404


def _perform_on_dispatch(name: str, user: User, dispatch: Dispatch, data: dict[str, Any]) -> None:
    common = {"actor": user, "dispatch": dispatch, "expected_version": data["version"]}
    if name == "report":
        services.dispatch_report(**common, note=data["note"])
    elif name == "return":
        services.dispatch_return(**common, reason=data["reason"])
    elif name == "complete":
        services.dispatch_complete(**common, note=data["note"], photos=data["photos"])
    elif name == "rate":
        services.dispatch_rate(**common, rating=data["rating"], note=data["note"])
    else:  # pragma: no cover - the slugs are the keys of DISPATCH_ACTION_FORMS
        raise Http404


def _refused(request: HttpRequest, petition_id: int, error: Exception) -> HttpResponse:
    """The action was refused for the state it met: show the current state (409)."""
    if isinstance(error, ConcurrentUpdate):
        text = _(
            "Someone else changed this petition in the meantime, so nothing was changed. "
            "This is its current state: check it and try again."
        )
    else:
        text = str(getattr(error, "message", error))
    messages.error(request, text)
    petition = _petition(request.user, petition_id)
    return _detail(request, petition, now=timezone.now(), status=409)


@require_POST
@login_required
def petition_act(request: HttpRequest, pk: int, action: str) -> HttpResponseBase:
    """One action of unit staff or an official on the petition (POST)."""
    name = PETITION_SLUGS.get(action)
    if name is None:
        raise Http404
    user = actor(request)
    petition = _petition(user, pk)
    policy.require(user, f"petition.{name}", petition)
    form = _petition_form(name, petition, user, request.POST)
    if form.is_valid():
        try:
            _perform(name, user, petition, form.cleaned_data)
        except ValidationFailed as error:
            add_service_errors(form, error)
        except (ConcurrentUpdate, InvalidTransition) as error:
            return _refused(request, petition.pk, error)
        else:
            messages.success(request, DONE_MESSAGES[name])
            return redirect(safe_next(request, reverse("petitions:detail", args=[petition.pk])))
    return _detail(request, petition, now=timezone.now(), bound=Bound(name, None, form), status=400)


@require_POST
@login_required
def dispatch_act(request: HttpRequest, pk: int, action: str) -> HttpResponseBase:
    """One action on a whistle (POST): a handler's report, return or completion, or the
    whistling unit's rating."""
    name = DISPATCH_SLUGS.get(action)
    if name is None:
        raise Http404
    user = actor(request)
    dispatch = selectors.dispatch_get(user=user, pk=pk)
    policy.require(user, f"dispatch.{name}", dispatch)
    form = _dispatch_form(name, dispatch, request.POST, request.FILES)
    if form.is_valid():
        try:
            _perform_on_dispatch(name, user, dispatch, form.cleaned_data)
        except ValidationFailed as error:
            add_service_errors(form, error)
        except (ConcurrentUpdate, InvalidTransition) as error:
            return _refused(request, dispatch.petition_id, error)
        else:
            messages.success(request, DONE_MESSAGES[name])
            fallback = reverse("petitions:detail", args=[dispatch.petition_id])
            return redirect(safe_next(request, fallback))
    petition = _petition(user, dispatch.petition_id)
    return _detail(
        request, petition, now=timezone.now(), bound=Bound(name, dispatch.pk, form), status=400
    )


# --- The acceptance notice, attachments, result photos ----------------------------------------


def _notice_ready(petition: Petition) -> bool:
    return petition.accepted_at is not None and petition.status not in (
        Status.SUBMITTED,
        Status.REJECTED,
    )


@login_required
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    """受理告知书: a printable A4 page once the petition is accepted (409 before)."""
    user = request.user
    petition = _petition(user, pk)
    # The petition is the user's (404 otherwise): the role's rule settles the rest.
    require(policy.role_may(user, "petition.print_notice", petition))
    if not _notice_ready(petition):
        raise InvalidTransition(
            _("The acceptance notice exists once the petition has been accepted.")
        )
    accepted = (
        selectors.petition_timeline(user=user, petition=petition)
        .filter(action=Action.ACCEPT)
        .order_by("-at", "-id")
        .first()
    )
    # The notice is handed to the petitioner: it addresses them by name (as the printing staff
    # see it) and gives the handling unit's office phone, or the nearest one above it.
    context = {
        "petition": petition,
        "petitioner": petitioner_name(user, petition, _("anonymous")),
        "addressee": "" if petition.is_anonymous else petitioner_name(user, petition, ""),
        "accepted_by": _actor_name(accepted.actor) if accepted is not None else "",
        "accept_unit": accepted.unit if accepted is not None else petition.handling_unit,
        "phone_unit": org_selectors.orgunit_phone_unit(unit=petition.handling_unit),
        "printed_at": timezone.now(),
    }
    response = render(request, "petitions/notice.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponseBase:
    """One attachment, streamed to whoever sees the petition (404 for everyone else)."""
    petition = selectors.petition_get(user=request.user, pk=pk)
    item = petition.attachments.filter(pk=attachment_id).first()
    if item is None:
        raise OutOfScope()
    return private_file_response(
        item.file, download_name=item.name, cache_control="private, no-store"
    )


@login_required
def dispatch_photo(request: HttpRequest, pk: int, photo_id: int) -> HttpResponseBase:
    """A photo of a department's result, streamed to whoever sees the whistle (404 for
    everyone else, and for a photo of another whistle)."""
    photo = selectors.dispatch_photo_get(user=request.user, dispatch_id=pk, pk=photo_id)
    return private_file_response(photo.image)


def _may_reveal_petitioner(user: Any, petition: Petition) -> bool:
    """Offer "show in full" when there is a name or a phone to show and the policy allows it."""
    has_something = (petition.petitioner_id is not None and not petition.is_anonymous) or bool(
        petition.contact_phone_encrypted
    )
    return (
        has_something
        and policy.petitions.petitioner_in_scope(user, petition)
        and policy.role_may(user, "petition.reveal_petitioner", petition)
    )


@require_POST
@login_required
def petitioner_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The petitioner's name and phone in full (an htmx fragment). POST only; audited by the
    service; 404 for a handler once the department's whistle has ended."""
    petition = selectors.petition_get(user=request.user, pk=pk)
    shown = services.petition_reveal_petitioner(actor=request.user, petition=petition)
    response = render(request, "petitions/_petitioner_revealed.html", {"shown": shown})
    response["Cache-Control"] = "no-store"
    return response
