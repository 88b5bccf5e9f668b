"""Shared by the notifications tests: a kind registered for the test only, recipients with
and without an e-mail address, and ``tell`` (``notify`` in a transaction, as a service
does)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import models, transaction

from notifications import kinds
from notifications.services import notify
from orgchart.models import User
from tests.conftest import Tree, make_user
from tests.petitions.conftest import NOW

NOTE = "test.note"

__all__ = ["NOTE", "NOW", "tell"]


@pytest.fixture(autouse=True)
def note_kind(monkeypatch: pytest.MonkeyPatch) -> str:
    """A kind of no app, registered while a test runs (the registry is left as it was)."""
    monkeypatch.setitem(kinds._KINDS, NOTE, "note")
    return NOTE


@pytest.fixture
def second_worker(tree: Tree) -> User:
    return make_user(
        "second_worker", User.Role.COMMUNITY_WORKER, unit=tree.guangming, email="w2@example.cn"
    )


def tell(
    *recipients: User,
    title: str,
    body: str = "",
    now: dt.datetime = NOW,
    subject: models.Model | None = None,
    link: str = "",
) -> int:
    with transaction.atomic():  # as a service does; the sending task is queued on commit
        return notify(
            recipients=recipients,
            kind=NOTE,
            subject=subject,
            title=title,
            body=body,
            link=link,
            now=now,
        )
