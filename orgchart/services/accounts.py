"""Accounts: creation with a one-time password, resets, password changes, deactivation and
hand-over of a leaving user's open items (DESIGN §6)."""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from typing import Any

from axes.models import AccessAttempt
from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from governance.audit import audit_record
from governance.errors import NotAllowed, ValidationFailed
from governance.models import AuditEvent
from orgchart import policy
from orgchart.models import ROLE_ANCHOR_KINDS, Department, OrgUnit, User
from orgchart.policy import AnyUser

# Apps above orgchart register what "open items" a leaving user hands over (their petitions,
# wishes, work orders…): fn(leaving=User, successor=User) -> {label: count}. Registered in
# their AppConfig.ready(), so orgchart never imports them.
HandOverHook = Callable[..., dict[str, int]]
HANDOVER_HOOKS: list[HandOverHook] = []


def register_handover_hook(hook: HandOverHook) -> HandOverHook:
    if hook not in HANDOVER_HOOKS:
        HANDOVER_HOOKS.append(hook)
    return hook


def user_anchor_errors(
    *,
    role: str,
    anchor_unit: OrgUnit | None,
    anchor_department: Department | None,
    is_superuser: bool = False,
) -> list[str]:
    """Why a role and anchor do not fit together (DESIGN §6); empty when they do."""
    if is_superuser and anchor_unit is None and anchor_department is None:
        return []
    if policy.anchored_at_department(role):
        if anchor_department is None or anchor_unit is not None:
            return [_("A department handler is anchored at a department, not at a unit.")]
        return []
    if anchor_unit is None or anchor_department is not None:
        return [_("This role is anchored at a unit, not at a department.")]
    if anchor_unit.kind not in ROLE_ANCHOR_KINDS.get(role, frozenset()):
        return [_("This role cannot be anchored at a unit of this kind.")]
    return []


def one_time_password() -> str:
    """12 characters from letters and digits (no look-alikes), always both kinds."""
    letters = "".join(c for c in string.ascii_letters if c not in "lIO")
    digits = "23456789"
    while True:
        password = "".join(secrets.choice(letters + digits) for _ in range(12))
        if any(c in digits for c in password) and any(c in letters for c in password):
            return password


@transaction.atomic
def user_create(
    *,
    actor: AnyUser | None,
    username: str,
    full_name: str,
    role: str,
    anchor_unit: OrgUnit | None = None,
    anchor_department: Department | None = None,
    email: str = "",
) -> tuple[User, str]:
    """Create an account with a one-time password, to be changed at first login.

    Returns the user and the password, shown once to the admin and never stored in clear.
    Admins (the role) become staff, so they can use the Django admin for their subtree.
    """
    if actor is not None:
        if anchor_department is not None:
            policy.require(actor, "department.add_account", anchor_department)
        elif anchor_unit is not None:
            policy.require(actor, "orgunit.add_account", anchor_unit)
        elif not actor.is_superuser:
            raise ValidationFailed(fields={"anchor_unit": [_("This field is required.")]})
    errors = user_anchor_errors(
        role=role, anchor_unit=anchor_unit, anchor_department=anchor_department
    )
    if role not in User.Role.values:
        errors.append(_("Not a valid role."))
    username = (username or "").strip()
    fields: dict[str, list[str]] = {}
    if errors:
        fields["role"] = errors
    if not username:
        fields["username"] = [_("This field is required.")]
    elif User.objects.filter(username__iexact=username).exists():
        fields["username"] = [_("This username is taken.")]
    if fields:
        raise ValidationFailed(_("Please correct the errors below."), fields=fields)
    password = one_time_password()
    user = User(
        username=username,
        first_name=(full_name or "").strip()[:150],
        email=email,
        role=role,
        anchor_unit=anchor_unit,
        anchor_department=anchor_department,
        is_staff=policy.role_uses_admin_site(role),
        must_change_password=True,
    )
    user.set_password(password)
    user.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.ACCOUNT,
        obj=user,
        changes={
            "created": True,
            "role": role,
            "anchor_unit": anchor_unit,
            "anchor_department": anchor_department,
        },
    )
    return user, password


# What ``user_update`` changes; staff and superuser flags only when a superuser asks.
USER_UPDATABLE_FIELDS = frozenset(
    {"first_name", "last_name", "email", "role", "anchor_unit", "anchor_department"}
)
USER_SUPERUSER_FIELDS = frozenset({"is_staff", "is_superuser"})


