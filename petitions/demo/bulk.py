"""The rows the services write for a demo petition whose deadlines all hold, built in memory
and inserted in batches: the petition, its dispatches, every event (in the services' order,
with their statuses, notes and details), the intake's audit row and the notifications (read by
now). Used for the older petitions of the demo, which no deadline escalated, so the sweep has
nothing to do with them (see ``petitions.demo.seed``).

Each step mirrors one service: ``petition_create`` (numbered by the caller, in the order of
logging), ``petition_accept``, ``petition_reject``, ``petition_start``, ``petition_dispatch``,
``dispatch_report`` (and the automatic move once the lead reported), ``dispatch_return``,
``dispatch_complete``, ``petition_reply``, ``petition_evaluate``, ``petition_close`` (by
staff, or by the sweep after the policy's days), ``petition_reopen``, ``petition_supervise``,
``petition_request_extension``, ``petition_decide_extension``, ``dispatch_rate``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import F
from django.utils.translation import gettext as _

from governance import pii
from governance.audit import audit_changes
from governance.identity import parse_phone
from governance.models import AuditEvent
from notifications.models import Notification
from orgchart.models import Department, OrgUnit, User
from petitions import services
from petitions.demo.plan import PetitionPlan
from petitions.models import (
    SATISFIED_LEVELS,
    Action,
    DeadlinePolicy,
    Dispatch,
    DispatchRole,
    DispatchStatus,
    ExtensionState,
    Petition,
    PetitionEvent,
    Status,
)
from petitions.notifications import petition_kind, petition_link, petition_link_text
from petitions.services.core import REPEAT_WINDOW_DAYS

Role = User.Role
BATCH = 1000


@dataclass
class _Case:
    """One petition being built: its row, its dispatches by department key."""

    index: int
    plan: PetitionPlan
    petition: Petition
    staff: User
    above: User | None
    link: str
    dispatches: dict[str, int] = field(default_factory=dict)  # key → index in writer.dispatches


class BulkWriter:
    def __init__(
        self,
        *,
        staff: dict[int, User],
        departments: dict[str, Department],
        units: dict[int, OrgUnit],
    ) -> None:
        self.staff = staff
        self.departments = departments
        self.units = units
        self.petitions: list[Petition] = []
        self.dispatches: list[tuple[int, Dispatch]] = []  # (petition index, dispatch)
        # (petition index, dispatch index or None, event)
        self.events: list[tuple[int, int | None, PetitionEvent]] = []
        self.notifications: list[tuple[int, Notification]] = []
        self.repeats: dict[int, list[tuple[int, PetitionPlan]]] = defaultdict(list)
        self.repeat_of: list[tuple[int, int]] = []  # (petition index, index of the earlier one)
        self.policies: dict[tuple[str, str, str], DeadlinePolicy] = {}
        # Who notify_petition() reaches (notifications.recipients.unit_staff,
        # department_handlers).
        self.unit_staff: dict[int, list[int]] = defaultdict(list)
        self.handlers: dict[int, list[int]] = defaultdict(list)
        for user in User.objects.filter(is_active=True).order_by("pk"):
            if user.role in (Role.COMMUNITY_WORKER, Role.OFFICIAL) and user.anchor_unit_id:
                self.unit_staff[user.anchor_unit_id].append(user.pk)
            elif user.role == Role.DEPARTMENT_HANDLER and user.anchor_department_id:
                self.handlers[user.anchor_department_id].append(user.pk)

    def policy(self, plan: PetitionPlan) -> DeadlinePolicy:
        key = (plan.track, plan.category, plan.urgency)
        if key not in self.policies:
            self.policies[key] = services.deadline_policy_for(
                track=plan.track, category=plan.category, urgency=plan.urgency
            )
        return self.policies[key]

    # Rows -----------------------------------------------------------------------------------

    def event(
        self,
        case: _Case,
        action: str,
        at: dt.datetime,
        *,
        actor: int | None,
        from_status: str,
        to_status: str,
        dispatch: int | None = None,
        note: str = "",
        data: dict[str, Any] | None = None,
    ) -> None:
        self.events.append(
            (
                case.index,
                dispatch,
                PetitionEvent(
                    action=action,
                    actor_id=actor,
                    at=at,
                    from_status=from_status,
                    to_status=to_status,
                    unit_id=case.petition.handling_unit_id,
                    note=note,
                    data=data or {},
                ),
            )
        )

    def move(
        self,
        case: _Case,
        action: str,
        at: dt.datetime,
        to_status: str | None = None,
        *,
        actor: int | None,
        note: str = "",
        data: dict[str, Any] | None = None,
        **changes: Any,
    ) -> None:
        """``governance.workflow.transition`` in memory: the status (or none), the version,
        the event."""
        petition = case.petition
        new_status = to_status or petition.status
        self.event(
            case,
            action,
            at,
            actor=actor,
            from_status=petition.status,
            to_status=new_status,
            note=note,
            data=data,
        )
        petition.status = new_status
        petition.version += 1
        for name, value in changes.items():
            setattr(petition, name, value)

    def notify(
        self,
        case: _Case,
        recipients: list[int],
        kind: str,
        title: str,
        body: str,
        at: dt.datetime,
        exclude: int | None = None,
    ) -> None:
        for recipient in recipients:
            if recipient == exclude:
                continue
            self.notifications.append(
                (
                    case.index,
                    Notification(
                        recipient_id=recipient,
                        kind=petition_kind(kind),
                        title=title[:200],
                        body=body,
                        created_at=at,
                        read_at=at + dt.timedelta(hours=2),
                    ),
                )
            )

    # One petition ---------------------------------------------------------------------------

    def add(self, plan: PetitionPlan, number: str) -> None:
        community = plan.community
        policy = self.policy(plan)
        petition = Petition(
            number=number,
            track=plan.track,
            channel=plan.channel,
            category=plan.category,
            urgency=plan.urgency,
            title=plan.title,
            description=plan.description,
            community_id=community,
            location_id=plan.location,
            grid_id=plan.grid,
            source_visit_id=plan.source_visit,
            address=plan.address[:200],
            petitioner_id=plan.petitioner,
            is_anonymous=plan.is_anonymous,
            status=Status.SUBMITTED,
            handling_unit_id=community,
            policy=policy,
            accept_due_at=None,
            clock_started_at=plan.created_at,
            complexity=",".join(sorted(set(plan.complexity))),
            created_by_id=plan.creator,
            created_at=plan.created_at,
            version=1,
        )
        if plan.contact_phone:
            phone = parse_phone(plan.contact_phone)  # sealed as intake seals it
            petition.contact_phone_encrypted = pii.encrypt(phone.number)
            petition.contact_phone_hash = pii.blind_index(phone.number, purpose="phone")
            petition.contact_phone_head = phone.number[:3]
            petition.contact_phone_tail = phone.number[-4:]
        parent = self.units[community].parent_id
        case = _Case(
            index=len(self.petitions),
            plan=plan,
            petition=petition,
            staff=self.staff[community],
            above=self.staff.get(parent) if parent else None,
            link=petition_link_text(petition),
        )
        self.petitions.append(petition)
        earlier = self.earlier_petition(case)
        if earlier is not None:
            petition.is_repeat = True
            self.repeat_of.append((case.index, earlier))
        self.event(
            case,
            Action.CREATE,
            plan.created_at,
            actor=plan.creator,
            from_status="",
            to_status=Status.SUBMITTED,
            data={
                "channel": plan.channel,
                "repeat_of": self.petitions[earlier].number if earlier is not None else None,
                "source_visit": plan.source_visit,
            },
        )
        self.notify(
            case,
            self.unit_staff[community],
            Action.CREATE,
            _("New petition: %(title)s") % {"title": case.link},
            "",
            plan.created_at,
            exclude=plan.creator,
        )
        for step in plan.steps[1:]:
            handler = getattr(self, f"step_{step.kind}", None)
            if handler is None:
                raise ValueError(f"no bulk form for the step {step.kind!r}")
            handler(case, step.at, **step.params)
        if petition.status not in (Status.CLOSED, Status.REJECTED):
            raise ValueError(f"bulk petition {number} ends {petition.status}")

    def earlier_petition(self, case: _Case) -> int | None:
        """``_find_repeat``: the same petitioner's latest petition of the category within
        the window, not rejected (the demo's petitioners petition only in their group)."""
        plan = case.plan
        if plan.repeat_group is None:
            return None
        group = self.repeats[plan.repeat_group]
        since = plan.created_at - dt.timedelta(days=REPEAT_WINDOW_DAYS)
        found = None
        for index, member in group:
            if (
                member.category == plan.category
                and member.created_at >= since
                and self.petitions[index].status != Status.REJECTED
            ):
                found = index
        group.append((case.index, plan))
        return found

    # Steps (one per service) ----------------------------------------------------------------

    def step_accept(self, case: _Case, at: dt.datetime) -> None:
        self.move(
            case,
            Action.ACCEPT,
            at,
            Status.ACCEPTED,
            actor=case.staff.pk,
            accepted_at=at,
            clock_started_at=at,
        )

    def step_reject(self, case: _Case, at: dt.datetime, reason: str) -> None:
        self.move(
            case,
            Action.REJECT,
            at,
            Status.REJECTED,
            actor=case.staff.pk,
            note=reason,
            reject_reason=reason,
            closed_at=at,
        )

    def step_start(self, case: _Case, at: dt.datetime) -> None:
        self.move(case, Action.START, at, Status.IN_PROGRESS, actor=case.staff.pk)

    def step_dispatch(
        self, case: _Case, at: dt.datetime, lead: str, assists: list[str], instructions: str
    ) -> None:
        wanted = [(self.departments[lead], DispatchRole.LEAD)] + [
            (self.departments[key], DispatchRole.ASSIST) for key in assists
        ]
        self.move(
            case,
            Action.DISPATCH,
            at,
            Status.DISPATCHED,
            actor=case.staff.pk,
            note=instructions,
            data={
                "departments": [
                    {"department": department.pk, "role": str(role)} for department, role in wanted
                ]
            },
        )
        for key, (department, role) in zip([lead, *assists], wanted, strict=True):
            case.dispatches[key] = len(self.dispatches)
            self.dispatches.append(
                (
                    case.index,
                    Dispatch(
                        department=department,
                        role=role,
                        status=DispatchStatus.PENDING,
                        instructions=instructions,
                        dispatched_by_id=case.staff.pk,
                        dispatched_at=at,
                        version=1,
                    ),
                )
            )
        for department, _role in wanted:
            self.notify(
                case,
                self.handlers[department.pk],
                Action.DISPATCH,
                _("Whistle: %(petition)s") % {"petition": case.link},
                instructions,
                at,
            )

    def dispatch_step(
        self,
        case: _Case,
        at: dt.datetime,
        key: str,
        action: str,
        to_status: str,
        note: str = "",
        data: dict[str, Any] | None = None,
    ) -> Dispatch:
        """A dispatch step in memory: the dispatch's status and version, its event, the
        petition's version."""
        position = case.dispatches[key]
        dispatch = self.dispatches[position][1]
        actor = case.staff.pk if action == Action.RATE else self.handlers[dispatch.department.pk][0]
        self.event(
            case,
            action,
            at,
            actor=actor,
            from_status=dispatch.status,
            to_status=to_status,
            dispatch=position,
            note=note,
            data={"department": dispatch.department.pk, "role": dispatch.role, **(data or {})},
        )
        dispatch.status = to_status
        dispatch.version += 1
        case.petition.version += 1
        if action == Action.REPORT:
            dispatch.reported_at = at
            dispatch.reported_by_id = actor
        return dispatch

    def step_report(self, case: _Case, at: dt.datetime, department: str) -> None:
        dispatch = self.dispatch_step(case, at, department, Action.REPORT, DispatchStatus.REPORTED)
        pending_lead = any(
            self.dispatches[position][1].role == DispatchRole.LEAD
            and self.dispatches[position][1].status == DispatchStatus.PENDING
            for position in case.dispatches.values()
        )
        if (
            dispatch.role == DispatchRole.LEAD
            and case.petition.status == Status.DISPATCHED
            and not pending_lead
        ):
            self.move(case, Action.ALL_REPORTED, at, Status.IN_PROGRESS, actor=None)
        self.notify(
            case,
            self.unit_staff[case.petition.handling_unit_id],
            Action.REPORT,
            _("%(department)s reported: %(petition)s")
            % {"department": dispatch.department.name, "petition": case.link},
            "",
            at,
        )

    def step_return(self, case: _Case, at: dt.datetime, department: str, reason: str) -> None:
        dispatch = self.dispatch_step(
            case, at, department, Action.RETURN, DispatchStatus.RETURNED, note=reason
        )
        dispatch.returned_at, dispatch.return_reason = at, reason
        self.notify(
            case,
            self.unit_staff[case.petition.handling_unit_id],
            Action.RETURN,
            _("%(department)s returned: %(petition)s")
            % {"department": dispatch.department.name, "petition": case.link},
            reason,
            at,
        )

    def step_complete(self, case: _Case, at: dt.datetime, department: str, note: str) -> None:
        dispatch = self.dispatch_step(
            case, at, department, Action.COMPLETE, DispatchStatus.COMPLETED, note=note
        )
        dispatch.completed_at, dispatch.completion_note = at, note
        self.notify(
            case,
            self.unit_staff[case.petition.handling_unit_id],
            Action.COMPLETE,
            _("%(department)s completed: %(petition)s")
            % {"department": dispatch.department.name, "petition": case.link},
            note,
            at,
        )

    def step_reply(self, case: _Case, at: dt.datetime, reply: str = "") -> None:
        reply = reply or case.plan.reply
        self.move(
            case,
            Action.REPLY,
            at,
            Status.REPLIED,
            actor=case.staff.pk,
            note=reply,
            reply=reply,
            replied_at=at,
        )

    def step_evaluate(self, case: _Case, at: dt.datetime, satisfaction: str, note: str) -> None:
        petition = case.petition
        if satisfaction in SATISFIED_LEVELS:
            changes: dict[str, Any] = {"closed_at": at}
            to_status = Status.CLOSED
        else:
            changes = {"unsatisfied_count": petition.unsatisfied_count + 1, "clock_started_at": at}
            to_status = Status.ACCEPTED
        self.move(
            case,
            Action.EVALUATE,
            at,
            to_status,
            actor=case.staff.pk,
            note=note,
            data={"satisfaction": satisfaction},
            satisfaction=satisfaction,
            **changes,
        )

    def step_close(self, case: _Case, at: dt.datetime, reason: str) -> None:
        self.move(
            case, Action.CLOSE, at, Status.CLOSED, actor=case.staff.pk, note=reason, closed_at=at
        )

    def step_sweep_close(self, case: _Case, at: dt.datetime) -> None:
        self.move(case, Action.CLOSE, at, Status.CLOSED, actor=None, closed_at=at)

    def step_reopen(self, case: _Case, at: dt.datetime, reason: str) -> None:
        self.move(
            case,
            Action.REOPEN,
            at,
            Status.ACCEPTED,
            actor=case.staff.pk,
            note=reason,
            reopen_count=case.petition.reopen_count + 1,
            closed_at=None,
            satisfaction="",
            clock_started_at=at,
        )

    def step_supervise(self, case: _Case, at: dt.datetime, note: str) -> None:
        if case.above is None:
            raise ValueError("no official above the community")
        self.move(case, Action.SUPERVISE, at, actor=case.above.pk, note=note, is_supervised=True)
        self.notify(
            case,
            self.unit_staff[case.petition.handling_unit_id],
            Action.SUPERVISE,
            _("Supervised: %(petition)s") % {"petition": case.link},
            note,
            at,
        )

    def step_request_extension(
        self, case: _Case, at: dt.datetime, amount: int, reason: str
    ) -> None:
        self.move(
            case,
            Action.REQUEST_EXTENSION,
            at,
            actor=case.staff.pk,
            note=reason,
            data={"amount": amount, "unit": case.petition.policy.extension_unit},
            extension_state=ExtensionState.REQUESTED,
            extension_amount=amount,
            extension_reason=reason,
        )

    def step_decide_extension(self, case: _Case, at: dt.datetime, approve: bool, note: str) -> None:
        if case.above is None:
            raise ValueError("no official above the community")
        self.move(
            case,
            Action.DECIDE_EXTENSION,
            at,
            actor=case.above.pk,
            note=note,
            data={"approved": approve},
            extension_state=ExtensionState.APPROVED if approve else ExtensionState.REFUSED,
        )
        title = (
            _("Extension approved: %(petition)s")
            if approve
            else _("Extension refused: %(petition)s")
        )
        self.notify(
            case,
            self.unit_staff[case.petition.handling_unit_id],
            Action.DECIDE_EXTENSION,
            title % {"petition": case.link},
            note,
            at,
            exclude=case.above.pk,
        )

    def step_rate(self, case: _Case, at: dt.datetime, ratings: list[int]) -> None:
        rateable = [
            key
            for key, position in sorted(case.dispatches.items(), key=lambda item: item[1])
            if self.dispatches[position][1].status
            in (DispatchStatus.COMPLETED, DispatchStatus.RETURNED)
            and self.dispatches[position][1].rating is None
        ]
        for number, key in enumerate(rateable):
            rating = ratings[number % len(ratings)]
            dispatch = self.dispatch_step(
                case,
                at,
                key,
                Action.RATE,
                self.dispatches[case.dispatches[key]][1].status,
                data={"rating": rating},
            )
            dispatch.rating, dispatch.rated_at = rating, at

    # Insert ---------------------------------------------------------------------------------

    def write(self) -> None:
        Petition.objects.bulk_create(self.petitions, batch_size=BATCH)
        # ``updated_at`` is auto_now, so the insert set the wall clock: a case last changed
        # when it closed (its departments are rated in that same moment).
        Petition.objects.filter(pk__in=[petition.pk for petition in self.petitions]).update(
            updated_at=F("closed_at")
        )
        for index, earlier in self.repeat_of:
            Petition.objects.filter(pk=self.petitions[index].pk).update(
                repeat_of=self.petitions[earlier]
            )
        for index, dispatch in self.dispatches:
            dispatch.petition = self.petitions[index]
        Dispatch.objects.bulk_create(
            [dispatch for _index, dispatch in self.dispatches], batch_size=BATCH
        )
        events = []
        for index, position, event in self.events:
            event.petition = self.petitions[index]
            if position is not None:
                event.dispatch = self.dispatches[position][1]
            events.append(event)
        PetitionEvent.objects.bulk_create(events, batch_size=BATCH)
        petition_type = ContentType.objects.get_for_model(Petition)
        for index, notification in self.notifications:
            petition = self.petitions[index]
            notification.subject_type = petition_type
            notification.subject_id = petition.pk
            notification.link = petition_link(petition)
        Notification.objects.bulk_create(
            [notification for _index, notification in self.notifications], batch_size=BATCH
        )
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    at=petition.created_at,
                    actor_id=petition.created_by_id,
                    action=AuditEvent.Action.CREATE,
                    object_type=petition._meta.label,
                    object_id=str(petition.pk),
                    object_repr=str(petition)[:200],
                    changes=audit_changes(
                        {
                            "number": petition.number,
                            "community": petition.community_id,
                            "category": petition.category,
                        }
                    ),
                )
                for petition in self.petitions
            ],
            batch_size=BATCH,
        )
