"""Helpers shared by the test modules (the shared fixtures are in tests/conftest.py).

* ``api_for(user)``: a DRF client authenticated as that very instance;
  ``api_for_fresh_copy(user)``: as a copy of the account read afresh from the database.
* ``in_english(client)``: the client's pages in English (the language cookie);
  ``english_client_for(user)``: a signed-in client reading the pages in English.
* ``frozen_at(moment)``: an autouse fixture for a module whose tests run at ``moment``.
* ``resident_id(first17)``: a valid 18-digit ID number ending in its check character (from
  tests/factories.py, where the factories for the rows the tests need are).
* ``residents_of_grid_of(account, community, *people)``: ``people`` live in a household of a
  new grid of ``community`` that the grid worker's ``account`` staffs (a grid worker's people
  are its grids' residents).
* ``json_log()``: for a fixture, the root logger's lines as ``LOG_FORMAT=json`` writes them;
  ``lines_of(stream)`` parses them.
* The ``english`` fixture (messages in English) is in tests/conftest.py; a module whose every
  test wants it says ``pytest.mark.usefixtures("english")``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from governance.logs import JSONFormatter
from grids import services as grid_services
from grids.models import Household
from orgchart.models import OrgUnit, Person, User
from tests.conftest import client_for
from tests.factories import PersonFactory
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


def residents_of_grid_of(account: User, community: OrgUnit, *people: Person) -> Household:
    """``people`` live in one household of a new basic grid of ``community`` that ``account``
    (a grid worker's) staffs: they are among the people the grid worker sees."""
    grid = grid_services.grid_create(actor=None, community=community, name="测试网格")
    staff = PersonFactory.create(unit=community, name="网格员丙", document_number="")
    grid_services.grid_staff_appoint(
        actor=None, grid=grid, person=staff, account=account, started_on=dt.date(2024, 1, 1)
    )
    home = grid_services.household_create(actor=None, grid=grid, address="测试路1号")
    for person in people:
        grid_services.resident_add(actor=None, household=home, person=person)
    return home


def json_log() -> Iterator[io.StringIO]:
    """What the root logger writes while the generator is suspended, through the JSON
    formatter of ``LOG_FORMAT=json``, formatted as it is written (in the logging context of
    the moment). For a fixture: ``yield from json_log()``."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def lines_of(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]
