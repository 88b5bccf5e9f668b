"""Personal data at rest: encryption, keyed search hashes and display masks (DESIGN §6).

* Values are encrypted with SM4-GCM (the national algorithm 密评 reviews ask for) or
  AES-256-GCM (``PII_CIPHER``). A sealed value reads ``v1$<key id>$<cipher>$<base64>``: the
  key id and cipher travel with each value, so keys rotate and the default cipher can change
  without touching old rows (``manage.py rotate_pii_keys`` re-encrypts them).
* Each key id names 32 bytes of key material; the cipher key is derived from it with HKDF
  (info = the cipher name), so one key never serves two algorithms.
* Values are found by a keyed hash (HMAC-SM3 over the normalised value), never by decrypting.
* Masks: name ``张*``, ID ``110101********123X``, mobile ``138****5678``.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

SM4_GCM = "sm4-gcm"
AES_256_GCM = "aes-256-gcm"
CIPHERS = (SM4_GCM, AES_256_GCM)
NONCE_BYTES = 12
TAG_BYTES = 16


class PIIError(Exception):
    """A sealed value cannot be opened (unknown key id, tampered data, bad format)."""


@dataclass(frozen=True)
class KeyRing:
    keys: dict[str, bytes]  # key id -> 32 bytes of key material
    active: str
    cipher: str
    hmac_key: bytes


def key_ring() -> KeyRing:
    return _key_ring(
        tuple(sorted(settings.PII_KEYS.items())),
        settings.PII_ACTIVE_KEY,
        settings.PII_CIPHER,
        settings.PII_HMAC_KEY,
    )


@cache
def _key_ring(
    keys: tuple[tuple[str, str], ...], active: str, cipher: str, hmac_key: str
) -> KeyRing:
    material = {key_id: base64.b64decode(value) for key_id, value in keys}
    if active not in material:
        raise PIIError(f"PII_ACTIVE_KEY {active!r} is not among PII_KEYS")
    if cipher not in CIPHERS:
        raise PIIError(f"PII_CIPHER must be one of {CIPHERS}")
    if any(len(value) != 32 for value in material.values()):
        raise PIIError("Every PII key must be 32 bytes (base64-encoded)")
    return KeyRing(material, active, cipher, base64.b64decode(hmac_key))


@cache
def _derived_key(material: bytes, cipher: str) -> bytes:
    length = 16 if cipher == SM4_GCM else 32
    return HKDF(hashes.SHA256(), length, salt=None, info=cipher.encode()).derive(material)


def _algorithm(cipher: str, key: bytes) -> algorithms.SM4 | algorithms.AES:
    return algorithms.SM4(key) if cipher == SM4_GCM else algorithms.AES(key)


def encrypt(plaintext: str, *, key_id: str | None = None, cipher: str | None = None) -> str:
    """Seal ``plaintext`` with the active key and cipher (or the given ones)."""
    ring = key_ring()
    key_id = key_id or ring.active
    cipher = cipher or ring.cipher
    if key_id not in ring.keys or cipher not in CIPHERS:
        raise PIIError(f"cannot seal with key {key_id!r} / {cipher!r}")
    key = _derived_key(ring.keys[key_id], cipher)
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(_algorithm(cipher, key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(f"v1${key_id}${cipher}".encode())
    body = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize()
    token = base64.b64encode(nonce + body + encryptor.tag).decode("ascii")
    return f"v1${key_id}${cipher}${token}"


def _split(sealed: str) -> tuple[str, str, str]:
    """Key id, cipher and token of a sealed value; ``PIIError`` when it is not one."""
    parts = (sealed or "").split("$", 3)
    if len(parts) != 4 or parts[0] != "v1" or parts[2] not in CIPHERS:
        raise PIIError("not a sealed value")
    return parts[1], parts[2], parts[3]


def decrypt(sealed: str) -> str:
    key_id, cipher, token = _split(sealed)
    ring = key_ring()
    if key_id not in ring.keys:
        raise PIIError(f"cannot open a value sealed with key {key_id!r} / {cipher!r}")
    try:
        raw = base64.b64decode(token, validate=True)
    except ValueError as error:  # binascii.Error
        raise PIIError("the sealed value was tampered with") from error
    # b64decode ignores the unused low bits of the last character, so several tokens decode to
    # the same bytes: accept only the canonical one, then every changed character is refused.
    if len(raw) < NONCE_BYTES + TAG_BYTES or base64.b64encode(raw).decode("ascii") != token:
        raise PIIError("the sealed value was tampered with")
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    key = _derived_key(ring.keys[key_id], cipher)
    decryptor = Cipher(_algorithm(cipher, key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(f"v1${key_id}${cipher}".encode())
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")
    except InvalidTag as error:
        raise PIIError("the sealed value was tampered with or the key is wrong") from error


def sealed_key_id(sealed: str) -> str:
    return sealed.split("$", 2)[1] if sealed else ""


def needs_rotation(sealed: str) -> bool:
    """True when the value was sealed with a key or cipher other than the active ones."""
    if not sealed:
        return False
    ring = key_ring()
    key_id, cipher, _token = _split(sealed)
    return key_id != ring.active or cipher != ring.cipher


def blind_index(value: str, *, purpose: str) -> str:
    """HMAC-SM3 of the normalised value, for exact-match search without decrypting.

    ``purpose`` separates the hash spaces (an ID number and a phone never collide).
    """
    mac = hmac.HMAC(key_ring().hmac_key, hashes.SM3())
    mac.update(f"{purpose}:{value}".encode())
    return mac.finalize().hex()


# --- Masks ---------------------------------------------------------------------------------


# Two-character surnames (复姓): the mask keeps the whole surname, ``欧阳**``.
_COMPOUND_SURNAMES_TEXT = (
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 司空 夏侯 轩辕 "
    "端木 独孤 南宫 西门 万俟 闻人 澹台 公冶 太史 申屠 钟离 呼延 百里 东郭 赫连 拓跋"
)
COMPOUND_SURNAMES = frozenset(_COMPOUND_SURNAMES_TEXT.split())


def mask_name(name: str) -> str:
    """The surname, then a star for each character of the given name: ``张*``, ``欧阳**``."""
    name = (name or "").strip()
    if not name:
        return ""
    surname = 2 if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else 1
    return name[:surname] + "*" * max(1, len(name) - surname)


def mask_middle(head: str, tail: str, total_length: int) -> str:
    """``head`` + stars + ``tail``, as long as the original."""
    stars = max(0, total_length - len(head) - len(tail))
    return f"{head}{'*' * stars}{tail}"


def generate_key() -> str:
    """Fresh base64 key material for PII_KEYS / PII_HMAC_KEY."""
    return base64.b64encode(os.urandom(32)).decode("ascii")
