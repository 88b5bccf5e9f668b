"""Security headers: the Content-Security-Policy with a nonce per request that the pages'
inline scripts carry (and no template with an inline handler), ``Cache-Control: no-store`` on
everything dynamic (pages, API answers, exports), HTTPS in production, and ``check --deploy``
clean with the production settings of ``.env.example``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client

from governance.middleware import CONTENT_SECURITY_POLICY
from tests.conftest import Personas, Tree, client_for
from tests.helpers import api_for

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
NONCE = re.compile(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{16,})'")


def nonce_of(response: Any) -> str:
    found = NONCE.search(response["Content-Security-Policy"])
    assert found, response["Content-Security-Policy"]
    return found.group(1)


def test_a_page_carries_the_policy_and_its_scripts_the_nonce(tree: Tree, people: Personas) -> None:
    client = client_for(people.worker)
    first, second = client.get("/"), client.get("/")
    assert first.status_code == 200
    nonce = nonce_of(first)
    assert nonce != nonce_of(second)  # a fresh one per request
    assert first["Content-Security-Policy"] == CONTENT_SECURITY_POLICY.format(nonce=nonce)
    html = first.content.decode()
    # Inline scripts that run (json_script's data blocks do not).
    inline = re.findall(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))([^>]*)>", html)
    assert inline, "the home page has its inline script"
    assert all(f'nonce="{nonce}"' in attributes for attributes in inline)
    assert "frame-ancestors 'none'" in first["Content-Security-Policy"]
    assert "unsafe-eval" not in first["Content-Security-Policy"]


def test_no_template_has_an_inline_handler_a_javascript_url_or_a_script_without_nonce() -> None:
    handler = re.compile(r"""\son[a-z]+\s*=\s*["']|\shx-on[:-]|javascript:""")
    script = re.compile(r"<script(?![^>]*\b(?:src|nonce)=)[^>]*>")  # json_script is a filter
    offenders = []
    for directory in TEMPLATE_DIRS:
        for path in directory.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            if handler.search(text) or script.search(text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_dynamic_answers_are_not_stored(tree: Tree, people: Personas) -> None:
    page = client_for(people.worker).get("/org/people/")
    assert page["Cache-Control"] == "private, no-store"
    api = api_for(people.worker)
    assert api.get("/api/people/")["Cache-Control"] == "private, no-store"
    export = api.get("/api/people/?format=csv")
    assert export.status_code == 200
    assert "no-store" in export["Cache-Control"]
    # A view's own choice stands (the login page is never_cache).
    login = Client().get("/accounts/login/")
    assert "no-cache" in login["Cache-Control"]
    assert "max-age=0" in login["Cache-Control"]


def test_static_files_keep_their_caching(tree: Tree, people: Personas) -> None:
    response = Client().get(f"{settings.STATIC_URL}favicon.svg")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_production_redirects_to_https_but_not_the_health_checks(
    tree: Tree, people: Personas, settings: Any
) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    client = Client()
    assert client.get("/accounts/login/")["Location"] == "https://testserver/accounts/login/"
    assert client.get("/healthz/").status_code == 200
    secure = client.get("/accounts/login/", secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def production_environment() -> dict[str, str]:
    """The required block of .env.example with real-looking secrets, nothing else inherited."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}  # noqa: S108
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            env[name.strip()] = value.split(" #", 1)[0].strip()
    key = "c2VjcmV0LWtleS1tYXRlcmlhbC0zMi1ieXRlcy1sb25n"
    env.update(
        SECRET_KEY="a-production-like-secret-key-" + "x" * 40,
        PII_KEYS=f"k1:{key}",
        PII_HMAC_KEY=key,
    )
    return env


def test_check_deploy_is_clean_with_the_production_settings() -> None:
    """No warning at all: Django's security checks and drf-spectacular's (every field of the
    schema typed, one name per choice set)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert "System check identified no issues" in result.stdout


def test_every_post_form_carries_the_csrf_token() -> None:
    form = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.IGNORECASE | re.DOTALL)
    missing = [
        str(path.relative_to(ROOT))
        for directory in TEMPLATE_DIRS
        for path in directory.rglob("*.html")
        for body in form.findall(path.read_text(encoding="utf-8"))
        if "csrf_token" not in body
    ]
    assert missing == []


def test_a_refused_csrf_token_gets_the_app_page_in_the_users_language(
    tree: Tree, people: Personas
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.worker)
    page = client.post("/accounts/password/", {"old_password": "x"})
    assert page.status_code == 403
    html = page.content.decode()
    assert 'data-testid="error-status"' in html
    assert "表单未能提交：页面打开时间过长或来自其他网站。请刷新页面后重新提交。" in html
    api = client.post("/api/petitions/", {}, content_type="application/json")
    assert api.status_code == 403
    assert "detail" in api.json()
