"""Headless Chromium (Debian's, not Playwright's download) against pytest-django's live server.

One browser per module; every test gets fresh contexts (cookies, viewport, locale) from
``new_page``. Waits are Playwright's auto-waiting and ``expect`` only, bounded by ``TIMEOUT_MS``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

from tests.conftest import CHROMIUM, PASSWORD

TIMEOUT_MS = 10_000
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

DASHBOARD_URL = re.compile(r"^https?://[^/]+/$")

NewPage = Callable[..., Page]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API keeps an asyncio loop running on the main thread, which makes
    # Django refuse ORM calls there (fixtures, flushes). Allowed for the browser modules only.
    expect.set_options(timeout=TIMEOUT_MS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield chromium
            finally:
                chromium.close()


@pytest.fixture
def new_page(browser: Browser, live_server: LiveServer) -> Iterator[NewPage]:
    """``new_page(viewport=PHONE, locale="en-US")``: a page in a fresh context on the server."""
    contexts: list[BrowserContext] = []
    refused: list[str] = []

    def make(*, viewport: ViewportSize = DESKTOP, locale: str = "zh-CN") -> Page:
        context = browser.new_context(base_url=live_server.url, viewport=viewport, locale=locale)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        # Chromium reports what the Content-Security-Policy refused on the console.
        page.on(
            "console",
            lambda message: (
                refused.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()
    # Every page a browser test visits works under the policy: nothing was refused.
    assert refused == []


@pytest.fixture
def page(new_page: NewPage) -> Page:
    return new_page()


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log in through the form and wait for the dashboard."""
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("[data-testid=login-form] button[type=submit]").click()
    expect(page).to_have_url(DASHBOARD_URL)
