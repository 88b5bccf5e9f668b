"""Consultation topics (一征三议两公开): solicit (or promote a people's suggestion), propose,
deliberate, record the votes, decide, publish the decision, publish the result; withdraw.

Every write is a keyword-only function that checks the actor through the policy (a ``None``
actor is the system: demo data) in one transaction; every status change goes through the
workflow core (``consultations.workflows.TOPIC_WORKFLOW``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import (
    NOTICE_DAYS_DEFAULT,
    NOTICE_DAYS_MAX,
    Meeting,
    MeetingStatus,
    Topic,
    TopicAction,
    TopicFormat,
    TopicSource,
    TopicStatus,
    Vote,
    VoteChoice,
)
from consultations.workflows import TOPIC_WORKFLOW, carried, lock_topic, vote_counts
from governance.audit import audit_record
from governance.errors import InvalidTransition, ValidationFailed
from governance.models import AuditEvent
from governance.workflow import Outcome, record_creation, transition
from orgchart import policy
from orgchart.models import OrgUnit, Person, PersonRegistration, User
from orgchart.policy import AnyUser
from petitions.models import Channel, Petition

TITLE_MAX = 120
TEXT_MAX = 4000


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("Please correct the errors below."), fields={field: [message]})


def _require(actor: AnyUser | None, action: str, obj: Any) -> None:
    if actor is not None:
        policy.require(actor, action, obj)


def _text(value: str | None, field: str, *, required: bool, limit: int = TEXT_MAX) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise _fail(field, _("This field is required."))
    if len(cleaned) > limit:
        raise _fail(field, _("At most %(limit)d characters.") % {"limit": limit})
    return cleaned


def _step(
    topic: Topic | int,
    action: str,
    *,
    actor: AnyUser | None,
    now: dt.datetime,
    expected_version: int | None,
    changes: dict[str, Any] | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    to_status: str | None = None,
) -> Outcome[Topic]:
    return transition(
        TOPIC_WORKFLOW,
        topic if isinstance(topic, int) else topic.pk,
        action,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes=changes,
        note=note,
        data=data,
        to_status=to_status,
    )


def _concerned_unit(community: OrgUnit, unit: OrgUnit | None) -> OrgUnit:
    """The unit the topic is about: the community, or one of its compounds."""
    if unit is None or unit.pk == community.pk:
        return community
    fresh = OrgUnit.objects.filter(pk=unit.pk).first()
    if fresh is None or fresh.kind != OrgUnit.Kind.COMPOUND or fresh.parent_id != community.pk:
        raise _fail("unit", _("Choose the community or one of its compounds."))
    return fresh


@transaction.atomic
def topic_solicit(
    *,
    actor: AnyUser | None,
    community: OrgUnit,
    title: str,
    format: str,
    description: str = "",
    unit: OrgUnit | None = None,
    petition: Petition | None = None,
    posted_by: User | None = None,
    now: dt.datetime | None = None,
) -> Topic:
    """一征: a worker posts a topic gathered from the residents, or promotes a petition of the
    channel 人民建议 to one (a petition becomes at most one topic) → ``solicited``."""
    now = now or timezone.now()
    _require(actor, "orgunit.solicit_topic", community)
    errors: dict[str, list[str]] = {}
    if community.kind != OrgUnit.Kind.COMMUNITY:
        errors["community"] = [_("A topic is solicited by a community.")]
    if format not in TopicFormat.values:
        errors["format"] = [_("Not a valid choice.")]
    if petition is not None:
        if actor is not None:
            policy.require(actor, "petition.view", petition)
        if petition.channel != Channel.SUGGESTION:
            errors["petition"] = [_("Only a people's suggestion (人民建议) becomes a topic.")]
        elif petition.community_id != community.pk:
            errors["petition"] = [_("The petition belongs to another community.")]
        elif Topic.objects.filter(petition=petition).exists():
            errors["petition"] = [_("This petition is already a topic.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    concerned = _concerned_unit(community, unit)
    poster = actor if isinstance(actor, User) else posted_by
    if poster is None:
        raise _fail("posted_by", _("Someone must post the topic."))
    try:
        with transaction.atomic():
            topic = Topic.objects.create(
                community=community,
                unit=concerned,
                title=_text(title, "title", required=True, limit=TITLE_MAX),
                description=_text(description, "description", required=False),
                format=format,
                source=TopicSource.PETITION if petition is not None else TopicSource.WORKER,
                petition=petition,
                posted_by=poster,
                solicited_at=now,
            )
    except IntegrityError as error:
        raise _fail("petition", _("This petition is already a topic.")) from error
    record_creation(
        TOPIC_WORKFLOW,
        topic,
        TopicAction.SOLICIT,
        actor=poster,
        now=now,
        note=topic.description,
        data={"petition": petition.number} if petition is not None else None,
    )
    audit_record(
        actor=poster,
        action=AuditEvent.Action.CREATE,
        obj=topic,
        changes={"community": community, "title": topic.title, "source": topic.source},
        now=now,
    )
    return topic


@transaction.atomic
def topic_propose(
    *,
    actor: AnyUser | None,
    topic: Topic | int,
    proposal: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Topic:
    """提议: the community's party organisation puts the topic forward with its proposal:
    ``solicited`` → ``proposed``."""
    now = now or timezone.now()
    text = _text(proposal, "proposal", required=True)
    return _step(
        topic,
        TopicAction.PROPOSE,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes={"proposal": text, "proposed_at": now},
        note=text,
    ).obj


def _quorum(electorate: Any, quorum: Any) -> tuple[int, int]:
    errors: dict[str, list[str]] = {}
    if not isinstance(electorate, int) or isinstance(electorate, bool) or electorate < 1:
        errors["electorate"] = [_("At least one member must be called to the meeting.")]
    elif electorate > 100_000:
        errors["electorate"] = [_("At most %(limit)d.") % {"limit": 100_000}]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    least = electorate // 2 + 1
    if quorum is None:
        return electorate, least
    if not isinstance(quorum, int) or isinstance(quorum, bool) or not least <= quorum <= electorate:
        raise _fail(
            "quorum",
            _("The quorum is between more than half (%(least)d) and all (%(most)d) of them.")
            % {"least": least, "most": electorate},
        )
    return electorate, quorum


@transaction.atomic
def topic_deliberate(
    *,
    actor: AnyUser | None,
    topic: Topic | int,
    deliberation: str,
    electorate: int,
    quorum: int | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Topic:
    """商议: the consultation council has deliberated; its conclusion goes to the residents'
    (representatives') meeting, which ``electorate`` members are called to and which decides
    with ``quorum`` votes recorded (more than half of them by default): ``proposed`` →
    ``deliberated``. The votes are recorded from then on."""
    now = now or timezone.now()
    text = _text(deliberation, "deliberation", required=True)
    called, needed = _quorum(electorate, quorum)
    return _step(
        topic,
        TopicAction.DELIBERATE,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes={
            "deliberation": text,
            "deliberated_at": now,
            "electorate": called,
            "quorum": needed,
        },
        note=text,
        data={"electorate": called, "quorum": needed},
    ).obj


def _voter_of_community(actor: AnyUser | None, topic: Topic, voter: Person) -> bool:
    """The voter lives in (is registered at) the topic's community, and the actor sees them."""
    community = topic.community
    registered = PersonRegistration.objects.filter(
        person_id=voter.pk,
        unit__tree_id=community.tree_id,
        unit__lft__gte=community.lft,
        unit__lft__lte=community.rght,
    ).exists()
    if not registered:
        return False
    return actor is None or policy.is_visible(actor, voter)


@transaction.atomic
def vote_record(
    *,
    actor: AnyUser | None,
    topic: Topic | int,
    voter: Person,
    choice: str,
    recorded_by: User | None = None,
    now: dt.datetime | None = None,
) -> Vote:
    """Record one person's vote (for, against, abstain) at the deciding meeting, while the
    topic is ``deliberated``. A person votes once on a topic: a second vote, whatever the
    choice and however many requests arrive at once, is refused (409) by the unique
    constraint. The topic row is locked first, so a vote and the decision never cross."""
    now = now or timezone.now()
    pk = topic if isinstance(topic, int) else topic.pk
    locked = lock_topic(pk)
    _require(actor, "topic.vote", locked)
    if locked.status != TopicStatus.DELIBERATED:
        raise InvalidTransition(
            _("Votes are recorded only while the meeting decides (after 商议, before 决议).")
        )
    if choice not in VoteChoice.values:
        raise _fail("choice", _("Not a valid choice."))
    if not _voter_of_community(actor, locked, voter):
        raise _fail("voter", _("Choose a resident of the topic's community."))
    recorder = actor if isinstance(actor, User) else recorded_by
    if recorder is None:
        raise _fail("recorded_by", _("Someone must record the vote."))
    try:
        with transaction.atomic():
            vote = Vote.objects.create(
                topic=locked, voter=voter, choice=choice, recorded_by=recorder, recorded_at=now
            )
    except IntegrityError as error:
        raise InvalidTransition(_("This person has already voted on the topic.")) from error
    return vote


@transaction.atomic
def topic_decide(
    *,
    actor: AnyUser | None,
    topic: Topic | int,
    decision: str,
    meeting: Meeting | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Topic:
    """决议: the meeting decides with the votes recorded, once they reach the quorum (else
    409). More votes for than half of those cast carry it (``decided``); otherwise it is
    ``not_adopted``. The counts are kept on the topic, and the meeting that decided it (one
    of the community's, not cancelled, with the topic on its agenda) when it is named."""
    now = now or timezone.now()
    text = _text(decision, "decision", required=True)
    pk = topic if isinstance(topic, int) else topic.pk
    locked = lock_topic(pk)
    if meeting is not None and (
        meeting.community_id != locked.community_id
        or meeting.status == MeetingStatus.CANCELLED
        or not meeting.topics.filter(pk=pk).exists()
    ):
        raise _fail("meeting", _("Choose a meeting of the community with the topic on its agenda."))
    counts = vote_counts(locked)
    outcome = TopicStatus.DECIDED if carried(counts) else TopicStatus.NOT_ADOPTED
    return transition(
        TOPIC_WORKFLOW,
        pk,
        TopicAction.DECIDE,
        actor=actor,
        now=now,
        expected_version=expected_version,
        locked=locked,
        to_status=outcome,
        changes={
            "decision": text,
            "decided_at": now,
            "decided_at_meeting": meeting,
            "votes_for": counts[VoteChoice.FOR],
            "votes_against": counts[VoteChoice.AGAINST],
            "votes_abstain": counts[VoteChoice.ABSTAIN],
        },
        note=text,
        data=dict(counts),
    ).obj


@transaction.atomic
def topic_publish(
    *,
    actor: AnyUser | None,
    topic: Topic | int,
    notice_days: int = NOTICE_DAYS_DEFAULT,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Topic:
    """决议公开: the decision goes on public notice for ``notice_days`` days (1–30):
    ``decided`` → ``published``."""
    now = now or timezone.now()
    if (
        not isinstance(notice_days, int)
        or isinstance(notice_days, bool)
        or not 1 <= notice_days <= NOTICE_DAYS_MAX
    ):
        raise _fail(
            "notice_days",
            _("Between 1 and %(most)d days.") % {"most": NOTICE_DAYS_MAX},
        )
    return _step(
        topic,
        TopicAction.PUBLISH,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes={
            "notice_days": notice_days,
            "published_at": now,
            "notice_until": now + dt.timedelta(days=notice_days),
        },
        note=_text(note, "note", required=False),
        data={"notice_days": notice_days},
    ).obj


@transaction.atomic
def topic_publish_result(
    *,
    actor: AnyUser | None,
    topic: Topic | int,
    result: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Topic:
    """结果公开: how the decision was carried out is published: ``published`` →
    ``concluded``."""
    now = now or timezone.now()
    text = _text(result, "result", required=True)
    return _step(
        topic,
        TopicAction.PUBLISH_RESULT,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes={"result": text, "result_published_at": now},
        note=text,
    ).obj


@transaction.atomic
def topic_withdraw(
    *,
    actor: AnyUser | None,
    topic: Topic | int,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Topic:
    """The community takes a topic off before the meeting decides (the reason is kept):
    ``solicited`` / ``proposed`` / ``deliberated`` → ``withdrawn``."""
    now = now or timezone.now()
    text = _text(reason, "reason", required=True)
    return _step(
        topic,
        TopicAction.WITHDRAW,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes={"withdrawn_reason": text},
        note=text,
    ).obj
