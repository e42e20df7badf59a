"""Browser tests: Debian's Chromium, driven by Playwright's sync API, against pytest-django's live server.

A browser is never downloaded. When /usr/bin/chromium (or Playwright) is missing the tests are
skipped with the reason; tests/conftest.py turns any such skip into a failure when CI=true.
Everything under tests/e2e is marked ``browser`` (``make test`` runs them in a separate, serial pass).
"""

from __future__ import annotations

import importlib
import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

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
# The audit log's append-only triggers, as its migration installs and removes them (one source of truth).
_audit_migration = importlib.import_module("carnet.audit.migrations.0002_append_only_trigger")
AUDIT_TRIGGERS_UP = {"sqlite": _audit_migration.SQLITE_UP, "postgresql": _audit_migration.PG_UP}
AUDIT_TRIGGERS_DOWN = {"sqlite": _audit_migration.SQLITE_DOWN, "postgresql": _audit_migration.PG_DOWN}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects, so `-m browser` selects these
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.path)).resolve().is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.browser)


def _audit_triggers(*, installed: bool) -> None:
    """Remove the audit log's triggers, and install them again when ``installed`` (idempotent)."""
    statements = AUDIT_TRIGGERS_DOWN.get(connection.vendor, [])
    if installed:
        statements = statements + AUDIT_TRIGGERS_UP.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


@pytest.fixture(scope="session")
def _audit_triggers_restored(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Leave the test database with its append-only triggers (it may be kept with --reuse-db)."""
    yield
    with django_db_blocker.unblock():
        _audit_triggers(installed=True)


@pytest.fixture(autouse=True)
def _live_database(transactional_db: None, django_db_serialized_rollback: None, _audit_triggers_restored: None) -> Iterator[None]:
    """A database the live server's thread can see, with the seeded countries and priorities.

    Tests against a live server cannot run inside a rolled-back transaction: the database is
    flushed after each one. Serialized rollback restores what the migrations seeded. The flush
    deletes the audit log, which its triggers refuse, so they are lifted for the flush only and
    reinstalled before the next test.
    """
    _audit_triggers(installed=True)
    yield
    _audit_triggers(installed=False)


@pytest.fixture
def demo_users(transactional_db: None) -> dict[str, User]:
    """The demo accounts (one per role, second factors enrolled), committed so the live server sees them."""
    load_demo_accounts(reset=False, out=io.StringIO())
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