@transaction.atomic
def user_update(*, actor: AnyUser | None, user: User, **changes: Any) -> User:
    """Change an account's names, e-mail, role and anchor (given fields only; audited).

    Only a superuser changes another superuser or the staff and superuser flags; otherwise
    the role decides staff access, as in ``user_create`` (admins use the Django admin). The
    new anchor must lie in the actor's area. Password, activity and username have their own
    services (reset, change, deactivate) or stay as created.
    """
    unknown = set(changes) - USER_UPDATABLE_FIELDS - USER_SUPERUSER_FIELDS
    if unknown:
        raise ValidationFailed(
            fields={field: [_("This field cannot be changed here.")] for field in unknown}
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    acting_superuser = actor is None or actor.is_superuser
    if actor is not None:
        policy.require(actor, "user.change", user)
        if not acting_superuser and (user.is_superuser or set(changes) & USER_SUPERUSER_FIELDS):
            raise NotAllowed(_("Only a superuser can grant or change administrator rights."))
    if "anchor_unit" in changes or "anchor_department" in changes or "role" in changes:
        role = changes.get("role", user.role)
        anchor_unit = changes.get("anchor_unit", user.anchor_unit)
        anchor_department = changes.get("anchor_department", user.anchor_department)
        if role not in User.Role.values:
            raise ValidationFailed(fields={"role": [_("Not a valid role.")]})
        errors = user_anchor_errors(
            role=role,
            anchor_unit=anchor_unit,
            anchor_department=anchor_department,
            is_superuser=changes.get("is_superuser", user.is_superuser),
        )
        if errors:
            raise ValidationFailed(_("Please correct the errors below."), fields={"role": errors})
        if actor is not None:
            if anchor_department is not None:
                policy.require(actor, "department.add_account", anchor_department)
            elif anchor_unit is not None:
                policy.require(actor, "orgunit.add_account", anchor_unit)
        if "role" in changes and "is_staff" not in changes and not user.is_superuser:
            changes["is_staff"] = policy.role_uses_admin_site(role)
    changed = {field: value for field, value in changes.items() if getattr(user, field) != value}
    for field, value in changed.items():
        setattr(user, field, value)
    if changed:
        user.save(update_fields=list(changed))
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=user, changes=changed)
    return user


def _end_sessions(user: User) -> None:
    """Log the user out everywhere: their sessions and API tokens."""
    Token.objects.filter(user=user).delete()
    for session in Session.objects.filter(expire_date__gte=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()


@transaction.atomic
def user_reset_password(*, actor: AnyUser | None, user: User) -> str:
    """Give the user a new one-time password (shown once); they must change it at login."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if actor is not None:
        policy.require(actor, "user.manage", user)
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    _end_sessions(user)
    audit_record(
        actor=actor, action=AuditEvent.Action.ACCOUNT, obj=user, changes={"event": "password reset"}
    )
    return password


@transaction.atomic
def user_change_password(*, user: User, old_password: str, new_password: str) -> User:
    """The user replaces their password (after a one-time password, or any time)."""
    errors: dict[str, list[str]] = {}
    if not user.check_password(old_password):
        errors["old_password"] = [_("Your current password is not correct.")]
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as error:
        errors["new_password"] = [str(message) for message in error.messages]
    if not errors and old_password == new_password:
        errors["new_password"] = [_("Choose a password different from the current one.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(
        actor=user,
        action=AuditEvent.Action.ACCOUNT,
        obj=user,
        changes={"event": "password changed"},
    )
    return user


@transaction.atomic
def user_deactivate(
    *, actor: AnyUser | None, user: User, successor: User | None = None
) -> dict[str, int]:
    """Deactivate a leaving user and hand their open items to ``successor``.

    The successor must be active and in the same role, within the actor's area. Returns what
    each app handed over ({label: count}). Idempotent: an inactive user hands over nothing.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if actor is not None:
        policy.require(actor, "user.manage", user)
    if successor is not None:
        if actor is not None:
            policy.require(actor, "user.view", successor)
        if not successor.is_active or successor.pk == user.pk:
            raise ValidationFailed(fields={"successor": [_("Choose another, active account.")]})
        if not policy.may_take_over(successor, user):
            raise ValidationFailed(
                fields={"successor": [_("The successor must have the same role.")]}
            )
    if not user.is_active:
        return {}
    handed_over: dict[str, int] = {}
    if successor is not None:
        for hook in HANDOVER_HOOKS:
            handed_over.update(hook(leaving=user, successor=successor))
    user.is_active = False
    user.save(update_fields=["is_active"])
    _end_sessions(user)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.ACCOUNT,
        obj=user,
        changes={"deactivated": True, "successor": successor, **handed_over},
    )
    return handed_over


def user_record_login(*, user: Any, address: str = "", via: str = "") -> None:
    """Audit a successful login (等保: who signed in when, from which address, through which
    door: the login page, the admin's, or the API's token login)."""
    changes = {key: value for key, value in (("address", address), ("via", via)) if value}
    audit_record(actor=user, action=AuditEvent.Action.LOGIN, obj=user, changes=changes)


@transaction.atomic
def user_unlock_login(*, actor: AnyUser | None, user: User) -> int:
    """Clear the account's failed logins from every address (an admin's unlock, sooner than
    ``LOGIN_LOCKOUT_MINUTES``); returns how many failed logins were cleared. An address
    locked by failures on several accounts is unlocked in the admin's login attempts."""
    if actor is not None:
        policy.require(actor, "user.manage", user)
    attempts = AccessAttempt.objects.filter(username=user.get_username().strip().lower())
    cleared = attempts.aggregate(failures=Sum("failures_since_start"))["failures"] or 0
    attempts.delete()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.ACCOUNT,
        obj=user,
        changes={"event": "login unlocked", "failures": cleared},
    )
    return cleared
