"""What an account's role means for the policy, asked about any account (the acting user or one
chosen in a form): what kind of account it is, where a role is anchored, who has the admin
site, who may take over a leaving user's work. No query: the role is on the account."""

from __future__ import annotations

from orgchart.models import User
from orgchart.policy.core import AnyUser, Role


def is_volunteer_account(account: AnyUser | None) -> bool:
    """A resident's account (the ``volunteer`` role; a superuser's too, by its role): it sees
    its own volunteer record, points and sign-ups, never the registers of the area."""
    return isinstance(account, User) and account.role == Role.VOLUNTEER


def is_grid_worker_account(account: AnyUser | None) -> bool:
    """A grid worker's account (a superuser's too, by its role): appointed to a grid's staff,
    it sees that grid; when it leaves, its terms end."""
    return isinstance(account, User) and account.role == Role.GRID_WORKER


def anchored_at_department(role: str) -> bool:
    """Whether accounts of ``role`` are anchored at a department (department handlers: their
    scope is the department's jurisdiction) rather than at a unit of the tree."""
    return role == Role.DEPARTMENT_HANDLER


def role_uses_admin_site(role: str) -> bool:
    """Whether accounts of ``role`` get the admin site (``is_staff``): administrators."""
    return role == Role.ADMIN


def may_take_over(successor: User, leaving: User) -> bool:
    """Whether ``successor`` may take over the open work of ``leaving`` (the hand-over of a
    leaving user): an account of the same role, so the work stays with someone who may do
    it."""
    return successor.role == leaving.role
