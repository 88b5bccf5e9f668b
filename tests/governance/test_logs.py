"""Structured logs (governance.logs): one line per request with its id, user, method, path,
status and duration; JSON lines with LOG_FORMAT=json, text otherwise; the fields of the
context on every line logged in it (request id, Celery task)."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Iterator

import pytest
from django.test import Client

from governance.logs import JSONFormatter, TextFormatter, log_context
from tests.conftest import Personas, client_for
from tests.helpers import json_log, lines_of


@pytest.fixture
def formatted() -> Iterator[io.StringIO]:
    yield from json_log()


def request_line(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    (line,) = [r for r in caplog.records if r.name == "governance.request"]
    return line


@pytest.mark.django_db
def test_a_request_is_one_line_with_the_incoming_request_id(
    caplog: pytest.LogCaptureFixture, people: Personas
) -> None:
    caplog.set_level(logging.INFO, logger="governance.request")
    response = client_for(people.worker).get("/petitions/?q=王秀英", HTTP_X_REQUEST_ID="lb-7f3a.42")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "lb-7f3a.42"
    line = request_line(caplog)
    fields = {
        name: getattr(line, name) for name in ("request_id", "user_id", "method", "path", "status")
    }
    assert fields == {
        "request_id": "lb-7f3a.42",
        "user_id": people.worker.pk,
        "method": "GET",
        # The path only: a query string may hold what was searched for.
        "path": "/petitions/",
        "status": 200,
    }
    duration = vars(line)["duration_ms"]
    assert isinstance(duration, float)
    assert duration >= 0
    assert "王秀英" not in line.getMessage()
    output = json.loads(JSONFormatter().format(line))
    assert {name: output[name] for name in fields} == fields
    assert (output["level"], output["logger"]) == ("INFO", "governance.request")
    assert output["message"].startswith("GET /petitions/ 200 ")


@pytest.mark.django_db
@pytest.mark.parametrize("incoming", [None, "", "two words", "x" * 129, 'id\n{"forged": 1}'])
def test_a_missing_or_unfit_request_id_is_replaced(
    caplog: pytest.LogCaptureFixture, incoming: str | None
) -> None:
    caplog.set_level(logging.INFO, logger="governance.request")
    headers = {} if incoming is None else {"X-Request-ID": incoming}
    response = Client().get("/healthz/", headers=headers)
    assert response.status_code == 200
    made = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    line = request_line(caplog)
    assert tuple(vars(line)[name] for name in ("request_id", "user_id", "path", "status")) == (
        made,
        None,
        "/healthz/",
        200,
    )


@pytest.mark.django_db
def test_every_request_gets_its_own_id_and_errors_are_logged_too(
    caplog: pytest.LogCaptureFixture, people: Personas
) -> None:
    caplog.set_level(logging.INFO, logger="governance.request")
    client = client_for(people.volunteer)
    first = client.get("/no-such-page/")
    second = client.get("/petitions/")  # a section volunteers do not use: 403
    assert (first.status_code, second.status_code) == (404, 403)
    assert first["X-Request-ID"] != second["X-Request-ID"]
    lines = [r for r in caplog.records if r.name == "governance.request"]
    assert [
        tuple(vars(r)[name] for name in ("request_id", "status", "user_id")) for r in lines
    ] == [
        (first["X-Request-ID"], 404, people.volunteer.pk),
        (second["X-Request-ID"], 403, people.volunteer.pk),
    ]


@pytest.mark.django_db
def test_lines_logged_while_a_request_is_answered_carry_its_id(
    formatted: io.StringIO, people: Personas
) -> None:
    # A failed login is logged by django-axes inside the request.
    response = Client().post(
        "/accounts/login/",
        {"username": people.worker.username, "password": "wrong-password-1"},
        HTTP_X_REQUEST_ID="req-login-1",
    )
    assert response.status_code == 200
    lines = lines_of(formatted)
    assert len(lines) >= 2
    assert {line["request_id"] for line in lines} == {"req-login-1"}
    assert lines[-1]["logger"] == "governance.request"


def test_context_fields_and_extra_fields_in_json_and_text() -> None:
    record = logging.LogRecord("petitions.sweep", logging.INFO, __file__, 1, "%s", ("x",), None)
    record.petition = "SQ-2026-000001"
    with log_context(task="petitions.tasks.escalate_overdue_task", task_id="t-1"):
        as_json = json.loads(JSONFormatter().format(record))
        as_text = TextFormatter().format(record)
    assert {name: as_json[name] for name in ("message", "task", "task_id", "petition")} == {
        "message": "x",
        "task": "petitions.tasks.escalate_overdue_task",
        "task_id": "t-1",
        "petition": "SQ-2026-000001",
    }
    assert as_text.endswith(
        " INFO petitions.sweep x [task=petitions.tasks.escalate_overdue_task task_id=t-1 "
        "petition=SQ-2026-000001]"
    )
    # Outside the block the context is gone.
    assert "task" not in json.loads(JSONFormatter().format(record))


def test_an_exception_is_part_of_its_json_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "failed", (), exc_info=sys.exc_info()
        )
    line = JSONFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]


@pytest.mark.django_db
def test_djangos_request_extra_never_puts_the_query_string_into_a_line(
    formatted: io.StringIO, people: Personas
) -> None:
    # A 404 is logged by django.request with the request object as an extra.
    response = client_for(people.worker).get("/petitions/999999/?q=13912345678")
    assert response.status_code == 404
    lines = lines_of(formatted)
    warning = [line for line in lines if line["logger"] == "django.request"]
    assert warning, lines
    assert "13912345678" not in formatted.getvalue()
