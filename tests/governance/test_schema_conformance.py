"""The API answers what its OpenAPI schema says (schemathesis against ``/api/schema/``).

The schema is loaded from ``/api/schema/`` as a client loads it, and for every operation in it
schemathesis draws requests from the schema (query strings, bodies in each media type the
operation takes) and sends them to the Django WSGI application in this process, as the
superuser and as the community worker of 光明社区, each with an API token. A path that names a
row names one that the caller may see (else the superuser's, which the worker gets as a 404),
so detail routes answer with their rows, not only with 404s. Every answer must be:

* no server error (``not_a_server_error``),
* a status the operation documents (``status_code_conformance``: its successes and the error
  answers ``governance.schema`` documents once for every operation),
* of a documented content type (``content_type_conformance``),
* a body the documented schema accepts (``response_schema_conformance``), and
* with the headers the schema promises (``response_headers_conformance``).

Each request runs in a savepoint that is rolled back, so every example starts from the same
rows (``world`` of ``test_bad_input``). Bounded: a few derandomized examples per operation and
actor (``CONFORMANCE_EXAMPLES``, 2 by default, draws more for a deeper run), about half a minute
per actor; both legs. The rate limits are off (their tests are ``test_rate_limits.py``).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Ok

from orgchart.models import User
from tests.conftest import Personas
from tests.governance import test_bad_input as bad_input
from tests.governance.test_bad_input import ROUTES, first_pk, queryset_of

# One row of every kind an endpoint acts on, in 光明社区, with the rate limits off.
world = bad_input.world

EXAMPLES_PER_OPERATION = int(os.environ.get("CONFORMANCE_EXAMPLES", "2"))

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

CONFORMANCE_SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

ROUTE_OF = {route.template: route for route in ROUTES}


@pytest.fixture
def app(settings: Any) -> Iterator[WSGIHandler]:
    """The project's WSGI application, answering inside the test's transaction: like Django's
    test client, requests do not close the database connection when they end."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def token_header(user: User) -> dict[str, str]:
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


def path_values(template: str, method: str, user: User, superuser: User) -> dict[str, Any]:
    """The path's parameters: a row ``user`` may see (else the superuser's), and 1 for the
    file of a row (a photo or an attachment id)."""
    route = ROUTE_OF[template]
    values: dict[str, Any] = {}
    if "pk" in route.kwargs:
        rows = queryset_of(route, method.lower(), user)
        assert rows is not None, template
        pk = first_pk(rows, user) or first_pk(
            queryset_of(route, method.lower(), superuser), superuser
        )
        assert pk is not None, f"{template}: the world holds no {rows.model.__name__}"
        values["id"] = pk
    for name in route.kwargs:
        if name != "pk":
            values[name] = 1
    return values


def summary(failure: Failure) -> str:
    """What failed, where in the schema, in one line each."""
    lines = failure.message.splitlines()
    where = [line.strip() for line in lines if line.startswith(("Schema at", "Validated"))]
    return " | ".join([f"{failure.title}: {lines[0] if lines else ''}", *where])


def conform(
    operation: Any, path: dict[str, Any], headers: dict[str, str], answered: dict[str, set[int]]
) -> None:
    """Draw requests for one operation, send each in a savepoint that is rolled back and check
    the answer; note its status in ``answered``."""

    @CONFORMANCE_SETTINGS
    @given(case=operation.as_strategy(path_parameters=path))
    def attempt(case: Any) -> None:
        with transaction.atomic():
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            transaction.set_rollback(True)
        answered[f"{operation.method.upper()} {operation.path}"].add(response.status_code)

    attempt()


@pytest.mark.slow
@pytest.mark.parametrize("actor", ["superuser", "worker"])
def test_every_operation_answers_as_the_schema_says(
    app: WSGIHandler, world: Personas, actor: str
) -> None:
    """As the superuser (no scope stops them) and as the community worker of 光明社区."""
    user: User = getattr(world, actor)
    headers = token_header(user)
    schema = schemathesis.openapi.from_wsgi("/api/schema/", app, headers=headers)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()  # the schema is valid OpenAPI
        operations.append(result.ok())
    assert len(operations) >= 110  # the whole API, not a part of it

    failures: list[str] = []
    answered: dict[str, set[int]] = defaultdict(set)
    for operation in operations:
        path = path_values(operation.path, operation.method, user, world.superuser)
        try:
            conform(operation, path, headers, answered)
        except FailureGroup as group:  # collected, reported below
            failures.append(f"{operation.method.upper()} {operation.path}:")
            failures.extend(f"  {summary(failure)}" for failure in group.exceptions)
    assert not failures, "\n".join(failures)
    # Not only refusals were checked: many operations answered with their rows (the creates
    # mostly answer 400, their drawn ids naming no row the caller may see).
    succeeded = [name for name, codes in answered.items() if min(codes) < 300]
    assert len(succeeded) >= len(operations) // 2, sorted(set(answered) - set(succeeded))
