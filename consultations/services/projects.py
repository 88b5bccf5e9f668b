"""Micro-governance (微治理): a compound's projects run by the seven steps (each with its
evidence, in order), their funds and sources (四公开), completion once the seven are done; and
the compound's 五有 status, kept by the community, whose marks the steps that earn them set."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import (
    EARNED_BY_STEP,
    FIVE_HAVES,
    PROJECT_STEPS,
    FiveHaves,
    FundSource,
    Project,
    ProjectAction,
    ProjectFund,
    ProjectStatus,
    ProjectStep,
    ProjectStepKind,
)
from consultations.services.topics import _fail, _require, _text
from consultations.workflows import PROJECT_WORKFLOW, lock_project, steps_done
from governance.audit import audit_record
from governance.errors import InvalidTransition
from governance.models import AuditEvent
from governance.workflow import record_creation, transition
from orgchart.models import OrgUnit, User
from orgchart.policy import AnyUser


def _user(actor: AnyUser | None, fallback: User | None, field: str) -> User:
    user = actor if isinstance(actor, User) else fallback
    if user is None:
        raise _fail(field, _("Someone must do it."))
    return user


@transaction.atomic
def project_start(
    *,
    actor: AnyUser | None,
    compound: OrgUnit,
    title: str,
    description: str = "",
    started_by: User | None = None,
    now: dt.datetime | None = None,
) -> Project:
    """Start a compound's micro-governance project → ``in_progress`` (its first step is the
    door-to-door survey)."""
    now = now or timezone.now()
    _require(actor, "orgunit.run_project", compound)
    if compound.kind != OrgUnit.Kind.COMPOUND or compound.parent_id is None:
        raise _fail("compound", _("A micro-governance project is a compound's."))
    starter = _user(actor, started_by, "started_by")
    project = Project.objects.create(
        compound=compound,
        community_id=compound.parent_id,
        title=_text(title, "title", required=True, limit=120),
        description=_text(description, "description", required=False),
        started_by=starter,
        started_at=now,
    )
    record_creation(PROJECT_WORKFLOW, project, ProjectAction.START, actor=starter, now=now)
    audit_record(
        actor=starter,
        action=AuditEvent.Action.CREATE,
        obj=project,
        changes={"compound": compound, "title": project.title},
        now=now,
    )
    return project


def _mark(compound: OrgUnit, name: str, by: User, now: dt.datetime) -> None:
    """Set one 五有 mark of the compound (creating its status row if it has none)."""
    status, created = FiveHaves.objects.get_or_create(
        compound=compound, defaults={name: True, "changed_by": by, "changed_at": now}
    )
    if not created and not getattr(status, name):
        FiveHaves.objects.filter(pk=status.pk).update(
            **{name: True, "changed_by": by, "changed_at": now}
        )


@transaction.atomic
def project_step(
    *,
    actor: AnyUser | None,
    project: Project | int,
    kind: str,
    evidence: str,
    done_by: User | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> ProjectStep:
    """Record one of the seven steps with its evidence, in their order (a step before the one
    due, or one done already, is a 409). Setting up the self-management group, the residents'
    action and the convention earn the compound the 五有 marks of the same names."""
    now = now or timezone.now()
    if kind not in ProjectStepKind.values:
        raise _fail("kind", _("Not a valid choice."))
    text = _text(evidence, "evidence", required=True)
    locked = lock_project(project if isinstance(project, int) else project.pk)
    _require(actor, "project.step", locked)
    done = steps_done(locked)
    due = next((step for step in PROJECT_STEPS if step not in done), None)
    if kind in done:
        raise InvalidTransition(_("This step is done already."))
    if locked.status == ProjectStatus.IN_PROGRESS and kind != due:
        raise InvalidTransition(
            _("The steps go in order: “%(due)s” comes first.")
            % {"due": ProjectStepKind(due).label if due else ""}
        )
    by = _user(actor, done_by, "done_by")
    transition(
        PROJECT_WORKFLOW,
        locked.pk,
        ProjectAction.STEP,
        actor=actor,
        now=now,
        expected_version=expected_version,
        locked=locked,
        note=text,
        data={"step": kind},
        rerunnable=False,
    )
    try:
        with transaction.atomic():
            step = ProjectStep.objects.create(
                project=locked, kind=kind, evidence=text, done_by=by, done_at=now
            )
    except IntegrityError as error:
        raise InvalidTransition(_("This step is done already.")) from error
    earned = EARNED_BY_STEP.get(ProjectStepKind(kind))
    if earned is not None:
        _mark(locked.compound, earned, by, now)
    return step


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise _fail("amount", _("Enter an amount in yuan.")) from error
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e10"):
        raise _fail("amount", _("Enter an amount in yuan above zero."))
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def project_fund_add(
    *,
    actor: AnyUser | None,
    project: Project | int,
    source: str,
    amount: Any,
    note: str = "",
    recorded_by: User | None = None,
    now: dt.datetime | None = None,
) -> ProjectFund:
    """Record funds of a project and their source (四公开), while it is in progress."""
    now = now or timezone.now()
    locked = lock_project(project if isinstance(project, int) else project.pk)
    _require(actor, "project.fund", locked)
    if locked.status != ProjectStatus.IN_PROGRESS:
        raise InvalidTransition(_("The project is closed."))
    if source not in FundSource.values:
        raise _fail("source", _("Not a valid choice."))
    fund = ProjectFund.objects.create(
        project=locked,
        source=source,
        amount=_amount(amount),
        note=_text(note, "note", required=False, limit=200),
        recorded_by=_user(actor, recorded_by, "recorded_by"),
        recorded_at=now,
    )
    audit_record(
        actor=fund.recorded_by,
        action=AuditEvent.Action.CREATE,
        obj=fund,
        changes={"project": locked.title, "source": source, "amount": str(fund.amount)},
        now=now,
    )
    return fund


@transaction.atomic
def project_complete(
    *,
    actor: AnyUser | None,
    project: Project | int,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Project:
    """Complete the project once its seven steps are done (409 before): → ``completed``."""
    now = now or timezone.now()
    pk = project if isinstance(project, int) else project.pk
    return transition(
        PROJECT_WORKFLOW,
        pk,
        ProjectAction.COMPLETE,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes={"completed_at": now},
        note=_text(note, "note", required=False),
    ).obj


@transaction.atomic
def project_cancel(
    *,
    actor: AnyUser | None,
    project: Project | int,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Project:
    """Stop a project in progress (the reason is kept on its event): → ``cancelled``."""
    now = now or timezone.now()
    pk = project if isinstance(project, int) else project.pk
    return transition(
        PROJECT_WORKFLOW,
        pk,
        ProjectAction.CANCEL,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=_text(reason, "reason", required=True),
    ).obj


@transaction.atomic
def five_haves_set(
    *,
    actor: AnyUser | None,
    compound: OrgUnit,
    marks: dict[str, bool],
    changed_by: User | None = None,
    now: dt.datetime | None = None,
) -> FiveHaves:
    """Set the compound's 五有 marks (any of ``FIVE_HAVES``; the others stay). Audited."""
    now = now or timezone.now()
    _require(actor, "orgunit.keep_five_haves", compound)
    if compound.kind != OrgUnit.Kind.COMPOUND:
        raise _fail("compound", _("五有 is the status of a compound."))
    unknown = set(marks) - set(FIVE_HAVES)
    if unknown:
        raise _fail(sorted(unknown)[0], _("Not a 五有 mark."))
    by = _user(actor, changed_by, "changed_by")
    status, _created = FiveHaves.objects.select_for_update().get_or_create(
        compound=compound, defaults={"changed_by": by, "changed_at": now}
    )
    for name, value in marks.items():
        setattr(status, name, bool(value))
    status.changed_by, status.changed_at = by, now
    status.save()
    audit_record(
        actor=by,
        action=AuditEvent.Action.UPDATE,
        obj=status,
        changes={name: bool(value) for name, value in marks.items()},
        now=now,
    )
    return status
