"""Journeys through the public pages and the sign-in, in a real browser.

Text is matched only where the page is meant to say it (Russian link names, the seeded
priorities); forms are filled by field name and the language is read from ``html[lang]`` and URLs.
"""

from __future__ import annotations

import re
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from carnet.accounts.models import User
from tests.e2e.totp import current_totp_code

PRIORITIES_RU = [
    "Сексуальная эксплуатация во всех её формах",
    "Несопровождаемые дети и дети — жертвы торговли людьми",
    "Дети, живущие на улице",
    "Права детей в учреждениях",
    "Несовершеннолетние правонарушители и саморазрушительное поведение детей",
]


def test_national_contact_point_signs_in_with_two_factors_in_russian(page: Any, live_server: Any, demo_users: dict[str, User]) -> None:
    # given the national contact point of Sweden, with an authenticator app, on the Russian home page
    user = demo_users["ncp-se"]
    page.goto("/ru/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    header = page.get_by_role("banner")

    # when they follow the Russian sign-in link and give their username and password
    header.get_by_role("link", name="Войти", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/ru/accounts/login/")
    page.locator("input[name=login]").fill("ncp-se")
    page.locator("input[name=password][type=password]").fill(settings.CARNET_DEMO_PASSWORD)
    page.get_by_role("button", name="Войти", exact=True).click()

    # then they are asked for the second factor, in allauth's Russian
    expect(page).to_have_url(f"{live_server.url}/ru/accounts/2fa/authenticate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Двухфакторная аутентификация")

    # when they type the code their authenticator app shows
    page.locator("input[name=code]").fill(current_totp_code(user))
    page.get_by_role("button", name="Войти", exact=True).click()

    # then they land on the Russian home page, signed in under their name, with the five priorities
    expect(page).to_have_url(f"{live_server.url}/ru/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(header.locator(".who")).to_have_text("Вы вошли как ncp-se")
    expect(header.locator("form[action='/ru/accounts/logout/'] button[type=submit]")).to_be_visible()
    expect(header.get_by_role("link", name="Войти", exact=True)).to_have_count(0)
    expect(page.locator("ol.priorities > li > strong")).to_have_text(PRIORITIES_RU)
    # and the session the browser holds is theirs
    session_key = next(c["value"] for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    assert session.get("_auth_user_id") == str(user.pk)


def test_language_switch_keeps_the_visitor_on_the_same_page(page: Any, live_server: Any) -> None:
    # given a visitor on the English home page
    page.goto("/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    switch = page.get_by_role("navigation", name="Language")
    expect(switch.get_by_role("link", name="English", exact=True)).to_have_attribute("aria-current", "true")

    # when they choose Russian in the language switch
    switch.get_by_role("link", name="Русский", exact=True).click()

    # then the same page is shown in Russian, and the switch now marks Russian as current
    expect(page).to_have_url(f"{live_server.url}/ru/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    russian = page.locator(".lang-switch a[hreflang=ru]")
    expect(russian).to_have_attribute("aria-current", "true")
    expect(page.locator(".lang-switch a[hreflang=en]")).to_have_attribute("href", "/en/")
    expect(page.locator("ol.priorities > li > strong").first).to_have_text(PRIORITIES_RU[0])


@pytest.mark.parametrize("language", ["en", "ru"])
def test_first_tab_focuses_the_visible_skip_link(page: Any, language: str) -> None:
    # given a keyboard user who has just opened the home page; the skip link is off screen
    page.goto(f"/{language}/")
    skip_link = page.locator("a.skip-link")
    expect(skip_link).not_to_be_in_viewport()

    # when they press Tab once
    page.keyboard.press("Tab")

    # then the skip link has the focus and is on screen, first in the page
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    box = skip_link.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["y"] >= 0
    assert box["width"] > 0
    assert box["height"] > 0

    # and Enter moves the focus to the main content
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/{language}/#main$"))
    expect(page.locator("main#main")).to_be_focused()
