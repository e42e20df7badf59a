"""The portal's "done when", in a real browser: an anonymous visitor reads the map and the Russian page of Lithuania.

The visitor opens /ru/, finds the map of the member states (eleven links, a legend, the text list beside it),
reaches Lithuania with the keyboard alone (Tab until the map's link to Lithuania has the focus, then Enter),
and reads the Russian country page: its headings and the key facts with their source and year.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from carnet.accounts.models import User
from carnet.portal import demo

MAX_TABS = 120


def _russian(text: str) -> str:
    """What the page says for ``text`` in Russian (the catalogue's translation, or the English text until there is one)."""
    with translation.override("ru"):
        return gettext(text)


def test_an_anonymous_visitor_reads_the_map_and_the_russian_page_of_lithuania(
    page: Any, live_server: Any, demo_users: dict[str, User]
) -> None:
    # given the demo content (published by the demo secretariat)
    demo.load(out=io.StringIO())

    # the visitor opens the Russian home page and sees the map of the eleven member states with its legend and text list
    page.goto("/ru/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    country_links = page.locator("figure.ncp-map > svg a.ncp-country")
    expect(country_links).to_have_count(11)
    expect(page.locator("figure.ncp-map > svg")).to_be_visible()
    expect(page.locator("ul.ncp-legend li")).to_have_count(3)
    expect(page.locator("table.ncp-list tbody th a", has_text="Литва")).to_have_attribute("href", "/ru/countries/lt/")
    lithuania = page.locator("svg a.ncp-country[data-code='LT']")
    assert lithuania.locator("title").text_content().startswith("Литва — ")

    # and reaches Lithuania by keyboard: Tab until the map's link to Lithuania has the focus, then Enter
    page.locator("body").click(position={"x": 1, "y": 1})
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.getAttribute('data-code')") == "LT":
            break
    else:
        raise AssertionError("the map's link to Lithuania never received the keyboard focus")
    # the focused country is visibly outlined
    assert page.evaluate("getComputedStyle(document.activeElement.querySelector('path')).strokeWidth") == "6px"
    page.keyboard.press("Enter")

    # then the Russian page of Lithuania: language, name, headings, key facts with source and year
    expect(page).to_have_url(f"{live_server.url}/ru/countries/lt/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("main h1")).to_have_text("Литва")
    expect(page.locator("#ncp-heading")).to_have_text(_russian("National contact point"))
    expect(page.locator("#facts-heading")).to_have_text(_russian("Key facts on children at risk"))
    expect(page.locator("#legislation-heading")).to_have_text(_russian("Legislation"))
    facts = page.locator("table.key-facts tbody tr")
    expect(facts).to_have_count(3)
    first = facts.first
    expect(first.locator("th")).to_have_text("Зарегистрированные несопровождаемые дети (условная демо-цифра)")
    expect(first.locator("td").nth(0)).to_have_text("60")
    expect(first.locator("td").nth(1)).to_have_text("Demo data (illustrative, not official)")
    expect(first.locator("td").nth(2)).to_have_text("2024")
    expect(page.locator("main")).to_contain_text("Литва: демонстрационная страница страны.")
    expect(page.locator("main")).to_contain_text("Демо-текст.")
