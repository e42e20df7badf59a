"""Browser tests: Debian's Chromium, driven by Playwright's sync API, against pytest-django's live server.

A browser is never downloaded. When /usr/bin/chromium (or Playwright) is missing the tests are
skipped with the reason; tests/conftest.py turns any such skip into a failure when CI=true.
Everything under tests/e2e is marked ``browser`` (``make test`` runs them in a separate, serial pass).
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from carnet.accounts.demo import DEMO_ACCOUNTS
from carnet.accounts.demo import load as load_demo_accounts
from carnet.accounts.models import User

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Long enough for a slow CI machine, short enough that a wrong locator fails fast.
TIMEOUT_MS = 10_000
E2E_DIR = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects, so `-m browser` selects these
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.path)).resolve().is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _live_database(live_database: None) -> None:
    """Every browser test runs against a committed database the live server can see (tests/fixtures.py)."""


@pytest.fixture
def demo_users(transactional_db: None) -> dict[str, User]:
    """The demo accounts (one per role, second factors enrolled), committed so the live server sees them."""
    load_demo_accounts(out=io.StringIO())
    return {user.username: user for user in User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])}


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One headless Debian Chromium for the browser tests (stopped before any other test runs)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        found = shutil.which("chromium")
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium); found: {found or 'none'}")
    sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the Python package playwright (requirements-dev.lock)")
    # Playwright's sync API keeps an asyncio event loop running in this thread from start() to stop().
    # Django then refuses ORM calls from the test body (SynchronousOnlyOperation) unless allowed.
    # The permission lasts only as long as the loop, so other tests keep Django's guard.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # With the loop running, Django also looks its connections up in a context-local store instead
    # of the thread-local one: a second set of connection objects, without what the test-database
    # setup attached (the serialized data) and not the ones shared with the live server. Point that
    # store at the same objects.
    current = {alias: connections[alias] for alias in connections}
    playwright = sync_api.sync_playwright().start()
    try:
        for alias, wrapper in current.items():
            connections[alias] = wrapper
        sync_api.expect.set_options(timeout=TIMEOUT_MS)
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) whose relative URLs point at the live server."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()
