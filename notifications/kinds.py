"""The kinds of notification, registered by the apps that send them.

A kind is namespaced by its app (``"petition.escalate"``, ``"work_order.overdue"``) and has a
label for the inbox, the API and the admin. Each app registers its kinds once, from its
``AppConfig.ready``; ``notify`` refuses a kind nobody registered. The model field's choices
are this registry (a callable), so a new kind needs no migration.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise

# The longest kind the model stores.
MAX_LENGTH = 50

_KINDS: dict[str, str | Promise] = {}


def register(kind: str, label: str | Promise) -> None:
    """Register ``kind`` (``"<app>.<name>"``) with its label. Registering the same kind again
    with the same label changes nothing; with another label it is a configuration error."""
    namespace, _dot, name = kind.partition(".")
    if not namespace or not name or len(kind) > MAX_LENGTH:
        raise ImproperlyConfigured(
            f"A notification kind is '<app>.<name>' of at most {MAX_LENGTH} characters: {kind!r}"
        )
    known = _KINDS.get(kind)
    if known is not None and str(known) != str(label):
        raise ImproperlyConfigured(f"The notification kind {kind!r} is registered twice.")
    _KINDS[kind] = label


def register_all(namespace: str, choices: Iterable[tuple[str, str | Promise]]) -> None:
    """Register ``<namespace>.<value>`` for each (value, label) of ``choices`` (the actions of
    a workflow, say)."""
    for value, label in choices:
        register(f"{namespace}.{value}", label)


def is_registered(kind: str) -> bool:
    return kind in _KINDS


def label(kind: str) -> str:
    """The label of ``kind`` in the active language (the kind itself if nobody registered
    it, such as a kind of an app that was removed)."""
    known = _KINDS.get(kind)
    return str(known) if known is not None else kind


def choices() -> list[tuple[str, str | Promise]]:
    """Every registered kind with its label, by kind (the model field's choices)."""
    return sorted(_KINDS.items())
