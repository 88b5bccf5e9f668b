"""Test settings: only what tests need differs from governance.settings."""

import os

os.environ.setdefault("SECRET_KEY", "insecure-key-for-tests-only")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
# Fixed, test-only key material (32 zero-ish bytes, base64) so tests never touch var/.
os.environ.setdefault("PII_KEYS", "test1:" + "dGVzdC1rZXktMS0zMi1ieXRlcy1sb25nLXBhZGRpbmc=")
os.environ.setdefault("PII_HMAC_KEY", "dGVzdC1obWFjLWtleS0zMi1ieXRlcy1sb25nLXBhZGQ=")

from governance.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

# Uploaded photos go to a throwaway folder, never into var/.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="governance-media-"))

# The test client and the live server speak plain http, also on the PostgreSQL leg (where
# DATABASE_URL makes production's HTTPS the default): no redirect to https, no HSTS.
# tests/governance/test_security_headers.py checks the production behaviour with it on.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
