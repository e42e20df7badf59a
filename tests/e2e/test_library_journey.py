"""The library's "done when", in a real browser, from the secretariat's desk to a disk with no network.

The secretariat signs in (password and authenticator code), creates a resource, writes its English
and Russian versions with a PDF each through the editing pages, and publishes both. An anonymous
visitor finds it on the Russian library page by an inflected word ("детям", while the text says
"детей"); a member-only resource that matches the same word never appears for the visitor. Then
the offline bundle is built (``build_bundle``, in the test process against the live database),
unpacked, and opened from ``file://`` in Chromium with every non-file request refused: the
visitor switches to Russian, sees the resource and finds it by search with the same word.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from carnet.accounts.models import User
from carnet.library.bundle import build_bundle
from carnet.library.models import ResourceVersion, Visibility
from tests.e2e.browsing import new_context, sign_in
from tests.library.factories import library_media, minimal_pdf, published_resource  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("library_media")  # stored files go to a temporary directory

SLUG = "protecting-child-victims"
EN_TITLE = "Guidelines on protecting child victims of trafficking"
RU_TITLE = "Руководство по защите детей — жертв торговли людьми"
RU_SUMMARY = "Как специалисты защищают детей, пострадавших от торговли людьми."
MEMBERS_TITLE = "Внутренние заметки о защите детей (для участников)"
INFLECTED = "детям"  # the texts say "детей": the stem "дет" is shared


def _write_version(page: Any, *, title: str, summary: str, body: str, pdf: Path) -> None:
    page.locator("#id_title").fill(title)
    page.locator("#id_summary").fill(summary)
    page.locator("#id_body").fill(body)
    page.locator("#id_upload").set_input_files(str(pdf))
    page.locator("main form[enctype] button[type=submit]").click()
    expect(page.locator("ul.messages")).to_contain_text("Saved as revision 1 (a draft).")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("ul.messages")).to_contain_text("Published: this is what readers now see.")


def test_the_secretariat_publishes_a_visitor_finds_it_in_russian_and_the_bundle_works_offline(
    browser: Any, live_server: Any, demo_users: dict[str, User], tmp_path: Path
) -> None:
    # given two PDFs on the secretariat's disk and a member-only resource that matches the same word
    en_pdf, ru_pdf = tmp_path / "protecting-children.pdf", tmp_path / "zashchita-detei.pdf"
    en_pdf.write_bytes(minimal_pdf("Protecting child victims checklist"))
    ru_pdf.write_bytes(minimal_pdf("Checklist RU"))
    published_resource(slug="members-notes", visibility=Visibility.MEMBERS, titles={"en": "Internal notes", "ru": MEMBERS_TITLE})

    # the secretariat signs in and creates a public guideline
    editor = sign_in(browser, live_server, demo_users["secretariat"])
    editor.goto("/en/library/edit/new/")
    editor.locator("#id_slug").fill(SLUG)
    editor.locator("#id_kind").select_option("guideline")
    editor.locator("#id_publisher").fill("CBSS Secretariat (test)")
    editor.locator("#id_year").fill("2009")
    editor.locator("#id_licence").select_option("cc-by-4.0")
    editor.locator("#id_visibility").select_option("public")
    editor.get_by_label("Unaccompanied and trafficked children").check()
    editor.get_by_role("button", name="Create the resource").click()
    expect(editor).to_have_url(f"{live_server.url}/en/library/edit/{SLUG}/en/")

    # writes the English version with its PDF and publishes it
    _write_version(
        editor,
        title=EN_TITLE,
        summary="How professionals protect children harmed by trafficking.",
        body="## Protection\n\nEvery child victim has a **guardian** without delay.",
        pdf=en_pdf,
    )
    # then the Russian version with its PDF, and publishes it
    editor.goto(f"/en/library/edit/{SLUG}/ru/")
    _write_version(
        editor,
        title=RU_TITLE,
        summary=RU_SUMMARY,
        body="## Защита\n\nУ каждого ребёнка есть **опекун** с первого дня.",
        pdf=ru_pdf,
    )
    editor.context.close()
    assert set(ResourceVersion.objects.filter(resource__slug=SLUG, published_revision=1).values_list("language", flat=True)) == {"en", "ru"}

    # an anonymous visitor searches the Russian library for an inflected word
    visitor = new_context(browser, live_server).new_page()
    visitor.goto("/ru/library/")
    visitor.locator("#library-q").fill(INFLECTED)
    visitor.locator("form.library-search button[type=submit]").click()
    hits = visitor.locator("ol.library-hits > li")
    expect(hits).to_have_count(1)
    expect(hits.first.locator("h3")).to_have_text(RU_TITLE)
    expect(hits.first.locator("h3")).to_have_attribute("lang", "ru")
    # and the member-only resource never appears, neither in the results nor anywhere on the page
    expect(visitor.locator("main")).not_to_contain_text(MEMBERS_TITLE)
    expect(visitor.locator("main")).not_to_contain_text("members-notes")
    # the resource's page in Russian offers its PDF
    hits.first.locator("h3 a").click()
    expect(visitor.locator("main h1")).to_have_text(RU_TITLE)
    expect(visitor.locator("main")).to_contain_text("zashchita-detei.pdf")
    visitor.context.close()

    # when the offline bundle is built and unpacked
    bundle = tmp_path / "library.zip"
    result = build_bundle(out_path=bundle, languages=["en", "ru"], visibility="public")
    assert result.resources == 1
    site = tmp_path / "site"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(site)

    # and opened from disk in Chromium with the network cut off
    offline = browser.new_context(locale="ru-RU", offline=True)
    offline.set_default_timeout(10_000)
    requested: list[str] = []

    def refuse_the_network(route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            requested.append(route.request.url)
            route.abort()

    offline.route("**/*", refuse_the_network)
    disk = offline.new_page()
    errors: list[str] = []
    disk.on("pageerror", lambda error: errors.append(str(error)))
    disk.goto((site / "index.html").as_uri())
    # then the visitor chooses Russian and sees the resource, but not the member-only one
    disk.get_by_role("link", name="Русский").first.click()
    expect(disk).to_have_url((site / "ru" / "index.html").as_uri())
    expect(disk.locator("html")).to_have_attribute("lang", "ru")
    expect(disk.locator("ul.resources > li")).to_have_count(1)
    expect(disk.locator("ul.resources h3 a")).to_have_text(RU_TITLE)
    expect(disk.locator("main")).not_to_contain_text(MEMBERS_TITLE)
    # and finds it by search with the inflected word
    disk.locator("#q").fill(INFLECTED)
    disk.locator("#bundle-search button[type=submit]").click()
    found = disk.locator("#search-results ol.search-results > li")
    expect(found).to_have_count(1)
    expect(found.first.locator("h3 a")).to_have_text(RU_TITLE)
    expect(found.first).to_contain_text(RU_SUMMARY)
    # a word that is nowhere finds nothing, and says so
    disk.locator("#q").fill("самолёт")
    disk.locator("#bundle-search button[type=submit]").click()
    expect(disk.locator("#search-results ol.search-results > li")).to_have_count(0)
    expect(disk.locator("#search-results p.search-count")).to_be_visible()
    # the result leads to the resource's page, which links to its PDF on disk
    disk.locator("#q").fill(INFLECTED)
    disk.locator("#bundle-search button[type=submit]").click()
    found.first.locator("h3 a").click()
    expect(disk.locator("main h1")).to_have_text(RU_TITLE)
    pdf_link = disk.locator("table.metadata a", has_text="zashchita-detei.pdf")
    expect(pdf_link).to_have_attribute("href", f"../files/{SLUG}/ru/zashchita-detei.pdf")
    assert (site / "files" / SLUG / "ru" / "zashchita-detei.pdf").read_bytes() == ru_pdf.read_bytes()
    # nothing was asked of the network, and no script failed
    assert requested == []
    assert errors == []
    offline.close()


def test_the_offline_search_finds_word_forms_across_languages_and_needs_every_word(browser: Any, tmp_path: Path) -> None:
    # given a bundle of two public resources (English and Russian) and one in English only
    published_resource(
        slug="care-guide",
        titles={"en": "Care of children in institutions", "ru": "Забота о детях в учреждениях"},
        summaries={"en": "Everyday care.", "ru": "Повседневная забота."},
        bodies={"en": "A child needs a guardian.", "ru": "Ребёнку нужен опекун."},
    )
    published_resource(
        slug="street-report",
        languages=["en"],
        titles={"en": "Report on street children"},
        summaries={"en": "Children living in the street."},
        bodies={"en": "Outreach workers identified many children."},
    )
    bundle = tmp_path / "library.zip"
    build_bundle(out_path=bundle, languages=["en", "ru"])
    site = tmp_path / "site"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(site)
    context = browser.new_context(offline=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto((site / "en" / "index.html").as_uri())

    def search(words: str) -> list[str]:
        page.locator("#q").fill(words)
        page.locator("#bundle-search button[type=submit]").click()
        expect(page.locator("#search-results p.search-count")).to_be_visible()
        return [str(text) for text in page.locator("#search-results ol.search-results h3").all_inner_texts()]

    # an English word in another form ("child" for "children") finds both English texts, the better match first
    # (the report says "children" in its title, summary and text; the guide in its title, and "child" in its text)
    assert search("child") == ["Report on street children", "Care of children in institutions"]
    # every word must match: only the report speaks of the street
    assert search("street children") == ["Report on street children"]
    # a word still being typed finds what it begins
    assert search("institu") == ["Care of children in institutions"]
    # a Russian form that is nowhere in the texts, found by its stem; marked as another language
    assert search("детями") == ["Забота о детях в учреждениях (in Русский)"]
    # nothing for a word that is nowhere
    assert search("aeroplane") == []
    expect(page.locator("#search-results p.search-count")).to_have_text("Nothing found. Try another word, or fewer words.")
    # a search in the address (as the form sends it without script handling) is run on load
    page.goto((site / "ru" / "index.html").as_uri() + "?q=опекун")
    expect(page.locator("#q")).to_have_value("опекун")
    expect(page.locator("#search-results ol.search-results h3")).to_have_text(["Забота о детях в учреждениях"])
    context.close()
