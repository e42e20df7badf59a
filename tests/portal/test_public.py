"""The public portal's pages: home with the map, country and priority pages, news and its Atom feed."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET  # noqa: S405  # parses carnet's own feed in a test
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from carnet.core.models import Country, Priority
from carnet.directory.models import ContactConsent, NetworkRole, NetworkRoleKind, Person, Visibility
from carnet.portal import demo
from carnet.portal.models import CountryPage, NewsItem, Revision, Status
from carnet.portal.selectors import content_label
from carnet.portal.services import content_save

pytestmark = pytest.mark.django_db

MEMBER_STATES = ["DK", "EE", "FI", "DE", "IS", "LV", "LT", "NO", "PL", "RU", "SE"]
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def portal(demo_users):
    """The demo content (country pages, priority pages, news), published by the demo secretariat."""
    demo.load(out=io.StringIO())
    return demo_users


def _html(client: Client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, path
    return response.content.decode()


def _revision(obj, *, language: str, data: dict, status: str, author, number: int | None = None) -> Revision:
    """A revision written directly, bypassing the editing services (as a bug or a hand-edited database might)."""
    label = content_label(obj)
    top = Revision.objects.filter(content=label, object_id=str(obj.pk), language=language).order_by("-number").first()
    return Revision.objects.create(
        content=label,
        object_id=str(obj.pk),
        language=language,
        number=number or (top.number + 1 if top else 1),
        data=data,
        status=status,
        author=author,
    )


# --- home and the map ------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "lithuania"), [("en", "Lithuania"), ("ru", "Литва")], ids=["english", "russian"])
def test_home_renders_for_anonymous_visitors_with_the_map_and_its_text_list(client, portal, lang, lithuania):
    html = _html(client, f"/{lang}/")
    assert f'<html lang="{lang}">' in html
    # the map: one link per member state, each wrapping its shape and named by its title
    links = re.findall(
        r'<a href="/'
        + lang
        + r'/countries/([a-z]{2})/" class="ncp-country ncp-(\w+)" data-code="\w\w">\s*<title>([^<]+)</title>\s*<path d="M',
        html,
    )
    assert [code.upper() for code, _status, _title in links] == MEMBER_STATES
    titles = {code: title for code, _status, title in links}
    assert titles["lt"].startswith(f"{lithuania} — ")
    statuses = {code: status for code, status, _title in links}
    assert statuses["de"] == statuses["ru"] == "not_operational"
    assert {statuses[c.lower()] for c in MEMBER_STATES if c not in ("DE", "RU")} == {"operational"}
    # the legend says it in words too (and by pattern), and the text list beside the map lists every member
    assert html.count('<svg class="ncp-swatch"') == 3
    assert 'class="ncp-legend"' in html
    assert html.count('<th scope="row"><a href="/' + lang + "/countries/") == 12
    # no inline style anywhere (CSP)
    assert "style=" not in html


def test_home_shows_the_latest_news_the_priorities_and_an_empty_events_slot(client, portal):
    html = _html(client, "/en/")
    assert "Annual meeting of the working group (demo)" in html
    assert html.count('href="/en/priorities/') == 5
    assert '<h2 id="events-heading">Upcoming events</h2>' in html
    assert "No events are planned at the moment." in html  # the events themselves: tests/events/test_feeds.py


def test_the_map_titles_say_the_status_in_text(client, portal):
    html = _html(client, "/en/")
    assert "<title>Lithuania — national contact point: Operational</title>" in html
    assert "<title>Germany — national contact point: Not yet operational</title>" in html


# --- country pages ---------------------------------------------------------------------------


def test_the_russian_page_of_lithuania(client, portal):
    html = _html(client, "/ru/countries/lt/")
    assert '<html lang="ru">' in html
    assert "<h1>Литва</h1>" in html
    assert "Литва: демонстрационная страница страны." in html
    # key facts with their source and year
    assert "Зарегистрированные несопровождаемые дети (условная демо-цифра)" in html
    assert "<td>Demo data (illustrative, not official)</td><td>2024</td>" in html
    assert html.count("<td>2024</td>") == 3
    # not the English text, and no fallback note
    assert "a demo country page" not in html
    assert "content-note" not in html


@pytest.mark.parametrize("code", ["LT", "lt", "Lt"])
def test_country_codes_are_case_insensitive(client, portal, code):
    assert client.get(f"/en/countries/{code}/").status_code == 200


@pytest.mark.parametrize("path", ["/en/countries/xx/", "/en/countries/lithuania/", "/ru/countries/zz/"])
def test_an_unknown_country_is_404(client, portal, path):
    assert client.get(path).status_code == 404


def test_the_european_commission_has_a_page_too(client, portal):
    html = _html(client, "/en/countries/eu/")
    assert "<h1>European Commission</h1>" in html
    assert "Not applicable" in html
    assert "No key facts are published yet." in html


def test_a_page_without_any_content_still_renders(client, db):
    html = _html(client, "/en/countries/ee/")
    assert "<h1>Estonia</h1>" in html
    assert "The library has no resources on this yet." in html


def test_drafts_and_texts_in_review_never_reach_the_public(client, portal):
    # given a published Lithuanian page, with a newer English draft and a newer Russian text in review
    page = CountryPage.objects.get(country__code="LT")
    editor = portal["secretariat"]
    _revision(
        page, language="en", data={"summary": "DRAFT-SECRET-EN", "legislation": "", "services": ""}, status=Status.DRAFT, author=editor
    )
    _revision(
        page, language="ru", data={"summary": "REVIEW-SECRET-RU", "legislation": "", "services": ""}, status=Status.IN_REVIEW, author=editor
    )
    content_save(actor=editor, obj=page, language="en", data={"summary": "SAVED-DRAFT-EN"})
    for path in ("/en/countries/lt/", "/ru/countries/lt/", "/en/", "/ru/"):
        html = _html(client, path)
        # then nothing of the draft or the text in review appears
        for secret in ("DRAFT-SECRET-EN", "REVIEW-SECRET-RU", "SAVED-DRAFT-EN"):
            assert secret not in html, (path, secret)
    assert "Lithuania: a demo country page." in _html(client, "/en/countries/lt/")


def test_a_language_without_a_published_text_falls_back_to_english_and_says_so(client, portal):
    # given Iceland's Russian text unpublished (only a draft left)
    page = CountryPage.objects.get(country__code="IS")
    Revision.objects.filter(content=content_label(page), object_id=str(page.pk), language="ru").update(status=Status.DRAFT)
    html = _html(client, "/ru/countries/is/")
    assert "Iceland: a demo country page." in html
    assert "content-note" in html
    assert 'lang="en"' in html


def test_an_outdated_translation_is_flagged(client, portal):
    # given a newer published English text than the one the Russian translation was made from
    page = CountryPage.objects.get(country__code="LV")
    _revision(
        page,
        language="en",
        data={"summary": "Latvia: changed English.", "legislation": "", "services": ""},
        status=Status.PUBLISHED,
        author=portal["secretariat"],
    )
    html = _html(client, "/ru/countries/lv/")
    assert "Латвия: демонстрационная страница страны." in html
    assert 'class="message warning content-note"' in html


def test_stored_script_in_rich_text_is_never_served(client, portal):
    # given a published revision whose legislation holds a script and an event handler (written past the services)
    page = CountryPage.objects.get(country__code="LT")
    _revision(
        page,
        language="en",
        data={"summary": "s", "legislation": "<script>alert(1)</script><p onclick=x>t</p>", "services": "<img src=x onerror=alert(2)>"},
        status=Status.PUBLISHED,
        author=portal["secretariat"],
    )
    html = _html(client, "/en/countries/lt/")
    main = html[html.index("<main") :]
    assert "<script" not in main
    assert "onclick" not in html
    assert "onerror" not in html
    assert "alert(1)" not in html
    assert "<p>t</p>" in html


def _ncp(country_code: str, **fields) -> Person:
    person = Person.objects.create(full_name="Nina Demo-Contact", country=Country.objects.get(code=country_code), **fields)
    NetworkRole.objects.create(person=person, kind=NetworkRoleKind.NCP, country=person.country, since=date(2020, 1, 1))
    return person


def test_the_ncp_shows_only_public_consented_contacts_to_the_public(client, client_as, portal):
    # given an NCP whose e-mail is public with consent, and whose phone is restricted
    person = _ncp("LT", email="ncp.demo@example.org", email_visibility=Visibility.PUBLIC, phone="+37060000001", address="Demo street 1")
    ContactConsent.objects.create(
        person=person, fields=["email"], audience="public", given_on=date(2020, 1, 1), recorded_by=portal["secretariat"]
    )
    # when anyone opens the country page
    html = _html(client, "/en/countries/lt/")
    # then the name and the public e-mail are there, the phone and address are not
    assert "Nina Demo-Contact" in html
    assert "ncp.demo@example.org" in html
    assert "+370 600 00001" not in html
    assert "+37060000001" not in html
    assert "Demo street 1" not in html
    # and an NCP (who sees restricted contacts, by the visibility rules) sees the phone and address
    privileged = _html(client_as("ncp-se"), "/en/countries/lt/")
    assert "+370 600 00001" in privileged
    assert "Demo street 1" in privileged


def test_a_public_visibility_without_consent_stays_hidden(client, portal):
    _ncp("LT", email="no.consent@example.org", email_visibility=Visibility.PUBLIC)
    html = _html(client, "/en/countries/lt/")
    assert "Nina Demo-Contact" in html
    assert "no.consent@example.org" not in html


def test_an_ended_role_is_not_shown(client, portal):
    person = _ncp("LT")
    person.roles.update(until=timezone.localdate() - timedelta(days=1))
    assert "Nina Demo-Contact" not in _html(client, "/en/countries/lt/")


def test_the_national_coordinator_is_shown(client, portal):
    person = Person.objects.create(full_name="Kai Demo-Coordinator", country=Country.objects.get(code="EE"))
    NetworkRole.objects.create(person=person, kind=NetworkRoleKind.NATIONAL_COORDINATOR, country=person.country)
    html = _html(client, "/en/countries/ee/")
    section = html[html.index('id="coordinator-heading"') : html.index('id="facts-heading"')]
    assert "Kai Demo-Coordinator" in section


# --- priorities --------------------------------------------------------------------------------


def test_a_priority_page_with_its_topic_group(client, client_as, portal):
    priority = Priority.objects.get(slug="children-living-in-the-street")
    person = Person.objects.create(
        full_name="Tove Demo-Topic", country=Country.objects.get(code="SE"), email="tove@example.org", phone="+46700000001"
    )
    person.priorities.add(priority)
    html = _html(client, "/ru/priorities/children-living-in-the-street/")
    assert "<h1>Дети, живущие на улице</h1>" in html
    assert "Демо-текст." in html
    assert "Tove Demo-Topic" in html
    # names and organisations only: no contact details, and no profile link for the public
    assert "tove@example.org" not in html
    assert "+46 70 000 00 01" not in html
    assert "+46700000001" not in html
    assert f"/directory/people/{person.pk}/" not in html
    # a signed-in member gets a link to the directory profile (names and organisations still, no contacts)
    member = _html(client_as("member-fi"), "/en/priorities/children-living-in-the-street/")
    assert f'<a href="/en/directory/people/{person.pk}/">Tove Demo-Topic</a>' in member
    assert "tove@example.org" not in member
    assert _html(client, "/en/priorities/no-such-priority/", status=404)


# --- news --------------------------------------------------------------------------------------


def test_the_news_list_shows_published_news_and_links_the_feed(client, portal):
    html = _html(client, "/en/news/")
    assert '<link rel="alternate" type="application/atom+xml" href="/en/news/feed/"' in html
    assert html.count("<article") == 4
    assert html.index("Annual meeting") < html.index("Training for caseworkers") < html.index("Expert seminar")


def test_english_only_news_appears_in_english_on_the_russian_site(client, portal):
    html = _html(client, "/ru/news/demo-english-only/")
    assert "Expert seminar in Stockholm (demo, English only)" in html
    assert "content-note" in html
    assert '<article lang="en">' in html


@pytest.mark.parametrize("status", [None, "draft"], ids=["never-published", "draft-only"])
def test_unpublished_news_is_404_and_not_listed(client, portal, status):
    # given a news item with a draft only (and one with a future publication time)
    item = NewsItem.objects.create(slug="secret-news", created_by=portal["secretariat"], published_at=timezone.now())
    _revision(
        item, language="en", data={"title": "SECRET-TITLE", "summary": "", "body": ""}, status=Status.DRAFT, author=portal["secretariat"]
    )
    if status is None:
        item.published_at = None
        item.save()
    assert client.get("/en/news/secret-news/").status_code == 404
    assert "SECRET-TITLE" not in _html(client, "/en/news/")
    assert "SECRET-TITLE" not in _html(client, "/en/")
    assert b"SECRET-TITLE" not in client.get("/en/news/feed/").content


def test_news_scheduled_for_later_is_not_public_yet(client, portal):
    NewsItem.objects.filter(slug="demo-annual-meeting").update(published_at=timezone.now() + timedelta(days=1))
    assert client.get("/en/news/demo-annual-meeting/").status_code == 404


def test_unknown_news_is_404(client, portal):
    assert client.get("/en/news/no-such-news/").status_code == 404


def test_the_news_list_is_paginated(client, portal):
    for n in range(12):
        item = NewsItem.objects.create(slug=f"bulk-{n}", created_by=portal["secretariat"], published_at=timezone.now())
        _revision(
            item,
            language="en",
            data={"title": f"Bulk {n}", "summary": "", "body": ""},
            status=Status.PUBLISHED,
            author=portal["secretariat"],
        )
    first = _html(client, "/en/news/")
    assert first.count("<article") == 10
    assert 'rel="next"' in first
    assert _html(client, "/en/news/?page=2").count("<article") == 6


@pytest.mark.parametrize(
    ("lang", "title"), [("en", "Annual meeting of the working group (demo)"), ("ru", "Ежегодное заседание рабочей группы (демо)")]
)
def test_the_atom_feed_parses_and_has_the_entries_in_its_language(client, portal, lang, title):
    response = client.get(f"/{lang}/news/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314  # carnet's own output
    assert feed.tag == f"{ATOM}feed"
    assert feed.attrib["{http://www.w3.org/XML/1998/namespace}lang"] == lang
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 4
    first = entries[0]
    assert first.findtext(f"{ATOM}title") == title
    assert first.find(f"{ATOM}link").attrib["href"].endswith(f"/{lang}/news/demo-annual-meeting/")
    assert first.findtext(f"{ATOM}updated")
    assert first.findtext(f"{ATOM}summary")
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(set(ids)) == 4


def test_pages_render_for_every_signed_in_role_too(client_as, portal):
    for path in ("/en/", "/ru/countries/lt/", "/en/priorities/sexual-exploitation/", "/en/news/", "/en/news/demo-annual-meeting/"):
        assert client_as("member-fi").get(path).status_code == 200


@pytest.mark.parametrize("row_key", ["page", "api"])
def test_published_news_is_open_to_every_role_and_drafts_to_none(client_as, portal, row_key):
    """The matrix's object rows (tests/matrix/portal_public.py): portal:news_detail and GET /news/{slug}."""
    from tests.fixtures import ROLES
    from tests.matrix.portal_public import API, PAGES

    row = PAGES["portal:news_detail"] if row_key == "page" else API["GET /news/{slug}"]
    draft = NewsItem.objects.create(slug="draft-only", created_by=portal["secretariat"], published_at=timezone.now())
    _revision(draft, language="en", data={"title": "Draft", "summary": "", "body": ""}, status=Status.DRAFT, author=portal["secretariat"])
    for role in ROLES:
        client = client_as(role)
        assert client.get(row.path.format(news="demo-annual-meeting")).status_code == row.expect[role], role
        assert client.get(row.path.format(news="draft-only")).status_code == 404, role


