"""Password policy beyond Django's validators (DESIGN §6): letters and digits together.

Listed in ``AUTH_PASSWORD_VALIDATORS`` with the length (at least 10), similarity, common
password and all-digits validators. ``services.one_time_password()`` always satisfies it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class LettersAndDigitsValidator:
    """At least one letter and at least one digit (any script's letters count)."""

    def validate(self, password: str, user: Any = None) -> None:
        has_letter = any(character.isalpha() for character in password)
        has_digit = any(character.isdigit() for character in password)
        if not (has_letter and has_digit):
            raise ValidationError(
                _("This password must contain at least one letter and one digit."),
                code="password_needs_letters_and_digits",
            )

    def get_help_text(self) -> str:
        return _("Your password must contain at least one letter and one digit.")
