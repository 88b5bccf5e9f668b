"""议事协商 pages: the topic list, 一征 (a new topic, or a people's suggestion promoted to
one), a topic's page with its stages, votes, timeline and exactly the steps the viewer may take
now, and the vote desk of the deciding meeting."""

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

from consultations import exports, selectors, services
from consultations.forms import (
    TOPIC_ACTION_FORMS,
    DecideForm,
    OrderWorkForm,
    TopicFilterForm,
    TopicForm,
    VoteForm,
    VoterSearchForm,
)
from consultations.models import MeetingStatus, Topic, TopicFormat, TopicStatus, VoteChoice
from consultations.serializers import may_order_work, person_name, topic_actions
from governance.errors import InvalidTransition, NotAllowed, ValidationFailed
from orgchart import policy
from orgchart import selectors as org_selectors
from orgchart.forms import add_service_errors
from orgchart.models import OrgUnit, Person
from orgchart.pages import export_asked, is_whole_number, masked_query, paginate, query_string
from orgchart.policy import AnyUser
from petitions.models import Petition
from volunteers.forms import VersionForm
from volunteers.views.shared import ActionItem, posted_id, run_action

TOPIC_FILTERS = ("q", "status", "kind")
VOTER_CANDIDATES = 10


def solicit_community(user: AnyUser) -> OrgUnit | None:
    """The community where the user posts topics (``orgunit.solicit_topic``)."""
    return policy.anchor_for(user, "orgunit.solicit_topic")


# --- The list ----------------------------------------------------------------------------------


def _own_community(user: AnyUser) -> OrgUnit | None:
    anchor = getattr(user, "anchor_unit", None)
    return anchor if anchor is not None and anchor.kind == OrgUnit.Kind.COMMUNITY else None


@login_required
def topic_list(request: HttpRequest) -> HttpResponseBase:
    """议事协商: the topics of the user's area, newest first, by status and format."""
    user = request.user
    filters = TopicFilterForm(request.GET)
    chosen = {name: str(filters.value(name)).strip() for name in TOPIC_FILTERS}
    topics = selectors.topic_list_visible(
        user=user, status=chosen["status"], format=chosen["kind"], query=chosen["q"]
    )
    asked = export_asked(request)
    if asked is not None:
        export = exports.ExportRequest(user=user, file_format=asked.file_format, filters=chosen)
        return exports.topic_export(export, topics)
    page = paginate(request, topics)
    context = {
        "filters_form": filters,
        "filtered": any(chosen.values()),
        "status_choices": TopicStatus.choices,
        "status": chosen["status"],
        "page": page,
        "topics": page.object_list,
        "filters": query_string(request, *TOPIC_FILTERS),
        "solicits": solicit_community(user) is not None,
        "stages": selectors.topics_by_stage(user=user),
        # The notice board (公示) of the community the user works at, if any.
        "board": _own_community(user),
    }
    return render(request, "consultations/topic_list.html", context)


# --- 一征 --------------------------------------------------------------------------------------


def _unit_choices(community: OrgUnit) -> list[tuple[int, str]]:
    compounds = OrgUnit.objects.filter(parent=community, kind=OrgUnit.Kind.COMPOUND).order_by("lft")
    return [(community.pk, community.name), *((unit.pk, unit.name) for unit in compounds)]


def _suggestion(user: AnyUser, value: Any) -> Petition | None:
    """The petition a topic is promoted from (``?petition=`` or the form's hidden field): one
    the user sees, else a 404 (nothing says whether it exists elsewhere)."""
    pk = posted_id(value)
    if pk is None:
        return None
    petition = policy.policy(user, Petition).filter(pk=pk).first()
    if petition is None:
        raise Http404
    return petition


@login_required
def topic_new(request: HttpRequest) -> HttpResponseBase:
    """一征: post a topic raised by the residents (community and grid workers at their
    community), or promote a people's suggestion (``?petition=<id>``) to one."""
    user = request.user
    community = solicit_community(user)
    if community is None:
        raise NotAllowed(_("Only community and grid workers post consultation topics."))
    units = _unit_choices(community)
    petition = _suggestion(user, request.POST.get("petition") or request.GET.get("petition"))
    status = 200
    if request.method == "POST":
        form = TopicForm(request.POST, units=units)
        if form.is_valid():
            data = form.cleaned_data
            unit = OrgUnit.objects.filter(pk=data["unit"]).first()
            try:
                topic = services.topic_solicit(
                    actor=user,
                    community=community,
                    unit=unit,
                    title=data["title"],
                    description=data["description"],
                    format=data["format"],
                    petition=petition,
                )
            except ValidationFailed as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The topic is solicited."))
                return redirect("consultations:topic", pk=topic.pk)
        status = 400
    else:
        initial: dict[str, Any] = {"unit": community.pk, "format": TopicFormat.RESIDENTS_TALK}
        if petition is not None:
            initial.update(
                title=petition.title, description=petition.description, petition=petition.pk
            )
        form = TopicForm(initial=initial, units=units)
    context = {"form": form, "community": community, "petition": petition}
    return render(request, "consultations/topic_form.html", context, status=status)


