"""Fixtures every test module may use: fast settings, one signed-in client per demo role."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.test import Client

from carnet.accounts.demo import DEMO_ACCOUNTS
from carnet.accounts.demo import load as load_demo_accounts
from carnet.accounts.models import User

ROLES = ["anonymous", *(account.username for account in DEMO_ACCOUNTS)]


@pytest.fixture
def demo_users(db: None) -> dict[str, User]:
    """The demo accounts (one per role), with second factors enrolled where the role needs one."""
    load_demo_accounts(reset=False, out=io.StringIO())
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
