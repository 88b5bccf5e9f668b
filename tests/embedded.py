"""Run ``manage.py`` and ``scripts/run.sh`` as a user of the embedded default does (README, "The
two commands"): no DATABASE_URL, no DEBUG, no secrets in the environment, everything in a
``var/`` of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What the test settings and the test legs put into the environment: an install as a user
# has it sets none of them.
NOT_INHERITED = {
    "SECRET_KEY",
    "DEBUG",
    "DATABASE_URL",
    "PII_KEYS",
    "PII_ACTIVE_KEY",
    "PII_HMAC_KEY",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "REDIS_URL",
    "VAR_DIR",
    "STATIC_ROOT",
    "MEDIA_ROOT",
    "DJANGO_SETTINGS_MODULE",
}


def installed_env(**env: str) -> dict[str, str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in NOT_INHERITED and not key.startswith("PYTEST")
    }
    return {**clean, **env}


def manage(var_dir: Path, *command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``.venv/bin/python manage.py …`` as the README shows it, on the install in ``var_dir``."""
    return subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=installed_env(VAR_DIR=str(var_dir)),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
