"""Personal data at rest: sealing, key rotation, keyed search hashes, masks (DESIGN §6)."""

from __future__ import annotations

import base64
import io
import re

import pytest
from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from governance import pii
from orgchart import selectors, services
from orgchart.models import Person
from tests.conftest import Personas, Tree

KEY_A = base64.b64encode(b"A" * 32).decode()
KEY_B = base64.b64encode(b"B" * 32).decode()
ID_NUMBER = "11010119900107123X"
FULL_WIDTH_ID = "１１０１０１１９９００１０７１２３ｘ"
MOBILE = "13812345678"
LANDLINE = "0315-2812345-808"
BASE64_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


# --- Sealing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("cipher", [pii.SM4_GCM, pii.AES_256_GCM])
@pytest.mark.parametrize("plaintext", [ID_NUMBER, MOBILE, "", "张三 欧阳娜娜 ✓", "x" * 1000])
def test_round_trip_with_both_ciphers(cipher: str, plaintext: str) -> None:
    with override_settings(PII_CIPHER=cipher):
        sealed = pii.encrypt(plaintext)
        assert sealed.split("$")[:3] == ["v1", settings.PII_ACTIVE_KEY, cipher]
        assert pii.decrypt(sealed) == plaintext
    # The cipher travels with the value: it opens whatever the default cipher is now.
    other = pii.AES_256_GCM if cipher == pii.SM4_GCM else pii.SM4_GCM
    with override_settings(PII_CIPHER=other):
        assert pii.decrypt(sealed) == plaintext


def test_the_sealed_value_names_its_key_and_cipher() -> None:
    with override_settings(PII_KEYS={"A": KEY_A, "B": KEY_B}, PII_ACTIVE_KEY="B"):
        sealed = pii.encrypt(ID_NUMBER, cipher=pii.AES_256_GCM)
        assert sealed.startswith("v1$B$aes-256-gcm$")
        assert pii.sealed_key_id(sealed) == "B"
        assert ID_NUMBER not in sealed
        explicit = pii.encrypt(ID_NUMBER, key_id="A", cipher=pii.SM4_GCM)
        assert explicit.startswith("v1$A$sm4-gcm$")
        assert pii.decrypt(explicit) == ID_NUMBER


def test_two_seals_of_one_value_differ() -> None:
    first, second = pii.encrypt(ID_NUMBER), pii.encrypt(ID_NUMBER)
    assert first != second  # a fresh random nonce each time
    assert pii.decrypt(first) == pii.decrypt(second) == ID_NUMBER


@pytest.mark.parametrize("cipher", [pii.SM4_GCM, pii.AES_256_GCM])
def test_any_changed_character_of_a_sealed_value_is_refused(cipher: str) -> None:
    sealed = pii.encrypt(ID_NUMBER, cipher=cipher)
    for position, original in enumerate(sealed):
        for replacement in BASE64_CHARACTERS + "=$-":
            if replacement == original:
                continue
            tampered = sealed[:position] + replacement + sealed[position + 1 :]
            with pytest.raises(pii.PIIError):
                pii.decrypt(tampered)


@pytest.mark.parametrize("cipher", [pii.SM4_GCM, pii.AES_256_GCM])
def test_any_changed_bit_of_the_token_is_refused(cipher: str) -> None:
    sealed = pii.encrypt(MOBILE, cipher=cipher)
    header, token = sealed.rsplit("$", 1)
    raw = base64.b64decode(token)
    for position in range(len(raw)):
        for bit in range(8):
            flipped = bytearray(raw)
            flipped[position] ^= 1 << bit
            with pytest.raises(pii.PIIError):
                pii.decrypt(f"{header}${base64.b64encode(bytes(flipped)).decode()}")


@pytest.mark.parametrize(
    "broken",
    [
        "",
        "13812345678",
        "v1$test1$sm4-gcm",
        "v2$test1$sm4-gcm$AAAA",
        "v1$test1$des-cbc$AAAA",
        "v1$test1$sm4-gcm$",
        "v1$test1$sm4-gcm$AAAA",  # shorter than nonce and tag
        "v1$test1$sm4-gcm$not base64!",
    ],
)
def test_a_malformed_sealed_value_is_refused(broken: str) -> None:
    with pytest.raises(pii.PIIError):
        pii.decrypt(broken)


def test_tokens_cut_short_or_extended_are_refused() -> None:
    sealed = pii.encrypt(ID_NUMBER)
    for tampered in (sealed[:-1], sealed[:-4], sealed + "A", sealed + "AAAA", sealed + "="):
        with pytest.raises(pii.PIIError):
            pii.decrypt(tampered)


def test_a_value_sealed_with_an_unknown_key_is_refused() -> None:
    with override_settings(PII_KEYS={"A": KEY_A, "B": KEY_B}, PII_ACTIVE_KEY="B"):
        sealed_with_b = pii.encrypt(ID_NUMBER)
    with override_settings(PII_KEYS={"A": KEY_A}, PII_ACTIVE_KEY="A"):
        with pytest.raises(pii.PIIError):
            pii.decrypt(sealed_with_b)
        with pytest.raises(pii.PIIError):
            pii.encrypt(ID_NUMBER, key_id="B")
        # Relabelling the value with a known key id does not open it either (the key id and
        # cipher are authenticated with the value).
        with pytest.raises(pii.PIIError):
            pii.decrypt(sealed_with_b.replace("$B$", "$A$", 1))


