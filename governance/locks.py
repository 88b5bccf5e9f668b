"""Database-level locks for writes that must be serialised across processes.

On PostgreSQL a transaction-scoped advisory lock; on SQLite the IMMEDIATE transaction that
``transaction.atomic()`` opens already holds the database's single write lock.
"""

from __future__ import annotations

import zlib

from django.db import connection


def lock_key(name: str) -> int:
    """A stable signed 32-bit key for ``name`` (crc32 is stable across processes, hash() is not)."""
    value = zlib.crc32(name.encode("utf-8"))
    return value - (1 << 32) if value >= (1 << 31) else value


def acquire_transaction_lock(name: str) -> None:
    """Block until this transaction holds the lock ``name``; it is released at commit/rollback.

    Must be called inside ``transaction.atomic()``.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("acquire_transaction_lock() needs an open transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(name)])