def test_the_demo_content_loads_once_and_resets(portal):
    # given the demo loaded (by the fixture); when it is loaded again, then nothing is added
    counts = (CountryPage.objects.count(), Revision.objects.count(), NewsItem.objects.count())
    demo.load(out=io.StringIO())
    assert (CountryPage.objects.count(), Revision.objects.count(), NewsItem.objects.count()) == counts
    assert counts[0] == 11
    assert NewsItem.objects.count() == 4
    # every key fact says it is illustrative
    assert {fact.source for page in CountryPage.objects.all() for fact in page.facts.all()} == {demo.DEMO_SOURCE}
    # when it is reset, then the demo's content is gone (and the demo accounts could go too)
    demo.reset(out=io.StringIO())
    assert (CountryPage.objects.count(), Revision.objects.count(), NewsItem.objects.count()) == (0, 0, 0)


def test_the_news_list_and_feed_read_their_texts_in_one_query_whatever_their_number(client, portal):
    # given the demo's news, and the queries of the news page and the feed with them
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counts() -> tuple[int, int]:
        _html(client, "/en/news/")  # warm: sessions, translations of the interface
        with CaptureQueriesContext(connection) as page:
            _html(client, "/en/news/")
        with CaptureQueriesContext(connection) as feed:
            client.get("/en/news/feed/")
        return len(page), len(feed)

    before = counts()
    # when three more news items are published
    secretariat = portal["secretariat"]
    for number in range(3):
        item = NewsItem.objects.create(slug=f"more-{number}", published_at=timezone.now(), created_by=secretariat)
        _revision(
            item,
            language="en",
            data={"title": f"More news {number}", "summary": "s", "body": "<p>b</p>"},
            status=Status.PUBLISHED,
            author=secretariat,
        )
    # then the page and the feed show them without a query more
    assert "More news 2" in _html(client, "/en/news/")
    assert counts() == before