def test_the_same_key_id_with_other_material_cannot_open_old_values() -> None:
    with override_settings(PII_KEYS={"A": KEY_A}, PII_ACTIVE_KEY="A"):
        sealed = pii.encrypt(ID_NUMBER)
    with override_settings(PII_KEYS={"A": KEY_B}, PII_ACTIVE_KEY="A"), pytest.raises(pii.PIIError):
        pii.decrypt(sealed)


def test_needs_rotation_follows_the_active_key_and_cipher() -> None:
    with override_settings(PII_KEYS={"A": KEY_A, "B": KEY_B}, PII_ACTIVE_KEY="A"):
        sealed = pii.encrypt(MOBILE, cipher=pii.SM4_GCM)
        with override_settings(PII_CIPHER=pii.SM4_GCM):
            assert pii.needs_rotation(sealed) is False
            assert pii.needs_rotation("") is False
        with override_settings(PII_CIPHER=pii.AES_256_GCM):
            assert pii.needs_rotation(sealed) is True
        with override_settings(PII_ACTIVE_KEY="B", PII_CIPHER=pii.SM4_GCM):
            assert pii.needs_rotation(sealed) is True


# --- Key rotation end to end --------------------------------------------------------------------


def sealed_values() -> list[tuple[int, str, str]]:
    return [
        (person_id, field, value)
        for person_id, *values in Person.objects.order_by("pk").values_list(
            "pk", "document_number_encrypted", "mobile_encrypted", "landline_encrypted"
        )
        for field, value in zip(("document_number", "mobile", "landline"), values, strict=True)
        if value
    ]


def test_key_rotation_end_to_end(tree: Tree) -> None:
    people = [
        (ID_NUMBER, MOBILE, LANDLINE),
        ("110101199003071233", "13987654321", ""),
        ("110101199003071241", "", "010-65123456"),
    ]
    with override_settings(PII_KEYS={"A": KEY_A}, PII_ACTIVE_KEY="A", PII_CIPHER=pii.SM4_GCM):
        for index, (number, mobile, landline) in enumerate(people):
            services.person_register(
                actor=None,
                unit=tree.building_1,
                name=f"居民{index}",
                document_number=number,
                mobile=mobile,
                landline=landline,
            )
        services.person_register(actor=None, unit=tree.building_1, name="无证件")
        before = {(pk, field): pii.decrypt(value) for pk, field, value in sealed_values()}
    assert len(before) == 7
    assert all(value.startswith("v1$A$sm4-gcm$") for _pk, _field, value in sealed_values())
    hashes_before = list(Person.objects.order_by("pk").values_list("document_number_hash"))

    rotated = {"PII_KEYS": {"A": KEY_A, "B": KEY_B}, "PII_ACTIVE_KEY": "B"}
    with override_settings(**rotated, PII_CIPHER=pii.AES_256_GCM):
        out = io.StringIO()
        call_command("rotate_pii_keys", stdout=out)
        assert out.getvalue() == "Re-sealed 3 people with key 'B' and cipher aes-256-gcm.\n"
        assert all(value.startswith("v1$B$aes-256-gcm$") for _pk, _f, value in sealed_values())
        assert {(pk, f): pii.decrypt(value) for pk, f, value in sealed_values()} == before

        again = io.StringIO()
        call_command("rotate_pii_keys", stdout=again)
        assert again.getvalue() == "Re-sealed 0 people with key 'B' and cipher aes-256-gcm.\n"

    # The old key is gone: everything still opens, and is still found by its keyed hash.
    with override_settings(PII_KEYS={"B": KEY_B}, PII_ACTIVE_KEY="B", PII_CIPHER=pii.AES_256_GCM):
        assert {(pk, f): pii.decrypt(value) for pk, f, value in sealed_values()} == before
        found = selectors.person_find_by_document(
            document_type=Person.DocumentType.RESIDENT_ID, document_number=FULL_WIDTH_ID
        )
        assert found is not None
        assert found.name == "居民0"
    assert list(Person.objects.order_by("pk").values_list("document_number_hash")) == hashes_before


def test_rotation_refuses_clearly_when_a_key_in_use_is_missing(tree: Tree) -> None:
    with override_settings(PII_KEYS={"A": KEY_A}, PII_ACTIVE_KEY="A"):
        services.person_register(
            actor=None, unit=tree.building_1, name="张三", document_number=ID_NUMBER
        )
    before = sealed_values()
    with (
        override_settings(PII_KEYS={"B": KEY_B}, PII_ACTIVE_KEY="B"),
        pytest.raises(CommandError, match="Every key id still in use must stay in PII_KEYS"),
    ):
        call_command("rotate_pii_keys", stdout=io.StringIO())
    assert sealed_values() == before


