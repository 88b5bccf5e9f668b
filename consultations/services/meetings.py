"""Meetings (议事会议): schedule with an agenda of topics, invite residents and organisations,
sign them in, hold (record the minutes) or cancel; and a decision carried out as a 五单法 work
order, whose verification publishes the topic's result (结果公开)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import (
    OPEN_STATUSES,
    Invitee,
    InviteeKind,
    Meeting,
    MeetingAction,
    MeetingStatus,
    NoticeBoard,
    Topic,
    TopicAction,
    TopicFormat,
    TopicStatus,
)
from consultations.services.topics import _fail, _require, _text
from consultations.workflows import MEETING_WORKFLOW, TOPIC_WORKFLOW, lock_meeting, lock_topic
from governance.audit import audit_record
from governance.errors import InvalidTransition, ValidationFailed
from governance.models import AuditEvent
from governance.workflow import Transitioned, record_creation, transition
from orgchart import policy
from orgchart.models import OrgUnit, Person, PersonRegistration, User
from orgchart.policy import AnyUser
from volunteers import services as volunteer_services
from volunteers.models import WorkOrder, WorkOrderAction

# A meeting is signed in from an hour before it starts.
SIGN_IN_OPENS = dt.timedelta(hours=1)


def _agenda(community: OrgUnit, topics: Sequence[Topic]) -> list[Topic]:
    """The topics a meeting takes up: open topics of its community."""
    ids = [topic.pk for topic in topics]
    found = list(Topic.objects.filter(pk__in=ids, community=community, status__in=OPEN_STATUSES))
    if len(found) != len(set(ids)):
        raise _fail("topics", _("Choose open topics of the meeting's community."))
    return found


@transaction.atomic
def meeting_schedule(
    *,
    actor: AnyUser | None,
    community: OrgUnit,
    title: str,
    format: str,
    starts_at: dt.datetime,
    place: str = "",
    agenda: str = "",
    topics: Sequence[Topic] = (),
    created_by: User | None = None,
    now: dt.datetime | None = None,
) -> Meeting:
    """Schedule a meeting of the community with its agenda → ``scheduled``."""
    now = now or timezone.now()
    _require(actor, "orgunit.schedule_meeting", community)
    if community.kind != OrgUnit.Kind.COMMUNITY:
        raise _fail("community", _("A meeting is held by a community."))
    if format not in TopicFormat.values:
        raise _fail("format", _("Not a valid choice."))
    creator = actor if isinstance(actor, User) else created_by
    if creator is None:
        raise _fail("created_by", _("Someone must schedule the meeting."))
    on_agenda = _agenda(community, topics)
    meeting = Meeting.objects.create(
        community=community,
        title=_text(title, "title", required=True, limit=120),
        format=format,
        place=_text(place, "place", required=False, limit=200),
        starts_at=starts_at,
        agenda=_text(agenda, "agenda", required=False),
        created_by=creator,
        created_at=now,
    )
    meeting.topics.set(on_agenda)
    record_creation(
        MEETING_WORKFLOW,
        meeting,
        MeetingAction.SCHEDULE,
        actor=creator,
        now=now,
        data={"topics": [topic.pk for topic in on_agenda]},
    )
    audit_record(
        actor=creator,
        action=AuditEvent.Action.CREATE,
        obj=meeting,
        changes={"community": community, "title": meeting.title},
        now=now,
    )
    return meeting


def _open_meeting(actor: AnyUser | None, meeting: Meeting | int, rule: str) -> Meeting:
    locked = lock_meeting(meeting if isinstance(meeting, int) else meeting.pk)
    _require(actor, rule, locked)
    if locked.status != MeetingStatus.SCHEDULED:
        raise InvalidTransition(_("The meeting has been held or cancelled."))
    return locked


@transaction.atomic
def meeting_invite(
    *,
    actor: AnyUser | None,
    meeting: Meeting | int,
    kind: str,
    person: Person | None = None,
    name: str = "",
) -> Invitee:
    """Invite a resident of the community (a person) or an organisation (by name) to a
    scheduled meeting. A person is invited once."""
    locked = _open_meeting(actor, meeting, "meeting.change")
    if kind not in InviteeKind.values:
        raise _fail("kind", _("Not a valid choice."))
    label = _text(name, "name", required=person is None, limit=120)
    if person is not None:
        community = locked.community
        registered = PersonRegistration.objects.filter(
            person_id=person.pk,
            unit__tree_id=community.tree_id,
            unit__lft__gte=community.lft,
            unit__lft__lte=community.rght,
        ).exists()
        if not registered or (actor is not None and not policy.is_visible(actor, person)):
            raise _fail("person", _("Choose a resident of the meeting's community."))
    try:
        with transaction.atomic():
            return Invitee.objects.create(meeting=locked, kind=kind, person=person, name=label)
    except IntegrityError as error:
        raise _fail("person", _("This person is already invited.")) from error


@transaction.atomic
def meeting_sign_in(
    *,
    actor: AnyUser | None,
    invitee: Invitee | int,
    now: dt.datetime | None = None,
) -> Invitee:
    """签到: an invitee arrives (from an hour before the start until the minutes are
    recorded). Signing in twice keeps the first time."""
    now = now or timezone.now()
    pk = invitee if isinstance(invitee, int) else invitee.pk
    row = Invitee.objects.select_related("meeting").get(pk=pk)
    locked = _open_meeting(actor, row.meeting_id, "meeting.change")
    if now < locked.starts_at - SIGN_IN_OPENS:
        raise InvalidTransition(_("Sign-in opens an hour before the meeting starts."))
    Invitee.objects.filter(pk=pk, signed_in_at__isnull=True).update(signed_in_at=now)
    return Invitee.objects.get(pk=pk)


@transaction.atomic
def meeting_hold(
    *,
    actor: AnyUser | None,
    meeting: Meeting | int,
    minutes: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Meeting:
    """The meeting took place: its minutes are recorded → ``held``."""
    now = now or timezone.now()
    text = _text(minutes, "minutes", required=True)
    pk = meeting if isinstance(meeting, int) else meeting.pk
    return transition(
        MEETING_WORKFLOW,
        pk,
        MeetingAction.HOLD,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes={"minutes": text, "held_at": now},
        note=text,
    ).obj


@transaction.atomic
def meeting_cancel(
    *,
    actor: AnyUser | None,
    meeting: Meeting | int,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Meeting:
    """Call a scheduled meeting off (the reason is kept) → ``cancelled``."""
    now = now or timezone.now()
    text = _text(reason, "reason", required=True)
    pk = meeting if isinstance(meeting, int) else meeting.pk
    return transition(
        MEETING_WORKFLOW,
        pk,
        MeetingAction.CANCEL,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes={"cancel_reason": text},
        note=text,
    ).obj


# --- A decision carried out as a work order (五单法) -------------------------------------------


@transaction.atomic
def topic_order_work(
    *,
    actor: AnyUser | None,
    topic: Topic | int,
    title: str = "",
    content: str = "",
    funds: Any = 0,
    funds_source: str = "",
    due_at: dt.datetime | None = None,
    ordered_by: User | None = None,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """点单 from a decision: the community orders the work the meeting decided (a topic
    ``decided`` or ``published``, once) as a 五单法 work order; its verification (验单)
    publishes the topic's result."""
    now = now or timezone.now()
    locked = lock_topic(topic if isinstance(topic, int) else topic.pk)
    _require(actor, "topic.order_work", locked)
    if locked.status not in (TopicStatus.DECIDED, TopicStatus.PUBLISHED):
        raise InvalidTransition(_("Only a decision that carried is ordered as work."))
    if locked.work_order_id is not None:
        raise InvalidTransition(_("This decision is already a work order."))
    order = volunteer_services.work_order_create(
        actor=actor,
        community=locked.community,
        title=title or locked.title,
        content=content or locked.decision,
        source=WorkOrder.Source.COMMUNITY,
        funds=funds,
        funds_source=funds_source,
        due_at=due_at,
        ordered_by=ordered_by,
        now=now,
    )
    Topic.objects.filter(pk=locked.pk).update(work_order=order)
    return order