def test_country_and_priority_pages_list_the_library_resources_the_reader_may_see(client, client_as, portal):
    from carnet.library.models import Visibility as LibraryVisibility
    from tests.library.factories import published_resource

    # given a public and a member-only resource about Lithuania and unaccompanied children, and one about Sweden
    lithuania = Country.objects.filter(code__in=["LT"])
    topic = Priority.objects.filter(number=2)
    published_resource(
        slug="lt-public", titles={"en": "Lithuanian guideline", "ru": "Литовское руководство"}, countries=lithuania, priorities=topic
    )
    published_resource(
        slug="lt-members",
        titles={"en": "Lithuanian notes", "ru": "Литовские заметки"},
        countries=lithuania,
        priorities=topic,
        visibility=LibraryVisibility.MEMBERS,
    )
    published_resource(
        slug="se-public", titles={"en": "Swedish guideline", "ru": "Шведское руководство"}, countries=Country.objects.filter(code="SE")
    )
    priority_path = f"/en/priorities/{topic.get().slug}/"
    # when the public reads Lithuania's page (in Russian) and the priority's page
    country_html = _html(client, "/ru/countries/lt/")
    priority_html = _html(client, priority_path)
    # then each lists the public resource about it, in the reader's language, and nothing else
    assert "Литовское руководство" in country_html
    assert "Литовские заметки" not in country_html
    assert "Шведское руководство" not in country_html
    assert 'href="/ru/library/?country=LT"' in country_html
    assert "Lithuanian guideline" in priority_html
    assert "Lithuanian notes" not in priority_html
    # and a network member sees the member-only one too
    assert "Lithuanian notes" in _html(client_as("member-fi"), priority_path)
