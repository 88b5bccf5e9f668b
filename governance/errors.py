"""One error hierarchy for the domain, mapped once to HTTP (governance.api) and to page messages.

Services raise these; views and API endpoints never invent their own status codes.
"""

from __future__ import annotations

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
