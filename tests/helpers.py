"""Helpers shared by the test modules (the shared fixtures are in tests/conftest.py).

* ``api_for(user)``: a DRF client authenticated as that very instance;
  ``api_for_fresh_copy(user)``: as a copy of the account read afresh from the database.
* ``in_english(client)``: the client's pages in English (the language cookie);
  ``english_client_for(user)``: a signed-in client reading the pages in English.
* ``frozen_at(moment)``: an autouse fixture for a module whose tests run at ``moment``.
* ``resident_id(first17)``: a valid 18-digit ID number ending in its check character (from
  tests/factories.py, where the factories for the rows the tests need are).
* The ``english`` fixture (messages in English) is in tests/conftest.py; a module whose every
  test wants it says ``pytest.mark.usefixtures("english")``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from orgchart.models import User
from tests.conftest import client_for
from tests.factories import resident_id as resident_id


def api_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def api_for_fresh_copy(user: Any) -> APIClient:
    """A client for a fresh copy of the account (nothing cached from an earlier request)."""
    client = APIClient()
    client.force_authenticate(User.objects.get(pk=user.pk))
    return client


def in_english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def english_client_for(user: User) -> Client:
    """A signed-in client that reads the pages in English (their msgids)."""
    return in_english(client_for(user))


def frozen_at(moment: dt.datetime) -> Any:
    """``frozen = frozen_at(NOW)`` in a test module: every test there, and the fixtures it
    uses, runs at ``moment`` with the clock standing still."""

    @pytest.fixture(autouse=True)
    def frozen() -> Iterator[None]:
        with time_machine.travel(moment, tick=False):
            yield

    return frozen
