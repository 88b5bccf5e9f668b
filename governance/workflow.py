"""The one workflow core: every status change of every workflow goes through ``transition``.

A workflow declares itself once (``Workflow``): its model, its event table, its transition
table (``action -> (source statuses, target status or None for "no change")``), the guards
that narrow an action beyond the table, and how the access policy is asked. The core knows
no domain: the declaring app passes the policy in, so this module imports no app.

``transition`` then, inside the caller's transaction:

1. locks the row (the workflow's ``lock``: some lock a parent first, in a fixed order);
2. answers a rerun: when the object's latest step is this very request (same action, actor,
   note and details) and the object is where that action left it, nothing changes and the
   object is returned (a retried request gets the same answer, whatever version it carries);
3. asks the policy (``authorize``: 404 outside scope, 403 for a role that may not act);
4. checks the table (409), with a message that says so when the same actor took the same
   action with another input (a second reply is not silently dropped), then the guards (409);
5. checks the caller's ``expected_version`` (409 for a stale page) and compare-and-swaps on
   (status, version): not exactly one row updated is a ``ConcurrentUpdate``;
6. appends the event row and runs the transition hooks (``on_transition``), still inside the
   transaction, so a rollup kept by a hook is exactly as committed as the step itself.

``transition_many`` takes the system's own step (no actor: the sweep) on a batch of rows the
caller has locked, in a number of queries that does not grow with the batch: the same table and
guards, one compare-and-swap ``UPDATE`` for every row (a row that moved since it was read is
left alone), one ``INSERT`` of the event rows, written as ``transition`` writes them, and the
same hooks (a hook may register a form that takes the whole batch at once).

``available_actions`` answers "which actions may this user take now" from the same table,
guards and policy, for pages and the API.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast

from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from governance.database import insert_rows, update_each
from governance.errors import ConcurrentUpdate, InvalidTransition

M = TypeVar("M", bound=models.Model)


class Stateful(Protocol):
    """What a workflow's model has: a ``status`` (a ``TextChoices`` value) and a ``version``
    that grows with every step."""

    pk: Any
    status: str
    version: int


def _state(obj: Any) -> Stateful:
    return cast(Stateful, obj)


Table = Mapping[str, tuple[Sequence[str], str | None]]
# A guard looks at the locked object (and the facts the workflow loads for it) and returns
# why the action cannot be taken now, or None.
Guard = Callable[[Any, Any, dt.datetime], "str | None"]
# authorize(actor, policy action, obj) raises OutOfScope / NotAllowed; a None actor is the
# system (the sweep, demo data) and is not asked about.
Authorize = Callable[[Any, str, Any], None]
# permitted(user, obj, policy actions) -> the subset the user may take.
Permitted = Callable[[Any, Any, list[str]], set[str]]


@dataclass(frozen=True)
class Workflow(Generic[M]):
    """A workflow's declaration. ``name`` prefixes the policy actions (``petition.accept``)."""

    name: str
    model: type[M]
    event_model: type[models.Model]
    transitions: Table
    action_labels: type[models.TextChoices]
    authorize: Authorize
    permitted: Permitted
    # The object's own events (the rerun check reads the latest of them).
    events_of: Callable[[M], models.QuerySet[Any]]
    # The fields that tie an event row to its object (and, e.g., the unit it happened at).
    event_fields: Callable[[M, dict[str, Any]], dict[str, Any]]
    # Lock the row and read it (with what the services need) by primary key.
    lock: Callable[[int], M]
    # Read the object again after a change.
    reload: Callable[[int], M]
    guards: Mapping[str, Guard] = field(default_factory=dict)
    # What the guards need beyond the row (e.g. a petition's dispatches), loaded only when a
    # guard is asked; pages pass what they already hold.
    facts: Callable[[M], Any] = lambda obj: None
    # Actions that leave a note and change nothing (supervision): they do not hide an earlier
    # step from the rerun check of another action.
    annotations: frozenset[str] = frozenset()
    # The actions a person takes (in the order pages show them); others are automatic.
    user_actions: Sequence[str] = ()
    # Extra columns touched on every change (e.g. ``updated_at``).
    touch: Callable[[dt.datetime], dict[str, Any]] = lambda now: {}
    # Where the actor works (their unit or department), kept on the event as it was then.
    actor_place: Callable[[Any], str] = lambda actor: ""
    # The policy action that lets an actor see the object (a rerun needs no more).
    view_action: str = "view"

    def policy_action(self, action: str) -> str:
        return f"{self.name}.{action}"

    def label(self, action: str) -> str:
        return str(self.action_labels(action).label)

    def status_label(self, obj: M) -> str:
        display = getattr(obj, "get_status_display", None)
        return str(display()) if display is not None else str(getattr(obj, "status", ""))


