"""议事会议 pages: the meetings of the area, scheduling one (its agenda: open topics of the
community and what else is to be said), and a meeting's page with the topics and the
resolution each came to, the invitees with their sign-in, the minutes, and the steps the
viewer may take now."""

from __future__ import annotations

from functools import partial
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

from consultations import exports, selectors, services
from consultations.forms import MEETING_ACTION_FORMS, InviteForm, MeetingForm, VoterSearchForm
from consultations.models import OPEN_STATUSES, InviteeKind, Meeting, MeetingStatus, Topic
from consultations.serializers import person_name
from consultations.workflows import MEETING_WORKFLOW
from governance.errors import InvalidTransition, NotAllowed, ValidationFailed
from governance.workflow import available_actions
from orgchart import policy
from orgchart import selectors as org_selectors
from orgchart.forms import add_service_errors
from orgchart.models import OrgUnit
from orgchart.pages import export_asked, is_whole_number, masked_query, paginate
from orgchart.policy import AnyUser
from volunteers.forms import VersionForm
from volunteers.views.shared import ActionItem, run_action

CANDIDATES = 10

ACTION_LABELS = {
    "hold": (gettext_lazy("Record the minutes (held)"), "success"),
    "cancel": (gettext_lazy("Call the meeting off"), "outline-danger"),
}


def meeting_community(user: AnyUser) -> OrgUnit | None:
    """The community where the user schedules meetings (``orgunit.schedule_meeting``)."""
    return policy.anchor_for(user, "orgunit.schedule_meeting")


@login_required
def meeting_list(request: HttpRequest) -> HttpResponseBase:
    """The meetings of the user's area, the latest start first (``?status=``)."""
    user = request.user
    status = request.GET.get("status", "")
    if status not in MeetingStatus.values:
        status = ""
    meetings = selectors.meeting_list_visible(user=user, status=status)
    asked = export_asked(request)
    if asked is not None:
        export = exports.ExportRequest(
            user=user, file_format=asked.file_format, filters={"status": status}
        )
        return exports.meeting_export(export, meetings)
    page = paginate(request, meetings)
    context = {
        "page": page,
        "meetings": page.object_list,
        "status": status,
        "status_choices": MeetingStatus.choices,
        "filters": f"status={status}" if status else "",
        "schedules": meeting_community(user) is not None,
    }
    return render(request, "consultations/meeting_list.html", context)


def _open_topics(community: OrgUnit) -> list[tuple[int, str]]:
    topics = Topic.objects.filter(community=community, status__in=OPEN_STATUSES).order_by(
        "-solicited_at"
    )
    return [(topic.pk, f"{topic.title} · {topic.get_status_display()}") for topic in topics]


