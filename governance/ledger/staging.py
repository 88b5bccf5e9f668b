"""Staged uploads of the ledger import: the file waits server-side between the dry-run
preview and the confirmation, so the user does not upload it twice.

``LEDGER_IMPORT_DIR/<token>/`` holds the upload and ``meta.json`` (ledger, owner, file name,
expiry, and the result once imported), readable by the server's user only. The token is random
(122 bits), works only for the account that uploaded the file and that ledger (anyone else:
"missing", a 404), and expires after ``STAGE_TTL``; the owner is told it expired for a day
more, then ``sweep_staged_uploads`` (run at each new upload) deletes it. After the import the
file is deleted and only the result kept. Several web hosts must share the directory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

STAGE_TTL = dt.timedelta(hours=1)
STAGE_KEEP_AFTER_EXPIRY = dt.timedelta(days=1)  # the owner is told "expired" instead of 404
TOKEN_PATTERN = re.compile(r"[0-9a-f]{32}")


class StagedUploadMissing(Exception):
    """No such upload for this user and ledger (or a malformed token): 404."""


class StagedUploadExpired(Exception):
    """The owner's upload expired: upload again."""


@dataclass
class StagedUpload:
    token: str
    ledger: str
    owner_id: int
    file_name: str
    size: int
    created_at: float
    expires_at: float
    result: dict[str, int] | None = None

    @property
    def directory(self) -> Path:
        return _stage_root() / self.token

    def read(self) -> bytes:
        try:
            return (self.directory / "upload").read_bytes()
        except OSError as error:
            raise StagedUploadMissing() from error

    def _save(self) -> None:
        meta = {
            "ledger": self.ledger,
            "owner_id": self.owner_id,
            "file_name": self.file_name,
            "size": self.size,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "result": self.result,
        }
        _write_private(self.directory / "meta.json", json.dumps(meta).encode("utf-8"))


def _stage_root() -> Path:
    return Path(getattr(settings, "LEDGER_IMPORT_DIR", Path(settings.VAR_DIR) / "imports"))


def _write_private(path: Path, data: bytes) -> None:
    """Write readable by the owner only, atomically (a reader never sees half a file)."""
    partial = path.with_name(path.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    partial.replace(path)


def stage_upload(
    *, data: bytes, ledger: str, owner_id: int, file_name: str, now: float | None = None
) -> StagedUpload:
    """Keep an upload for its owner until they confirm the import (or it expires)."""
    now = time.time() if now is None else now
    sweep_staged_uploads(now=now)
    staged = StagedUpload(
        token=uuid.uuid4().hex,
        ledger=ledger,
        owner_id=owner_id,
        file_name=file_name[:200],
        size=len(data),
        created_at=now,
        expires_at=now + STAGE_TTL.total_seconds(),
    )
    staged.directory.mkdir(mode=0o700, parents=True)
    _write_private(staged.directory / "upload", data)
    staged._save()
    return staged


def staged_upload(
    *, token: str, ledger: str, owner_id: int, now: float | None = None
) -> StagedUpload:
    """The owner's staged upload for ``ledger``. Someone else's token, a token of another
    ledger, a malformed or unknown one: ``StagedUploadMissing`` (404, nothing told)."""
    if not TOKEN_PATTERN.fullmatch(token or ""):
        raise StagedUploadMissing()
    try:
        meta = json.loads((_stage_root() / token / "meta.json").read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise StagedUploadMissing() from error
    if meta.get("ledger") != ledger or meta.get("owner_id") != owner_id:
        raise StagedUploadMissing()
    try:
        staged = StagedUpload(
            token=token,
            ledger=meta["ledger"],
            owner_id=meta["owner_id"],
            file_name=str(meta["file_name"]),
            size=int(meta["size"]),
            created_at=float(meta["created_at"]),
            expires_at=float(meta["expires_at"]),
            result=meta.get("result"),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise StagedUploadMissing() from error
    now = time.time() if now is None else now
    if staged.result is None and now > staged.expires_at:
        raise StagedUploadExpired()
    return staged


def staged_upload_done(staged: StagedUpload, counts: Mapping[str, int]) -> None:
    """Record the result (shown on the token's page) and drop the uploaded file."""
    staged.result = dict(counts)
    staged._save()
    with contextlib.suppress(OSError):
        (staged.directory / "upload").unlink()


def sweep_staged_uploads(*, now: float | None = None) -> int:
    """Delete uploads expired more than a day ago. Returns how many."""
    now = time.time() if now is None else now
    root = _stage_root()
    removed = 0
    if not root.is_dir():
        return 0
    for directory in root.iterdir():
        if not TOKEN_PATTERN.fullmatch(directory.name):
            continue
        try:
            meta = json.loads((directory / "meta.json").read_text("utf-8"))
            expired = now > float(meta["expires_at"]) + STAGE_KEEP_AFTER_EXPIRY.total_seconds()
        except (OSError, ValueError, KeyError, TypeError):
            expired = now > directory.stat().st_mtime + STAGE_KEEP_AFTER_EXPIRY.total_seconds()
        if expired:
            shutil.rmtree(directory, ignore_errors=True)
            removed += 1
    return removed