@dataclass(frozen=True)
class Outcome(Generic[M]):
    """What ``transition`` did: the object as it is now, whether it changed, and the event
    row written (None for a rerun)."""

    obj: M
    changed: bool
    event: models.Model | None = None


@dataclass(frozen=True)
class Transitioned:
    """What a transition hook is told, inside the transaction of the change."""

    workflow: Workflow[Any]
    obj_id: int
    action: str
    from_status: str
    to_status: str
    event: models.Model
    at: dt.datetime
    # The object as it was locked before the step (None for a creation) and as it is after.
    before: Any = None
    after: Any = None


TransitionHook = Callable[[Transitioned], None]
BatchHook = Callable[[Sequence[Transitioned]], None]
_HOOKS: list[TransitionHook] = []
_BATCH_FORMS: dict[TransitionHook, BatchHook] = {}


def on_transition(hook: TransitionHook, *, batch: BatchHook | None = None) -> TransitionHook:
    """Register ``hook`` to run inside every committed transition's transaction (rollups).
    Usable as a decorator; registering the same hook twice runs it once. ``batch``, when
    given, is told a whole ``transition_many`` at once and must do what ``hook`` would do for
    each of its records (in fewer queries); without it ``hook`` is called for each record."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)
    if batch is not None:
        _BATCH_FORMS[hook] = batch
    return hook


def remove_transition_hook(hook: TransitionHook) -> None:
    if hook in _HOOKS:
        _HOOKS.remove(hook)
    _BATCH_FORMS.pop(hook, None)


def _run_hooks(records: Sequence[Transitioned]) -> None:
    for hook in list(_HOOKS):
        many = _BATCH_FORMS.get(hook)
        if many is not None:
            many(records)
        else:
            for record in records:
                hook(record)


def _actor_id(actor: Any) -> int | None:
    return getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None


def _user(actor: Any) -> Any:
    return actor if _actor_id(actor) is not None else None


def _event_row(
    workflow: Workflow[M],
    obj: M,
    action: str,
    *,
    actor: Any,
    now: dt.datetime,
    from_status: str,
    to_status: str,
    note: str,
    step: Mapping[str, Any],
) -> models.Model:
    """The event row of one step (not saved): ``step`` holds the workflow's own fields (the
    object, its unit, the details)."""
    user = _user(actor)
    return workflow.event_model(
        **step,
        action=action,
        actor=user,
        actor_place=workflow.actor_place(user) if user is not None else "",
        at=now,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


def _step_fields(
    workflow: Workflow[M],
    obj: M,
    changes: Mapping[str, Any] | None,
    data: Mapping[str, Any] | None,
    event: Mapping[str, Any] | None,
) -> dict[str, Any]:
    step = {**workflow.event_fields(obj, dict(changes or {})), **(event or {})}
    step["data"] = {**step.get("data", {}), **(data or {})}
    return step


def latest_step(workflow: Workflow[M], obj: M, action: str) -> tuple[Any, ...] | None:
    """(action, actor id, note, data) of the object's latest event that counts for a rerun
    of ``action``: annotations are skipped unless ``action`` is one."""
    events = workflow.events_of(obj)
    if action not in workflow.annotations and workflow.annotations:
        events = events.exclude(action__in=workflow.annotations)
    return events.order_by("-at", "-id").values_list("action", "actor_id", "note", "data").first()


def transition(
    workflow: Workflow[M],
    obj: M | int,
    action: str,
    *,
    actor: Any,
    now: dt.datetime,
    expected_version: int | None = None,
    to_status: str | None = None,
    changes: Mapping[str, Any] | None = None,
    note: str = "",
    data: Mapping[str, Any] | None = None,
    check: str | None = None,
    rerunnable: bool = True,
    locked: M | None = None,
    event: Mapping[str, Any] | None = None,
) -> Outcome[M]:
    """Take ``action`` on ``obj`` (see the module docstring). ``to_status`` overrides the
        table's target where the input decides it (an evaluation closes or reopens); ``check``
        names another policy action; ``rerunnable=False`` for the system's own steps, which have
        their own idempotency; ``locked`` is the row when the caller has just locked it; ``event``
    adds columns to the event row (the dispatch whose deadline an escalation is about)."""
    pk = obj if isinstance(obj, int) else obj.pk
    current = locked if locked is not None else workflow.lock(pk)
    state = _state(current)
    sources, target = workflow.transitions[action]
    new_status = to_status or target or state.status
    step = _step_fields(workflow, current, changes, data, event)
    data_now = step["data"]
    last = latest_step(workflow, current, action) if rerunnable else None
    same_actor = last is not None and last[:2] == (action, _actor_id(actor))
    same_request = same_actor and last is not None and (last[2], last[3]) == (note, data_now)
    if same_request and state.status == new_status:
        # This actor's own request, retried: seeing the object is enough (a volunteer who has
        # released a wish is no longer its claimer, yet gets the same answer again).
        if actor is not None:
            workflow.authorize(actor, workflow.policy_action(workflow.view_action), current)
        return Outcome(current, changed=False)
    if actor is not None:
        workflow.authorize(actor, check or workflow.policy_action(action), current)
    if state.status not in sources:
        if same_actor:
            raise InvalidTransition(
                _("This step (%(action)s) was already taken with another input: reload to see it.")
                % {"action": workflow.label(action)}
            )
        raise InvalidTransition(
            _("Cannot be %(action)s while “%(status)s”.")
            % {"action": workflow.label(action), "status": workflow.status_label(current)}
        )
    guard = workflow.guards.get(action)
    if guard is not None:
        refusal = guard(current, workflow.facts(current), now)
        if refusal:
            raise InvalidTransition(refusal)
    if expected_version is not None and state.version != expected_version:
        raise ConcurrentUpdate()
    updated = workflow.model._default_manager.filter(
        pk=pk,
        status=state.status,
        version=state.version,
    ).update(
        status=new_status, version=F("version") + 1, **workflow.touch(now), **dict(changes or {})
    )
    if updated != 1:
        raise ConcurrentUpdate()
    row = _event_row(
        workflow,
        current,
        action,
        actor=actor,
        now=now,
        from_status=state.status,
        to_status=new_status,
        note=note,
        step=step,
    )
    row.save(force_insert=True)
    after = workflow.reload(pk)
    record = Transitioned(
        workflow=workflow,
        obj_id=pk,
        action=action,
        from_status=state.status,
        to_status=new_status,
        event=row,
        at=now,
        before=current,
        after=after,
    )
    _run_hooks([record])
    return Outcome(after, changed=True, event=row)


@dataclass(frozen=True)
class Step(Generic[M]):
    """One row's part in ``transition_many``: the row as the caller read it under its lock,
    and what ``transition`` would be given for it."""

    obj: M
    changes: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    data: Mapping[str, Any] | None = None
    event: Mapping[str, Any] | None = None
    to_status: str | None = None


@dataclass(frozen=True)
class Batch(Generic[M]):
    """What ``transition_many`` did: an outcome for each row it changed (in the order of the
    steps), and the steps it left alone because their row had moved since it was read."""

    done: list[Outcome[M]]
    left_alone: list[Step[M]]


class BatchMoved(ConcurrentUpdate):
    """Rows of an all-or-none batch had moved since they were read (``left_alone``): nothing
    of the batch was written; the caller takes it again without them."""

    def __init__(self, left_alone: Sequence[Step[Any]]) -> None:
        super().__init__()
        self.left_alone = list(left_alone)


def _after(obj: M, values: Mapping[str, Any]) -> M:
    """The row as the batch's UPDATE leaves it, without reading it again: a copy of the row
    read (as ``Model.__getstate__`` copies one, with its own cache of related objects)."""
    after = obj.__class__.__new__(obj.__class__)
    after.__dict__.update(obj.__dict__)
    after._state = copy.copy(obj._state)
    after._state.fields_cache = dict(obj._state.fields_cache)
    for name, value in values.items():
        setattr(after, name, value)
    _state(after).version = _state(obj).version + 1
    return after


def transition_many(
    workflow: Workflow[M],
    steps: Sequence[Step[M]],
    action: str,
    *,
    now: dt.datetime,
    all_or_none: bool = False,
) -> Batch[M]:
    """Take ``action`` on many rows at once, as ``transition`` takes the system's own step
    (``actor=None``, ``rerunnable=False``) on one, in the caller's transaction, with the rows
    already locked by the caller (the sweep's ``SELECT … FOR UPDATE SKIP LOCKED``) and read with
    what the guards and hooks need. The table and the guards are checked for every row first
    (a refusal raises, as in ``transition``, and nothing is written). Then, in a number of
    queries that does not depend on how many rows there are:

    1. one compare-and-swap ``UPDATE`` on (pk, status, version) for all of them, writing each
       row's own changes (values, not expressions; every step changes the same fields). A row
       that moved since it was read is left alone; with ``all_or_none`` that raises
       ``BatchMoved`` instead and the batch's UPDATE is undone, so a caller that wrote other
       rows for the batch in its savepoint can undo them and take the batch again without them;
    2. one ``INSERT`` of the event rows, the same rows ``transition`` writes;
    3. the hooks, told of every changed row as ``transition`` tells them of one (the batch
       form of a hook where one is registered).

    One row appears at most once in a batch (a second step on it is taken in a later batch).
    """
    if not steps:
        return Batch(done=[], left_alone=[])
    if len({step.obj.pk for step in steps}) != len(steps):
        raise ValueError("transition_many: a row appears twice in one batch")
    sources, target = workflow.transitions[action]
    guard = workflow.guards.get(action)
    for step in steps:
        state = _state(step.obj)
        if state.status not in sources:
            raise InvalidTransition(
                _("Cannot be %(action)s while “%(status)s”.")
                % {"action": workflow.label(action), "status": workflow.status_label(step.obj)}
            )
        if guard is not None:
            refusal = guard(step.obj, workflow.facts(step.obj), now)
            if refusal:
                raise InvalidTransition(refusal)
    plans: list[tuple[Step[M], str, dict[str, Any]]] = []
    for step in steps:
        state = _state(step.obj)
        new_status = step.to_status or target or state.status
        plans.append(
            (step, new_status, {"status": new_status, **workflow.touch(now), **step.changes})
        )
    key = workflow.model._meta.pk.name
    # All or none: the batch's own savepoint, so that BatchMoved leaves nothing of it behind
    # even where the caller catches it.
    with transaction.atomic() if all_or_none else contextlib.nullcontext():
        updated = update_each(
            workflow.model,
            [
                (
                    {
                        key: step.obj.pk,
                        "status": _state(step.obj).status,
                        "version": _state(step.obj).version,
                    },
                    values,
                )
                for step, _new, values in plans
            ],
            increment=("version",),
        )
        left_alone = [step for step, _new, _values in plans if step.obj.pk not in updated]
        if left_alone and all_or_none:
            raise BatchMoved(left_alone)
    done: list[Outcome[M]] = []
    records: list[Transitioned] = []
    rows: list[models.Model] = []
    for step, new_status, values in plans:
        if step.obj.pk not in updated:
            continue
        from_status = _state(step.obj).status
        row = _event_row(
            workflow,
            step.obj,
            action,
            actor=None,
            now=now,
            from_status=from_status,
            to_status=new_status,
            note=step.note,
            step=_step_fields(workflow, step.obj, step.changes, step.data, step.event),
        )
        after = _after(step.obj, values)
        rows.append(row)
        done.append(Outcome(after, changed=True, event=row))
        records.append(
            Transitioned(
                workflow=workflow,
                obj_id=step.obj.pk,
                action=action,
                from_status=from_status,
                to_status=new_status,
                event=row,
                at=now,
                before=step.obj,
                after=after,
            )
        )
    insert_rows(workflow.event_model, rows)
    _run_hooks(records)
    return Batch(done=done, left_alone=left_alone)


def record_creation(
    workflow: Workflow[M],
    obj: M,
    action: str,
    *,
    actor: Any,
    now: dt.datetime,
    note: str = "",
    data: Mapping[str, Any] | None = None,
) -> models.Model:
    """The first event of a new object (logged, posted, ordered): no status to swap, but the
    same event row and the same hooks as every later step."""
    event = _event_row(
        workflow,
        obj,
        action,
        actor=actor,
        now=now,
        from_status="",
        to_status=_state(obj).status,
        note=note,
        step=_step_fields(workflow, obj, None, data, None),
    )
    event.save(force_insert=True)
    record = Transitioned(
        workflow=workflow,
        obj_id=obj.pk,
        action=action,
        from_status="",
        to_status=_state(obj).status,
        event=event,
        at=now,
        after=obj,
    )
    _run_hooks([record])
    return event


def available_actions(
    workflow: Workflow[M],
    obj: M,
    user: Any,
    *,
    now: dt.datetime,
    facts: Any = None,
    actions: Iterable[str] | None = None,
    permitted: Permitted | None = None,
) -> list[str]:
    """The actions ``user`` may take on ``obj`` now, in the order of ``user_actions``: the
    same table and guards ``transition`` enforces, then the policy. ``facts`` may be passed
    by a caller that already holds them (no query then); ``permitted`` replaces the
    workflow's policy question for a caller that has settled visibility otherwise (a row of
    the user's own scoped list: the role's rule alone, no query per row)."""
    loaded = facts
    candidates: list[str] = []
    for action in actions if actions is not None else workflow.user_actions:
        if _state(obj).status not in workflow.transitions[action][0]:
            continue
        guard = workflow.guards.get(action)
        if guard is not None:
            if loaded is None:
                loaded = workflow.facts(obj)
            if guard(obj, loaded, now):
                continue
        candidates.append(str(action))
    if not candidates:
        return []
    ask = permitted or workflow.permitted
    allowed = ask(user, obj, [workflow.policy_action(name) for name in candidates])
    return [name for name in candidates if workflow.policy_action(name) in allowed]