@login_required
def meeting_new(request: HttpRequest) -> HttpResponseBase:
    """Schedule a meeting of the community (its workers) with the topics it takes up."""
    user = request.user
    community = meeting_community(user)
    if community is None:
        raise NotAllowed(_("Only the community's workers schedule its meetings."))
    choices = _open_topics(community)
    status = 200
    if request.method == "POST":
        form = MeetingForm(request.POST, topics=choices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = services.meeting_schedule(
                    actor=user,
                    community=community,
                    title=data["title"],
                    format=data["format"],
                    starts_at=data["starts_at"],
                    place=data["place"],
                    agenda=data["agenda"],
                    topics=list(Topic.objects.filter(pk__in=data["topics"])),
                )
            except ValidationFailed as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The meeting is scheduled."))
                return redirect("consultations:meeting", pk=meeting.pk)
        status = 400
    else:
        initial: dict[str, Any] = {}
        topic_id = request.GET.get("topic", "")
        if topic_id.isascii() and topic_id.isdigit():
            initial["topics"] = [int(topic_id)]
        form = MeetingForm(initial=initial, topics=choices)
    context = {"form": form, "community": community}
    return render(request, "consultations/meeting_form.html", context, status=status)


def _items(
    user: AnyUser, meeting: Meeting, bound: tuple[str, VersionForm] | None = None
) -> list[ActionItem]:
    items = []
    for name in available_actions(MEETING_WORKFLOW, meeting, user, now=timezone.now()):
        label, tone = ACTION_LABELS[name]
        url = reverse("consultations:meeting_act", args=[meeting.pk, name])
        if bound is not None and bound[0] == name:
            form, opened = bound[1], True
        else:
            form, opened = MEETING_ACTION_FORMS[name](initial={"version": meeting.version}), False
        items.append(ActionItem(name, str(label), url, form, tone, opened))
    return items


def _meeting_page(
    request: HttpRequest,
    meeting: Meeting,
    *,
    bound: tuple[str, VersionForm] | None = None,
    status: int = 200,
    query: str = "",
    invite_form: InviteForm | None = None,
) -> HttpResponse:
    user = request.user
    keeps = meeting.status == MeetingStatus.SCHEDULED and policy.role_may(
        user, "meeting.change", meeting
    )
    candidates: list[tuple[Any, str]] = []
    error = ""
    if keeps and query:
        try:
            people = org_selectors.person_list_visible(
                user=user, query=query, within=meeting.community
            )[:CANDIDATES]
            candidates = [(person, person_name(user, person)) for person in people]
        except ValidationFailed as failure:
            error = "; ".join(str(t) for texts in failure.fields.values() for t in texts)
    invitees = [
        (invitee, person_name(user, invitee.person) if invitee.person else invitee.name)
        for invitee in selectors.meeting_invitees(meeting=meeting)
    ]
    context = {
        "meeting": meeting,
        "topics": list(selectors.meeting_topics(meeting=meeting)),
        "invitees": invitees,
        "signed_in": sum(1 for invitee, _name in invitees if invitee.signed_in_at),
        "events": list(selectors.meeting_events(meeting=meeting)),
        "items": _items(user, meeting, bound),
        "keeps": keeps,
        "invite_form": invite_form or InviteForm(initial={"kind": InviteeKind.PROPERTY}),
        "search_form": VoterSearchForm(
            initial={"voter_q": "" if is_whole_number(query) else query}
        ),
        "candidates": candidates,
        "masked_query": masked_query(query) if is_whole_number(query) else "",
        "search_error": error,
        "watermark": keeps,
    }
    return render(request, "consultations/meeting_detail.html", context, status=status)


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _meeting_page(request, selectors.meeting_get(user=request.user, pk=pk))


@login_required
@require_POST
def meeting_act(request: HttpRequest, pk: int, action: str) -> HttpResponseBase:
    """Hold (the minutes) or cancel, with the ``version`` the page showed."""
    user = request.user
    if action not in MEETING_ACTION_FORMS:
        raise Http404
    meeting = selectors.meeting_get(user=user, pk=pk)
    return run_action(
        request,
        meeting,
        action=action,
        rule=f"meeting.{action}",
        form=lambda: MEETING_ACTION_FORMS[action](request.POST),
        run=partial(_run_meeting_action, user, meeting, action),
        page=_meeting_page,
        reload=selectors.meeting_get,
        done=reverse("consultations:meeting", args=[meeting.pk]),
    )


def _run_meeting_action(
    user: Any, meeting: Meeting, action: str, version: int, data: dict[str, Any]
) -> None:
    if action == "hold":
        services.meeting_hold(
            actor=user, meeting=meeting, minutes=data["minutes"], expected_version=version
        )
    else:
        services.meeting_cancel(
            actor=user, meeting=meeting, reason=data["reason"], expected_version=version
        )


def _conflict(request: HttpRequest, user: AnyUser, meeting: Meeting, error: Any) -> HttpResponse:
    messages.error(request, str(error.message))
    fresh = selectors.meeting_get(user=user, pk=meeting.pk)
    return _meeting_page(request, fresh, status=error.status_code)


@login_required
@require_POST
def meeting_invite(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Invite an organisation by name, or a resident of the community: "search" (a POST, so a
    whole number never lands in a URL) lists the matching residents to invite."""
    user = request.user
    meeting = selectors.meeting_get(user=user, pk=pk)
    if not policy.can(user, "meeting.change", meeting):
        raise NotAllowed()
    if "search" in request.POST:
        query = request.POST.get("voter_q", "").strip()[:50]
        return _meeting_page(request, meeting, query=query)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _meeting_page(request, meeting, invite_form=form, status=400)
    data = form.cleaned_data
    person = None
    if data["person"]:
        person = (
            org_selectors.person_list_visible(user=user, within=meeting.community)
            .filter(pk=data["person"])
            .first()
        )
        if person is None:
            form.add_error(None, _("Choose a resident of the meeting's community."))
            return _meeting_page(request, meeting, invite_form=form, status=400)
    try:
        services.meeting_invite(
            actor=user, meeting=meeting, kind=data["kind"], person=person, name=data["name"]
        )
    except ValidationFailed as error:
        add_service_errors(form, error)
        return _meeting_page(request, meeting, invite_form=form, status=400)
    except InvalidTransition as error:
        return _conflict(request, user, meeting, error)
    messages.success(request, _("Invited."))
    return redirect("consultations:meeting", pk=meeting.pk)


@login_required
@require_POST
def meeting_sign_in(request: HttpRequest, pk: int) -> HttpResponseBase:
    """签到: an invitee of this meeting arrives."""
    user = request.user
    meeting = selectors.meeting_get(user=user, pk=pk)
    if not policy.can(user, "meeting.change", meeting):
        raise NotAllowed()
    raw = request.POST.get("invitee", "")
    invitee = (
        meeting.invitees.filter(pk=int(raw)).first()
        if raw.isascii() and raw.isdigit() and len(raw) < 19
        else None
    )
    if invitee is None:
        messages.error(request, _("Not an invitee of this meeting."))
        return _meeting_page(request, meeting, status=400)
    try:
        services.meeting_sign_in(actor=user, invitee=invitee)
    except InvalidTransition as error:
        return _conflict(request, user, meeting, error)
    messages.success(request, _("Signed in."))
    return redirect("consultations:meeting", pk=meeting.pk)
