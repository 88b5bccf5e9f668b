"""Shared API plumbing: the error mapping (STYLE 5) and pagination."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from governance.errors import ApplicationError

# Dates a client may send: a calendar of this era. A year 1 or 9999 would overflow when Django
# or the database converts it to UTC, which must be a 400, never a 500.
EARLIEST_DAY = dt.date(1900, 1, 1)
LATEST_DAY = dt.date(2099, 12, 31)
OUT_OF_RANGE = _("Give a date between %(earliest)s and %(latest)s.")
OVERFLOW = _("A date or number is out of range.")


class DayField(serializers.DateField):
    """A date between ``earliest`` and ``latest`` (1900–2099 unless narrowed)."""

    default_error_messages = {"range": OUT_OF_RANGE}

    def __init__(
        self, *, earliest: dt.date = EARLIEST_DAY, latest: dt.date = LATEST_DAY, **kwargs: Any
    ) -> None:
        self.earliest, self.latest = earliest, latest
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> dt.date:
        day = super().to_internal_value(value)
        if not self.earliest <= day <= self.latest:
            self.fail("range", earliest=self.earliest.year, latest=self.latest.year)
        return day


class MomentField(serializers.DateTimeField):
    """A date and time between ``earliest`` and ``latest`` (local time when no offset is
    given)."""

    default_error_messages = {"range": OUT_OF_RANGE}

    def __init__(
        self, *, earliest: dt.date = EARLIEST_DAY, latest: dt.date = LATEST_DAY, **kwargs: Any
    ) -> None:
        self.earliest, self.latest = earliest, latest
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> dt.datetime:
        try:
            moment = super().to_internal_value(value)
        except OverflowError:  # DRF converts year 1 or 9999 to UTC to check the zone
            self.fail("range", earliest=self.earliest.year, latest=self.latest.year)
        if not self.earliest <= moment.date() <= self.latest:
            self.fail("range", earliest=self.earliest.year, latest=self.latest.year)
        return moment


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def _django_validation_detail(error: DjangoValidationError) -> Any:
    if hasattr(error, "error_dict"):
        return {
            field: [str(m) for e in errors for m in e.messages]
            for field, errors in error.error_dict.items()
        }
    return {"detail": [str(m) for m in error.messages]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map domain errors to HTTP once: 400 fields, 403 not allowed, 404 out of scope, 409 state."""
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"detail": str(exc.message)}
        body.update({field: [str(m) for m in messages] for field, messages in exc.fields.items()})
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        return Response(_django_validation_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, OverflowError):
        # A value that slipped past a field's range check (a date converted to UTC, a number
        # too large for the database): the client's input, so a 400.
        return Response({"detail": str(OVERFLOW)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