def result_from_work_order(record: Transitioned) -> None:
    """A transition hook: when a topic's work order is verified (验单), the topic's result is
    published with the completion note (结果公开), if its decision is published and its result
    is not. Other steps of any workflow cost nothing here."""
    if record.workflow.name != "workorder" or record.action != WorkOrderAction.VERIFY:
        return
    topic = Topic.objects.filter(work_order_id=record.obj_id, status=TopicStatus.PUBLISHED).first()
    if topic is None:
        return
    order = record.after
    note = getattr(order, "completion_note", "") or ""
    number = getattr(order, "number", "")
    result = _("Carried out as work order %(number)s and verified (验单). %(note)s") % {
        "number": number,
        "note": note,
    }
    transition(
        TOPIC_WORKFLOW,
        topic.pk,
        TopicAction.PUBLISH_RESULT,
        actor=None,
        now=record.at,
        rerunnable=False,
        changes={"result": result.strip(), "result_published_at": record.at},
        note=result.strip(),
        data={"work_order": number},
    )


__all__ = [
    "ValidationFailed",
    "meeting_cancel",
    "meeting_hold",
    "meeting_invite",
    "meeting_schedule",
    "meeting_sign_in",
    "notice_board_set",
    "result_from_work_order",
    "topic_order_work",
]


@transaction.atomic
def notice_board_set(
    *,
    actor: AnyUser | None,
    community: OrgUnit,
    is_public: bool,
    changed_by: User | None = None,
    now: dt.datetime | None = None,
) -> NoticeBoard:
    """Publish the community's notice board (公示栏) for reading without login, or take it
    down. Audited; setting it to what it is changes nothing."""
    now = now or timezone.now()
    _require(actor, "orgunit.publish_notices", community)
    if community.kind != OrgUnit.Kind.COMMUNITY:
        raise _fail("community", _("A notice board is a community's."))
    changer = actor if isinstance(actor, User) else changed_by
    if changer is None:
        raise _fail("changed_by", _("Someone must publish the notice board."))
    board = NoticeBoard.objects.select_for_update().filter(community=community).first()
    if board is not None and board.is_public == is_public:
        return board
    if board is None:
        board = NoticeBoard.objects.create(
            community=community, is_public=is_public, changed_by=changer, changed_at=now
        )
    else:
        board.is_public, board.changed_by, board.changed_at = is_public, changer, now
        board.save(update_fields=["is_public", "changed_by", "changed_at"])
    audit_record(
        actor=changer,
        action=AuditEvent.Action.UPDATE,
        obj=board,
        changes={"community": community, "is_public": is_public},
        now=now,
    )
    return board
