"""The topic workflow (一征三议两公开), declared on the one workflow core
(``governance.workflow``). The services take every step through ``transition``; pages and the
API ask ``available_actions`` of the same declaration."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from consultations.models import (
    MEETING_TRANSITIONS,
    PROJECT_STEPS,
    PROJECT_TRANSITIONS,
    TOPIC_TRANSITIONS,
    Meeting,
    MeetingAction,
    MeetingEvent,
    Project,
    ProjectAction,
    ProjectEvent,
    ProjectStep,
    Topic,
    TopicAction,
    TopicEvent,
    Vote,
    VoteChoice,
)
from governance.workflow import Workflow
from orgchart import policy
from orgchart.selectors import account_place


def _permitted(user: Any, obj: Any, actions: list[str]) -> set[str]:
    return policy.actions_for(user, obj, actions)


def read_topic(pk: int) -> Topic:
    return Topic.objects.select_related(
        "community", "unit", "petition", "work_order", "decided_at_meeting"
    ).get(pk=pk)


def lock_topic(pk: int) -> Topic:
    Topic.objects.select_for_update().filter(pk=pk).values_list("pk").get()
    return read_topic(pk)


def vote_counts(topic: Topic) -> dict[str, int]:
    """The votes recorded on the topic so far, by choice (one query)."""
    counts = Vote.objects.filter(topic_id=topic.pk).aggregate(
        **{
            choice: Count("pk", filter=Q(choice=choice))
            for choice in (VoteChoice.FOR, VoteChoice.AGAINST, VoteChoice.ABSTAIN)
        }
    )
    return {key: int(value or 0) for key, value in counts.items()}


def carried(counts: dict[str, int]) -> bool:
    """A decision carries with more votes for than half of the votes cast."""
    cast = sum(counts.values())
    return cast > 0 and counts[VoteChoice.FOR] * 2 > cast


def _quorum_met(topic: Topic, counts: Any, now: dt.datetime) -> str | None:
    cast = sum(counts.values())
    if topic.quorum is None or cast < topic.quorum:
        return _(
            "The meeting has no quorum: %(cast)d of the %(quorum)d votes needed are recorded."
        ) % {"cast": cast, "quorum": topic.quorum or 0}
    return None


TOPIC_WORKFLOW: Workflow[Topic] = Workflow(
    name="topic",
    model=Topic,
    event_model=TopicEvent,
    transitions=TOPIC_TRANSITIONS,
    action_labels=TopicAction,
    authorize=policy.require,
    permitted=_permitted,
    events_of=lambda topic: TopicEvent.objects.filter(topic_id=topic.pk),
    event_fields=lambda topic, changes: {"topic": topic},
    lock=lock_topic,
    reload=read_topic,
    guards={TopicAction.DECIDE: _quorum_met},
    facts=vote_counts,
    actor_place=account_place,
    user_actions=tuple(TOPIC_TRANSITIONS),
)


def read_meeting(pk: int) -> Meeting:
    return Meeting.objects.select_related("community").get(pk=pk)


def lock_meeting(pk: int) -> Meeting:
    Meeting.objects.select_for_update().filter(pk=pk).values_list("pk").get()
    return read_meeting(pk)


MEETING_WORKFLOW: Workflow[Meeting] = Workflow(
    name="meeting",
    model=Meeting,
    event_model=MeetingEvent,
    transitions=MEETING_TRANSITIONS,
    action_labels=MeetingAction,
    authorize=policy.require,
    permitted=_permitted,
    events_of=lambda meeting: MeetingEvent.objects.filter(meeting_id=meeting.pk),
    event_fields=lambda meeting, changes: {"meeting": meeting},
    lock=lock_meeting,
    reload=read_meeting,
    actor_place=account_place,
    user_actions=tuple(MEETING_TRANSITIONS),
)


def read_project(pk: int) -> Project:
    return Project.objects.select_related("compound", "community").get(pk=pk)


def lock_project(pk: int) -> Project:
    Project.objects.select_for_update().filter(pk=pk).values_list("pk").get()
    return read_project(pk)


def steps_done(project: Project) -> set[str]:
    return set(ProjectStep.objects.filter(project_id=project.pk).values_list("kind", flat=True))


def _all_steps_done(project: Project, done: Any, now: dt.datetime) -> str | None:
    missing = [kind for kind in PROJECT_STEPS if kind not in done]
    if missing:
        return _("The project is complete once its seven steps are done: %(n)d to go.") % {
            "n": len(missing)
        }
    return None


PROJECT_WORKFLOW: Workflow[Project] = Workflow(
    name="project",
    model=Project,
    event_model=ProjectEvent,
    transitions=PROJECT_TRANSITIONS,
    action_labels=ProjectAction,
    authorize=policy.require,
    permitted=_permitted,
    events_of=lambda project: ProjectEvent.objects.filter(project_id=project.pk),
    event_fields=lambda project, changes: {"project": project},
    lock=lock_project,
    reload=read_project,
    guards={ProjectAction.COMPLETE: _all_steps_done},
    facts=steps_done,
    actor_place=account_place,
    user_actions=(ProjectAction.COMPLETE, ProjectAction.CANCEL),
)
