"""Identity documents and phone numbers as Chinese users write them (DESIGN §9).

Resident ID numbers (居民身份证号码, GB 11643-1999): 17 digits + a check character; the
first 6 are the registration area, then the birth date (YYYYMMDD), a sequence whose last digit
is odd for men and even for women, and the ISO 7064 MOD 11-2 check character (0-9 or X).
Input is normalised first: NFKC (full-width digits from Chinese IMEs), spaces and dashes
removed, ``x`` upper-cased. Legacy 15-digit numbers (YYMMDD, no check character) are converted.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"


class IdentityError(ValueError):
    """The input is not a valid number; ``str(error)`` is the message for the user."""


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    sex: str  # "male" or "female"


def normalise(value: str) -> str:
    """NFKC, no whitespace or separators, upper case (full-width ｘ becomes X)."""
    text = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"[\s\-_.]", "", text).upper()


def check_character(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def _birth_date(text: str) -> dt.date:
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError as error:
        raise IdentityError(_("The birth date in the ID number is not a real date.")) from error


def parse_resident_id(value: str, *, today: dt.date | None = None) -> ResidentId:
    """Validate and normalise a resident ID number; convert a legacy 15-digit one."""
    number = normalise(value)
    # ASCII digits only: ``\d`` would also take Arabic-Indic or Devanagari digits, which NFKC
    # leaves alone and ``int()`` accepts, so they would pass the check and be stored as is.
    if re.fullmatch(r"[0-9]{15}", number):
        number = number[:6] + "19" + number[6:]
        number += check_character(number)
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise IdentityError(
            _("A resident ID number has 18 characters: 17 digits and a check digit or X.")
        )
    birth = _birth_date(number[6:14])
    today = today or dt.date.today()  # noqa: DTZ011 - a calendar date, not an instant
    if birth > today or birth.year < 1880:
        raise IdentityError(_("The birth date in the ID number is not a real date."))
    if check_character(number[:17]) != number[17]:
        raise IdentityError(_("The check digit of the ID number is wrong."))
    sex = "male" if int(number[16]) % 2 == 1 else "female"
    return ResidentId(number=number, birth_date=birth, sex=sex)


def normalise_document_number(value: str) -> str:
    """Other document types (passport, residence permits): NFKC, no spaces, upper case."""
    number = normalise(value)
    if not re.fullmatch(r"[0-9A-Z]{5,30}", number, flags=re.ASCII):
        raise IdentityError(_("A document number has 5 to 30 letters and digits."))
    return number


@dataclass(frozen=True)
class Phone:
    number: str  # normalised: 13812345678, or 0315-2812345, or 0315-2812345-808
    is_mobile: bool


def parse_phone(value: str) -> Phone:
    """Mobile ``1[3-9]`` + 9 digits, or a landline with area code and optional extension.

    Accepts +86/0086 (also before a landline's area code without its 0: ``+86 10 6512 3456``),
    spaces, dashes, dots and brackets: ``+86 138-1234-5678``, ``(0315) 281 2345 转 808``, and the
    normalised form itself (``0315-2812345-808``), so a normalised number parses to itself.
    """
    text = unicodedata.normalize("NFKC", value or "").strip()
    text = re.sub(r"(转|ext\.?|x)\s*([0-9]+)$", r"#\2", text, flags=re.IGNORECASE)
    extension = ""
    if "#" in text:
        text, extension = text.split("#", 1)
    digits = _phone_digits(text)
    if not extension and _landline(digits) is None and not _is_mobile(digits):
        # The normalised form writes the extension after a last dash: 0315-2812345-808.
        match = re.fullmatch(r"(.*[0-9])\s*-\s*([0-9]{1,6})", text)
        if match and _landline(_phone_digits(match.group(1))) is not None:
            digits, extension = _phone_digits(match.group(1)), match.group(2)
    if _is_mobile(digits) and not extension:
        return Phone(digits, is_mobile=True)
    landline = _landline(digits)
    if landline is None:
        raise IdentityError(
            _("Not a phone number: a mobile has 11 digits starting 13-19, a landline an area code.")
        )
    number = landline
    if extension:
        if not re.fullmatch(r"[0-9]{1,6}", extension):
            raise IdentityError(_("An extension has 1 to 6 digits."))
        number += f"-{extension}"
    return Phone(number, is_mobile=False)


def _phone_digits(text: str) -> str:
    """The digits of a phone number without separators and international prefix."""
    digits = re.sub(r"[\s\-().]", "", text)
    international = False
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits, international = digits[len(prefix) :], True
            break
    if not re.fullmatch(r"[0-9]+", digits):
        raise IdentityError(_("A phone number has digits only (with +86, spaces or dashes)."))
    if international and not digits.startswith("0") and not _is_mobile(digits):
        # International form drops the trunk 0 of the area code: +86 10 6512 3456.
        digits = "0" + digits
    return digits


def _is_mobile(digits: str) -> bool:
    return re.fullmatch(r"1[3-9][0-9]{9}", digits) is not None


def _landline(digits: str) -> str | None:
    """``0315-2812345`` for an area code and a 7–8 digit local number; None otherwise."""
    match = re.fullmatch(r"(010|02[0-9]|0[3-9][0-9]{2})([0-9]{7,8})", digits)
    return f"{match.group(1)}-{match.group(2)}" if match else None
