"""Resident ID numbers (GB 11643) and phone numbers as users type them (DESIGN §9)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.identity import IdentityError, Phone, ResidentId, parse_phone, parse_resident_id

TODAY = dt.date(2026, 11, 23)
DATE_MESSAGE = "The birth date in the ID number is not a real date."
CHECK_MESSAGE = "The check digit of the ID number is wrong."
SHAPE_MESSAGE = "A resident ID number has 18 characters: 17 digits and a check digit or X."
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


pytestmark = pytest.mark.usefixtures("english")


def mod11_2(first17: str) -> str:
    """ISO 7064 MOD 11-2, written out here independently of the code under test."""
    total = sum(int(digit) * (2 ** (17 - position) % 11) for position, digit in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def resident_id(area: str, birth: str, sequence: str) -> str:
    first17 = area + birth + sequence
    return first17 + mod11_2(first17)


@st.composite
def valid_ids(draw: st.DrawFn) -> tuple[str, dt.date, str]:
    area = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    birth = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.integers(min_value=0, max_value=999))
    number = resident_id(area, f"{birth:%Y%m%d}", f"{sequence:03d}")
    return number, birth, "male" if sequence % 2 else "female"


# --- Valid numbers ----------------------------------------------------------------------------


@given(valid_ids())
def test_a_valid_number_parses_with_its_birth_date_and_sex(
    generated: tuple[str, dt.date, str],
) -> None:
    number, birth, sex = generated
    parsed = parse_resident_id(number, today=TODAY)
    assert parsed == ResidentId(number=number, birth_date=birth, sex=sex)
    assert parse_resident_id(parsed.number, today=TODAY) == parsed


@settings(deadline=None)
@given(valid_ids())
def test_any_single_character_change_is_refused(generated: tuple[str, dt.date, str]) -> None:
    number, _birth, _sex = generated
    for position in range(18):
        for character in "0123456789X":
            if character == number[position]:
                continue
            changed = number[:position] + character + number[position + 1 :]
            with pytest.raises(IdentityError):
                parse_resident_id(changed, today=TODAY)


@given(
    valid_ids(),
    st.data(),
)
def test_full_width_digits_lower_case_x_and_separators_normalise(
    generated: tuple[str, dt.date, str], data: st.DataObject
) -> None:
    number, _birth, _sex = generated
    typed = ""
    for character in number:
        if character == "X":
            character = data.draw(st.sampled_from(["X", "x", "Ｘ", "ｘ"]))
        elif data.draw(st.booleans()):
            character = character.translate(FULL_WIDTH)
        typed += character + data.draw(st.sampled_from(["", "", " ", "-", "\u3000", "\t"]))
    assert parse_resident_id(f"  {typed} ", today=TODAY).number == number


@pytest.mark.parametrize(
    "typed",
    [
        "１１０１０１１９９００１０７１２３ｘ",
        "１１０１０１１９９００１０７１２３Ｘ",
        "11010119900107123x",
        "110101 19900107 123X",
        "110101-19900107-123-x",
        "\u3000110101\u300019900107\u3000123X\u3000",
        "\t110101\n19900107123X\n",
    ],
)
def test_typed_variants_of_one_number(typed: str) -> None:
    assert parse_resident_id(typed, today=TODAY) == ResidentId(
        "11010119900107123X", dt.date(1990, 1, 7), "male"
    )


def test_sex_comes_from_the_seventeenth_digit() -> None:
    assert parse_resident_id(resident_id("110101", "19900307", "121"), today=TODAY).sex == "male"
    assert parse_resident_id(resident_id("110101", "19900307", "120"), today=TODAY).sex == "female"
    assert parse_resident_id(resident_id("110101", "19900307", "128"), today=TODAY).sex == "female"


# --- Invalid numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "birth",
    [
        "19990230",  # 30 February
        "20230229",  # not a leap year
        "19000229",  # 1900 was not a leap year
        "19991301",  # month 13
        "19990001",  # month 0
        "19990100",  # day 0
        "19990431",  # 31 April
        "18791231",  # before any living person
    ],
)
def test_an_impossible_birth_date_is_refused_with_the_date_message(birth: str) -> None:
    number = resident_id("110101", birth, "123")  # the check digit is right
    with pytest.raises(IdentityError) as error:
        parse_resident_id(number, today=TODAY)
    assert str(error.value) == DATE_MESSAGE


def test_a_birth_date_after_today_is_refused_with_the_date_message() -> None:
    tomorrow = TODAY + dt.timedelta(days=1)
    with pytest.raises(IdentityError) as error:
        parse_resident_id(resident_id("110101", f"{tomorrow:%Y%m%d}", "123"), today=TODAY)
    assert str(error.value) == DATE_MESSAGE
    today = parse_resident_id(resident_id("110101", f"{TODAY:%Y%m%d}", "123"), today=TODAY)
    assert today.birth_date == TODAY


@time_machine.travel(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC), tick=False)
def test_without_today_the_clock_decides_what_is_future() -> None:
    assert parse_resident_id(resident_id("110101", "20261123", "123")).birth_date == TODAY
    with pytest.raises(IdentityError) as error:
        parse_resident_id(resident_id("110101", "20261124", "123"))
    assert str(error.value) == DATE_MESSAGE


def test_a_wrong_check_digit_is_refused_with_the_check_message() -> None:
    with pytest.raises(IdentityError) as error:
        parse_resident_id("110101199001071230", today=TODAY)
    assert str(error.value) == CHECK_MESSAGE


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "11010119900107123",  # 17 characters
        "11010119900107123X0",  # 19 characters
        "1101011990010712X3",  # X not at the end
        "11010119900107123Y",
        "A1010119900107123X",
        "1101011990010712",  # 16 digits: neither form
        "١١٠١٠١19900107123X",  # Arabic-Indic digits are not ID digits, whatever int() says
        "११०१०११९९००१०७१२३X",  # Devanagari digits
    ],
)
def test_a_malformed_number_is_refused_with_the_shape_message(typed: str) -> None:
    with pytest.raises(IdentityError) as error:
        parse_resident_id(typed, today=TODAY)
    assert str(error.value) == SHAPE_MESSAGE


# --- Legacy 15-digit numbers ---------------------------------------------------------------------


def test_a_legacy_fifteen_digit_number_is_converted() -> None:
    # 110101 900307 123: born 1990-03-07, sequence 123 (odd: a man), no check digit.
    # 18 digits: century 19 inserted, then MOD 11-2 over 11010119900307123 =
    # 1*7+1*9+0*10+1*5+0*8+1*4+1*2+9*1+9*6+0*3+0*7+3*9+0*10+7*5+1*8+2*4+3*2 = 184;
    # 184 mod 11 = 8, and the check character for 8 is "3".
    assert mod11_2("11010119900307123") == "3"
    assert parse_resident_id("110101900307123", today=TODAY) == ResidentId(
        "110101199003071233", dt.date(1990, 3, 7), "male"
    )
    assert parse_resident_id("１１０１０１ ９００３０７ １２４", today=TODAY) == ResidentId(
        "110101199003071241", dt.date(1990, 3, 7), "female"
    )


@given(valid_ids())
def test_every_twentieth_century_number_has_a_legacy_form(
    generated: tuple[str, dt.date, str],
) -> None:
    number, birth, _sex = generated
    if birth.year > 1999:
        return
    legacy = number[:6] + number[8:17]
    assert parse_resident_id(legacy, today=TODAY).number == number


def test_a_legacy_number_with_an_impossible_date_is_refused() -> None:
    with pytest.raises(IdentityError) as error:
        parse_resident_id("110101990230123", today=TODAY)
    assert str(error.value) == DATE_MESSAGE


# --- Phones ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "number", "is_mobile"),
    [
        ("13812345678", "13812345678", True),
        ("138 1234 5678", "13812345678", True),
        ("138-1234-5678", "13812345678", True),
        ("+86 138 1234 5678", "13812345678", True),
        ("+86-138-1234-5678", "13812345678", True),
        ("(+86) 13812345678", "13812345678", True),
        ("0086 13812345678", "13812345678", True),
        ("＋８６ １３８１２３４５６７８", "13812345678", True),
        ("19912345678", "19912345678", True),
        ("010-65123456", "010-65123456", False),
        ("(010) 6512 3456", "010-65123456", False),
        ("010 6512-3456", "010-65123456", False),
        ("+86 10 6512 3456", "010-65123456", False),
        ("021 1234 5678", "021-12345678", False),
        ("0086 21 1234 5678", "021-12345678", False),
        ("0315-2812345", "0315-2812345", False),
        ("0315 281 2345", "0315-2812345", False),
        ("(0315)2812345", "0315-2812345", False),
        ("（０３１５）２８１２３４５", "0315-2812345", False),
        ("+86 315 281 2345", "0315-2812345", False),
        ("0315.281.2345", "0315-2812345", False),
        ("0315-2812345转808", "0315-2812345-808", False),
        ("(0315) 281 2345 转 808", "0315-2812345-808", False),
        ("0315-2812345 ext. 12", "0315-2812345-12", False),
        ("0315-2812345 EXT 12", "0315-2812345-12", False),
        ("0315-2812345x12", "0315-2812345-12", False),
        ("010-65123456 转 123456", "010-65123456-123456", False),
        # The normalised form parses to itself.
        ("0315-2812345-808", "0315-2812345-808", False),
        ("021-12345678-1", "021-12345678-1", False),
    ],
)
def test_phone_normalisation(typed: str, number: str, is_mobile: bool) -> None:
    assert parse_phone(typed) == Phone(number, is_mobile=is_mobile)
    assert parse_phone(number) == Phone(number, is_mobile=is_mobile)


NOT_A_PHONE = "Not a phone number: a mobile has 11 digits starting 13-19, a landline an area code."
DIGITS_ONLY = "A phone number has digits only (with +86, spaces or dashes)."


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12812345678", NOT_A_PHONE),  # no mobile network starts 12
        ("1381234567", NOT_A_PHONE),  # 10 digits
        ("138123456789", NOT_A_PHONE),  # 12 digits
        ("2812345", NOT_A_PHONE),  # no area code
        ("0315-281234", NOT_A_PHONE),  # 6-digit local number
        ("0315-281234567", NOT_A_PHONE),  # 9-digit local number
        ("0015-2812345", NOT_A_PHONE),  # no area code starts 00
        ("13812345678转8", NOT_A_PHONE),  # a mobile has no extension
        ("+1 650 253 0000", DIGITS_ONLY),  # only +86 is understood
        ("0315-2812345-1234567", NOT_A_PHONE),  # an extension of 7 digits after a dash
        ("abc", DIGITS_ONLY),
        ("138-1234-567a", DIGITS_ONLY),
        ("138١٢٣٤5678", DIGITS_ONLY),  # Arabic-Indic digits
        ("0315-2812345转1234567", "An extension has 1 to 6 digits."),
    ],
)
def test_a_bad_phone_is_refused_with_a_message(typed: str, message: str) -> None:
    with pytest.raises(IdentityError) as error:
        parse_phone(typed)
    assert str(error.value) == message


@given(
    st.sampled_from(["13", "14", "15", "16", "17", "18", "19"]),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
    st.sampled_from(["", "+86", "0086", "+86 ", "(+86)"]),
    st.sampled_from(["", " ", "-"]),
)
def test_every_mobile_number_normalises_to_its_eleven_digits(
    prefix: str, rest: str, country: str, separator: str
) -> None:
    number = prefix + rest
    typed = country + separator.join([number[:3], number[3:7], number[7:]])
    assert parse_phone(typed) == Phone(number, is_mobile=True)
