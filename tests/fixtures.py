"""Fixtures every test module may use: fast settings, one signed-in client per demo role."""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from carnet.accounts.demo import DEMO_ACCOUNTS
from carnet.accounts.demo import load as load_demo_accounts
from carnet.accounts.models import User

# The audit log's append-only triggers, as its migration installs and removes them (one source of truth).
_audit_migration = importlib.import_module("carnet.audit.migrations.0002_append_only_trigger")
AUDIT_TRIGGERS_UP = {"sqlite": _audit_migration.SQLITE_UP, "postgresql": _audit_migration.PG_UP}
AUDIT_TRIGGERS_DOWN = {"sqlite": _audit_migration.SQLITE_DOWN, "postgresql": _audit_migration.PG_DOWN}


ROLES = ["anonymous", *(account.username for account in DEMO_ACCOUNTS)]


@pytest.fixture(autouse=True)
def _english_unless_asked() -> Iterator[None]:
    """A request to /ru/ leaves Russian active in the thread; every test starts from the default language."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def demo_users(db: None) -> dict[str, User]:
    """The demo accounts (one per role), with second factors enrolled where the role needs one."""
    load_demo_accounts(out=io.StringIO())
    return {user.username: user for user in User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])}


@pytest.fixture
def client_as(demo_users: dict[str, User]) -> Callable[[str], Client]:
    """A client signed in as the named demo account ("anonymous" for nobody)."""

    def make(username: str) -> Client:
        client = Client()
        if username != "anonymous":
            client.force_login(demo_users[username], backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


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


@pytest.fixture
def live_database(transactional_db: None, django_db_serialized_rollback: None, _audit_triggers_restored: None) -> Iterator[None]:
    """A database the live server's thread can see, with the seeded countries and priorities.

    Tests against a live server cannot run inside a rolled-back transaction: the database is
    flushed after each one. Serialized rollback restores what the migrations seeded. The flush
    deletes the audit log, which its triggers refuse, so they are lifted for the flush only and
    reinstalled before the next test.
    """
    _audit_triggers(installed=True)
    yield
    _audit_triggers(installed=False)
