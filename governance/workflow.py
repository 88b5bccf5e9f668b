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

``available_actions`` answers "which actions may this user take now" from the same table,
guards and policy, for pages and the API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast

from django.db import models
from django.db.models import F
from django.utils.translation import gettext as _

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
_HOOKS: list[TransitionHook] = []


def on_transition(hook: TransitionHook) -> TransitionHook:
    """Register ``hook`` to run inside every committed transition's transaction (rollups).
    Usable as a decorator; registering the same hook twice runs it once."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)
    return hook


def remove_transition_hook(hook: TransitionHook) -> None:
    if hook in _HOOKS:
        _HOOKS.remove(hook)


def _actor_id(actor: Any) -> int | None:
    return getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None


def _user(actor: Any) -> Any:
    return actor if _actor_id(actor) is not None else None


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
    step = {**workflow.event_fields(current, dict(changes or {})), **(event or {})}
    step["data"] = data_now = {**step.get("data", {}), **(data or {})}
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
    row = workflow.event_model._default_manager.create(
        **step,
        action=action,
        actor=_user(actor),
        actor_place=workflow.actor_place(_user(actor)) if _user(actor) is not None else "",
        at=now,
        from_status=state.status,
        to_status=new_status,
        note=note,
    )
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
    for hook in list(_HOOKS):
        hook(record)
    return Outcome(after, changed=True, event=row)


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
    step = workflow.event_fields(obj, {})
    step["data"] = {**step.get("data", {}), **(data or {})}
    event = workflow.event_model._default_manager.create(
        **step,
        action=action,
        actor=_user(actor),
        actor_place=workflow.actor_place(_user(actor)) if _user(actor) is not None else "",
        at=now,
        from_status="",
        to_status=_state(obj).status,
        note=note,
    )
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
    for hook in list(_HOOKS):
        hook(record)
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
