"""Browsers for the journeys: one that signs in as a person does, one handed a session made for a user."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from carnet.accounts.models import User
from tests.e2e.totp import current_totp_code


def new_context(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    return context


def sign_in(browser: Any, live_server: Any, user: User) -> Any:
    """A fresh browser that signs in as ``user`` with the password and the authenticator code."""
    page = new_context(browser, live_server).new_page()
    page.goto("/en/accounts/login/")
    page.locator("input[name=login]").fill(user.username)
    page.locator("input[name=password][type=password]").fill(settings.CARNET_DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/en/accounts/2fa/authenticate/")
    page.locator("input[name=code]").fill(current_totp_code(user))
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/en/")
    expect(page.locator("header .who")).to_have_text(f"Signed in as {user.username}")
    return page


def session_page(browser: Any, live_server: Any, user: User) -> Any:
    """A fresh browser handed a session made for ``user`` (signing in has its own journey in test_sign_in.py)."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    context = new_context(browser, live_server)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}]
    )
    return context.new_page()
