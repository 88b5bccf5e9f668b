"""One error hierarchy for the domain, mapped once to HTTP (governance.api) and to page messages.

Services raise these; views and API endpoints never invent their own status codes.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http.multipartparser import MultiPartParserError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """Base of every expected, client-visible error. ``message`` is shown to the user."""

    default_message = _("The request could not be carried out.")
    status_code = 400

    def __init__(self, message: object = None, *, fields: dict[str, list[str]] | None = None):
        self.message = message if message is not None else self.default_message
        self.fields = fields or {}
        super().__init__(str(self.message))


class ValidationFailed(ApplicationError):
    """Input is well-formed but breaks a domain rule (HTTP 400, with field messages)."""


class InvalidTransition(ApplicationError):
    """The object is not in a state that allows this action (HTTP 409)."""

    default_message = _("This action is not allowed in the current state.")
    status_code = 409


class ConcurrentUpdate(ApplicationError):
    """Someone else changed the object first: reload and try again (HTTP 409)."""

    default_message = _("The record was changed by someone else. Reload and try again.")
    status_code = 409


class OutOfScope(ApplicationError):
    """The object is outside the user's data scope: for them it does not exist (HTTP 404)."""

    default_message = _("Not found.")
    status_code = 404


class NotAllowed(ApplicationError):
    """The object is in scope but the user's role may not take this action (HTTP 403)."""

    default_message = _("Your role may not take this action.")
    status_code = 403


class TooManyRequests(ApplicationError):
    """A limit on how often one may act was reached (HTTP 429): a locked login, a burst of
    reveals or exports. The message says how long to wait."""

    default_message = _("Too many requests. Try again later.")
    status_code = 429


def bad_request_message(exception: Exception | None) -> str:
    """What a client is told when a request cannot be read at all (Django refuses it before a
    form or serializer sees a field): the API's ``detail`` and the message of the 400 page."""
    if isinstance(exception, RequestDataTooBig):
        return gettext("The request is too large: at most %(size)s besides uploaded files.") % {
            "size": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        }
    if isinstance(exception, TooManyFieldsSent):
        return gettext("The request has too many fields: at most %(count)d.") % {
            "count": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        }
    if isinstance(exception, TooManyFilesSent):
        return gettext("The request has too many files: at most %(count)d.") % {
            "count": settings.DATA_UPLOAD_MAX_NUMBER_FILES
        }
    if isinstance(exception, MultiPartParserError):
        return gettext("The uploaded form could not be read (malformed multipart data).")
    return gettext("The request could not be read.")