# --- A topic's page ---------------------------------------------------------------------------

ACTION_LABELS = {
    "propose": (gettext_lazy("Propose (提议)"), "primary"),
    "deliberate": (gettext_lazy("Record the deliberation (商议)"), "primary"),
    "decide": (gettext_lazy("Record the decision (决议)"), "success"),
    "publish": (gettext_lazy("Publish the decision (决议公开)"), "success"),
    "publish_result": (gettext_lazy("Publish the result (结果公开)"), "success"),
    "withdraw": (gettext_lazy("Withdraw"), "outline-danger"),
}


@dataclass(frozen=True)
class Stage:
    """One stage of 一征三议两公开 as the page shows it: done (when, the text) or not yet."""

    key: str
    label: str
    at: Any
    text: str
    done: bool


def _stages(topic: Topic) -> list[Stage]:
    rows = [
        ("solicit", _("Solicited (一征)"), topic.solicited_at, topic.description),
        ("propose", _("Proposed (提议)"), topic.proposed_at, topic.proposal),
        ("deliberate", _("Deliberated (商议)"), topic.deliberated_at, topic.deliberation),
        ("decide", _("Decided (决议)"), topic.decided_at, topic.decision),
        ("publish", _("Decision published (决议公开)"), topic.published_at, ""),
        (
            "publish_result",
            _("Result published (结果公开)"),
            topic.result_published_at,
            topic.result,
        ),
    ]
    return [Stage(key, label, at, text, at is not None) for key, label, at, text in rows]


def _meetings_of(topic: Topic) -> list[tuple[int, str]]:
    """The meetings that may have decided the topic: its community's, not cancelled, with the
    topic on their agenda."""
    meetings = topic.meetings.exclude(status=MeetingStatus.CANCELLED).order_by("-starts_at")
    return [(m.pk, f"{m.starts_at:%Y-%m-%d} {m.title}") for m in meetings]


def _action_form(topic: Topic, name: str, data: Any = None) -> VersionForm:
    if name == "decide":
        return DecideForm(data, initial={"version": topic.version}, meetings=_meetings_of(topic))
    return TOPIC_ACTION_FORMS[name](data, initial={"version": topic.version})


def _items(
    user: AnyUser, topic: Topic, bound: tuple[str, VersionForm] | None = None
) -> list[ActionItem]:
    items = []
    for name in topic_actions(user, topic):
        label, tone = ACTION_LABELS[name]
        url = reverse("consultations:topic_act", args=[topic.pk, name])
        if bound is not None and bound[0] == name:
            form, opened = bound[1], True
        else:
            form, opened = _action_form(topic, name), False
        items.append(ActionItem(name, str(label), url, form, tone, opened))
    return items


@dataclass(frozen=True)
class VoterPick:
    """The vote desk: the residents matching the search (with whether they have voted), what
    the search box shows (a whole ID or phone number is never echoed back) and its error."""

    form: VoterSearchForm
    candidates: list[tuple[Person, str, bool]]
    masked_query: str
    error: str


def _voter_pick(user: AnyUser, topic: Topic, query: str) -> VoterPick:
    candidates: list[tuple[Person, str, bool]] = []
    error = ""
    if query:
        try:
            people = list(
                org_selectors.person_list_visible(user=user, query=query, within=topic.community)[
                    :VOTER_CANDIDATES
                ]
            )
        except ValidationFailed as failure:
            error = "; ".join(str(text) for texts in failure.fields.values() for text in texts)
        else:
            voted = set(
                topic.votes.filter(voter__in=[p.pk for p in people]).values_list(
                    "voter_id", flat=True
                )
            )
            candidates = [(p, person_name(user, p), p.pk in voted) for p in people]
    shown = "" if is_whole_number(query) else query
    return VoterPick(
        form=VoterSearchForm(initial={"voter_q": shown}),
        candidates=candidates,
        masked_query=masked_query(query) if is_whole_number(query) else "",
        error=error,
    )


def _topic_page(
    request: HttpRequest,
    topic: Topic,
    *,
    bound: tuple[str, VersionForm] | None = None,
    status: int = 200,
    voter_query: str = "",
    order_form: OrderWorkForm | None = None,
) -> HttpResponse:
    user = request.user
    votes = list(selectors.topic_votes(topic=topic))
    may_vote = topic.status == TopicStatus.DELIBERATED and policy.role_may(
        user, "topic.vote", topic
    )
    tally = dict.fromkeys(VoteChoice.values, 0)
    for vote in votes:
        tally[vote.choice] += 1
    context = {
        "topic": topic,
        "stages": _stages(topic),
        "events": list(selectors.topic_events(topic=topic)),
        "items": _items(user, topic, bound),
        "votes": [(vote, person_name(user, vote.voter)) for vote in votes],
        "tally": tally,
        "cast": len(votes),
        "may_vote": may_vote,
        "pick": _voter_pick(user, topic, voter_query) if may_vote else None,
        "vote_choices": VoteChoice.choices,
        "petition_visible": topic.petition is not None and policy.is_visible(user, topic.petition),
        "work_order_visible": topic.work_order is not None
        and policy.is_visible(user, topic.work_order),
        "order_form": order_form
        or OrderWorkForm(initial={"title": topic.title, "content": topic.decision}),
        "may_order_work": may_order_work(user, topic),
        "meetings": list(selectors.meeting_list_visible(user=user).filter(topics=topic)),
        # Residents' names and masked numbers in the vote desk.
        "watermark": may_vote,
    }
    return render(request, "consultations/topic_detail.html", context, status=status)