# --- Blind index ------------------------------------------------------------------------------


def hmac_sm3_by_hand(key: bytes, message: bytes) -> bytes:
    """RFC 2104 over SM3 (64-byte blocks), built from the bare hash."""

    def sm3(data: bytes) -> bytes:
        digest = hashes.Hash(hashes.SM3())
        digest.update(data)
        return digest.finalize()

    key = key.ljust(64, b"\0")
    inner = sm3(bytes(byte ^ 0x36 for byte in key) + message)
    return sm3(bytes(byte ^ 0x5C for byte in key) + inner)


def test_sm3_itself_matches_the_standard_test_vector() -> None:
    digest = hashes.Hash(hashes.SM3())
    digest.update(b"abc")  # GB/T 32905-2016, example 1
    assert digest.finalize().hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )


def test_blind_index_is_hmac_sm3_of_purpose_and_value() -> None:
    key = base64.b64decode(settings.PII_HMAC_KEY)
    message = f"document:resident_id:{ID_NUMBER}".encode()
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(message)
    expected = mac.finalize().hex()
    assert hmac_sm3_by_hand(key, message).hex() == expected
    assert pii.blind_index(ID_NUMBER, purpose="document:resident_id") == expected
    assert re.fullmatch(r"[0-9a-f]{64}", expected)


def test_blind_index_is_stable_and_separated_by_purpose_and_key() -> None:
    first = pii.blind_index(MOBILE, purpose="phone")
    assert pii.blind_index(MOBILE, purpose="phone") == first
    assert pii.blind_index(MOBILE, purpose="document:passport") != first
    assert pii.blind_index("13812345679", purpose="phone") != first
    with override_settings(PII_HMAC_KEY=KEY_A):
        assert pii.blind_index(MOBILE, purpose="phone") != first


# --- Masks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("王小明", "王**"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳锋", "欧阳*"),
        ("司马相如", "司马**"),
        ("诸葛亮", "诸葛*"),
        ("欧阳", "欧*"),  # a name that is only a compound surname keeps one character
        (" 李 ", "李*"),
        ("", ""),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert pii.mask_name(name) == masked


def test_mask_id_and_phone() -> None:
    assert pii.mask_middle("110101", "123X", 18) == "110101********123X"
    assert pii.mask_middle("138", "5678", 11) == "138****5678"


def test_a_registered_person_shows_only_masks(tree: Tree) -> None:
    person = services.person_register(
        actor=None,
        unit=tree.building_1,
        name="欧阳娜娜",
        document_number=FULL_WIDTH_ID,
        mobile="+86 138-1234-5678",
        landline="(0315) 281 2345 转 808",
    ).person
    assert (str(person), person.masked_name) == ("欧阳**", "欧阳**")
    assert person.masked_document_number == "110101********123X"
    assert person.masked_mobile == "138****5678"
    # Area code and the last 4 of the 7-digit local number; the extension is not shown.
    assert person.masked_landline == "0315-***2345"


# --- Search by keyed hash, nothing in plain text --------------------------------------------------


def test_search_by_keyed_hash(tree: Tree, people: Personas) -> None:
    person = services.person_register(
        actor=None,
        unit=tree.building_1,
        name="张三",
        document_number=ID_NUMBER,
        mobile=MOBILE,
    ).person
    services.person_register(
        actor=None, unit=tree.xinhua, name="李四", document_number="110101199003071233"
    )
    found = selectors.person_find_by_document(
        document_type=Person.DocumentType.RESIDENT_ID, document_number=FULL_WIDTH_ID
    )
    assert found == person
    assert (
        selectors.person_find_by_document(
            document_type=Person.DocumentType.RESIDENT_ID, document_number="110101199001071231"
        )
        is None
    )
    for query in (
        FULL_WIDTH_ID,
        ID_NUMBER.lower(),
        "110101 19900107 123X",
        "１３８ １２３４ ５６７８",
    ):
        assert list(selectors.person_list_visible(user=people.worker, query=query)) == [person]
    # Known elsewhere is not found here: 李四 is registered in another community.
    assert list(selectors.person_list_visible(user=people.worker, query="110101199003071233")) == []
    assert list(selectors.person_list_visible(user=people.other_worker, query=ID_NUMBER)) == []


def test_the_database_never_holds_the_plaintext(tree: Tree, people: Personas) -> None:
    person = services.person_register(
        actor=people.worker,
        unit=tree.building_1,
        name="张三",
        document_number=FULL_WIDTH_ID,
        mobile=MOBILE,
        landline=LANDLINE,
    ).person
    services.person_update(actor=people.worker, person=person, mobile="13987654321")
    assert services.person_reveal(actor=people.worker, person=person, field="document_number") == (
        ID_NUMBER
    )
    secrets = [ID_NUMBER, ID_NUMBER.lower(), MOBILE, "13987654321", "2812345", "110101199001"]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                    for secret in secrets:
                        assert secret not in text, (table, secret)