@login_required
def topic_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _topic_page(request, selectors.topic_get(user=request.user, pk=pk))


@login_required
@require_POST
def topic_act(request: HttpRequest, pk: int, action: str) -> HttpResponseBase:
    """One stage with the ``version`` the page showed."""
    user = request.user
    if action not in TOPIC_ACTION_FORMS:
        raise Http404
    topic = selectors.topic_get(user=user, pk=pk)
    return run_action(
        request,
        topic,
        action=action,
        rule=f"topic.{action}",
        form=lambda: _action_form(topic, action, request.POST),
        run=partial(_run_topic_action, user, topic, action),
        page=_topic_page,
        reload=selectors.topic_get,
        done=reverse("consultations:topic", args=[topic.pk]),
    )


def _run_topic_action(
    user: Any, topic: Topic, action: str, version: int, data: dict[str, Any]
) -> None:
    step: Any = {
        "propose": services.topic_propose,
        "deliberate": services.topic_deliberate,
        "decide": services.topic_decide,
        "publish": services.topic_publish,
        "publish_result": services.topic_publish_result,
        "withdraw": services.topic_withdraw,
    }[action]
    if action == "decide" and data.get("meeting") is not None:
        found = selectors.meeting_list_visible(user=user).filter(pk=data["meeting"]).first()
        if found is None:
            raise ValidationFailed(fields={"meeting": [_("Choose the meeting.")]})
        data["meeting"] = found
    step(actor=user, topic=topic, expected_version=version, **data)


@login_required
@require_POST
def topic_order_work(request: HttpRequest, pk: int) -> HttpResponseBase:
    """五单法 from a decision: the work order lands on the 五单法 board as ``ordered``; its
    verification (验单) publishes the topic's result."""
    user = request.user
    topic = selectors.topic_get(user=user, pk=pk)
    if not policy.can(user, "topic.order_work", topic):
        raise NotAllowed()
    form = OrderWorkForm(request.POST)
    if not form.is_valid():
        return _topic_page(request, topic, order_form=form, status=400)
    data = form.cleaned_data
    try:
        order = services.topic_order_work(
            actor=user,
            topic=topic,
            title=data["title"],
            content=data["content"],
            funds=data["funds"] or 0,
            funds_source=data["funds_source"],
        )
    except ValidationFailed as error:
        add_service_errors(form, error)
        return _topic_page(request, topic, order_form=form, status=400)
    except InvalidTransition as error:
        messages.error(request, str(error.message))
        fresh = selectors.topic_get(user=user, pk=topic.pk)
        return _topic_page(request, fresh, status=error.status_code)
    messages.success(
        request, _("The decision is ordered as work order %(number)s.") % {"number": order.number}
    )
    return redirect("consultations:topic", pk=topic.pk)


@login_required
@require_POST
def topic_vote(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The vote desk: "search" finds residents of the topic's community (a POST, so a whole
    number never lands in a URL); a choice records that person's vote once (409 for a second
    one, shown on the page as it is now)."""
    user = request.user
    topic = selectors.topic_get(user=user, pk=pk)
    if not policy.can(user, "topic.vote", topic):
        raise NotAllowed()
    if "search" in request.POST:
        query = request.POST.get("voter_q", "").strip()[:50]
        return _topic_page(request, topic, voter_query=query)
    form = VoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the voter and the vote."))
        return _topic_page(request, topic, status=400)
    voter = (
        org_selectors.person_list_visible(user=user, within=topic.community)
        .filter(pk=form.cleaned_data["voter"])
        .first()
    )
    if voter is None:
        messages.error(request, _("Choose a resident of the topic's community."))
        return _topic_page(request, topic, status=400)
    try:
        services.vote_record(
            actor=user, topic=topic, voter=voter, choice=form.cleaned_data["choice"]
        )
    except ValidationFailed as error:
        messages.error(request, str(error.message))
        return _topic_page(request, topic, status=400)
    except InvalidTransition as error:
        messages.error(request, str(error.message))
        fresh = selectors.topic_get(user=user, pk=topic.pk)
        return _topic_page(request, fresh, status=error.status_code)
    messages.success(request, _("The vote is recorded."))
    return redirect("consultations:topic", pk=topic.pk)
