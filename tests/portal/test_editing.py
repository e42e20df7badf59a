"""The portal's editing pages: who may open them, and a browser's form posts from draft to published."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from django.test import Client

from carnet.accounts.models import User
from carnet.core.models import Country
from carnet.portal import selectors, services
from carnet.portal.models import CountryPage, KeyFact, NewsItem, Revision, Status
from tests.fixtures import ROLES
from tests.matrix.portal_editing import PAGES

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
Users = dict[str, User]
LT_EN = "/en/portal/edit/countries/LT/en/"
LT_RU = "/en/portal/edit/countries/LT/ru/"


@pytest.fixture(autouse=True)
def _no_cached_translations() -> Iterator[None]:
    """parler caches translations in the (in-memory) cache, which outlives each test's rolled-back database."""
    cache.clear()
    yield
    cache.clear()


def lithuania() -> CountryPage:
    return CountryPage.objects.get(country__code="LT")


def english(client: Client, action: str = "save", **text: str) -> int:
    data = {"summary": "Lithuania", "legislation": "<p>The law.</p>", "services": "", "note": "", "action": action, **text}
    return client.post(LT_EN, data).status_code


# --- who may open what ----------------------------------------------------------------------


def test_news_editing_page_matrix(client_as: ClientAs, demo_users: Users) -> None:
    # given a news item (the matrix row's {news})
    item = services.news_create(actor=demo_users["secretariat"], slug="matrix-news", language="en", data={"title": "T"})
    row = PAGES["portal:edit_news"]
    # then only the secretariat may open its editing page
    actual = {role: client_as(role).get(row.path.format(news=item.slug)).status_code for role in ROLES}
    assert actual == row.expect
    # and an unknown item is 404 for an editor
    assert client_as("secretariat").get("/en/portal/edit/news/no-such-item/en/").status_code == 404


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/en/portal/edit/countries/XX/en/", 404),
        ("/en/portal/edit/countries/EU/en/", 404),  # the European Commission has no country page
        ("/en/portal/edit/countries/LT/xx/", 404),
        ("/en/portal/edit/priorities/no-such-priority/en/", 404),
        ("/en/portal/edit/pages/LT/en/history/", 404),
        ("/en/portal/edit/countries/lt/en/", 200),
        ("/ru/portal/edit/countries/LT/en/", 200),
    ],
)
def test_addresses(client_as: ClientAs, path: str, status: int) -> None:
    assert client_as("secretariat").get(path).status_code == status


def test_ncp_of_another_country_is_refused_and_nothing_changes(client_as: ClientAs) -> None:
    # given ncp-se, who edits Sweden's page
    client = client_as("ncp-se")
    assert client.get("/en/portal/edit/countries/SE/en/").status_code == 200
    # when they post to Lithuania's page, its facts or its history
    assert english(client) == 403
    assert client.post("/en/portal/edit/countries/LT/facts/", {"action": "add", "value": "1"}).status_code == 403
    assert client.post("/en/portal/edit/countries/LT/en/history/", {"restore": "1"}).status_code == 403
    # then nothing was stored
    assert not Revision.objects.exists()
    assert not CountryPage.objects.exists()


def test_the_index_lists_what_the_user_may_edit(client_as: ClientAs) -> None:
    page = client_as("ncp-lt").get("/en/portal/edit/").content.decode()
    assert "Lithuania" in page
    assert "Sweden" not in page
    assert "Priority pages" not in page
    assert "Write a news item" not in page
    page = client_as("secretariat").get("/en/portal/edit/").content.decode()
    assert "Lithuania" in page
    assert "Sweden" in page
    assert "Priority pages" in page
    assert "Write a news item" in page


# --- the workflow through the forms ---------------------------------------------------------


def test_from_draft_to_published_through_the_forms(client_as: ClientAs) -> None:
    ncp, secretariat = client_as("ncp-lt"), client_as("secretariat")
    # when ncp-lt saves a draft, the page exists and the form shows the text
    assert english(ncp) == 302
    form = ncp.get(LT_EN).content.decode()
    assert "The law." in form
    assert "Draft" in form
    # and an NCP has no Publish button; submitting sends it for review
    assert 'value="publish"' not in form
    assert english(ncp, action="submit") == 302
    assert services.language_status(lithuania(), "en").status == Status.IN_REVIEW
    assert Revision.objects.count() == 1  # nothing changed, so submitting saved no new revision
    # when the NCP posts "publish" anyway, it is refused
    assert english(ncp, action="publish") == 403
    # when the secretariat opens it, it may send it back or publish it
    review = secretariat.get(LT_EN).content.decode()
    assert 'value="publish"' in review
    assert 'value="send_back"' in review
    assert english(secretariat, action="publish") == 302
    published = selectors.published(lithuania(), "en")
    assert published is not None
    assert published.data["legislation"] == "<p>The law.</p>"


def test_send_back_shows_the_reason_to_the_author(client_as: ClientAs) -> None:
    ncp, secretariat = client_as("ncp-lt"), client_as("secretariat")
    english(ncp, action="submit")
    # when the secretariat sends it back without a reason, it is refused
    assert english(secretariat, action="send_back", reason="") == 400
    assert services.language_status(lithuania(), "en").status == Status.IN_REVIEW
    # with a reason, the author sees it
    assert english(secretariat, action="send_back", reason="Name the 2024 act.") == 302
    assert "Name the 2024 act." in ncp.get(LT_EN).content.decode()


def test_unsafe_html_is_refused_with_a_message_and_nothing_is_stored(client_as: ClientAs) -> None:
    ncp = client_as("ncp-lt")
    english(ncp)
    before = list(Revision.objects.values_list("number", "data"))
    response = ncp.post(LT_EN, {"summary": "x", "legislation": '<p onclick="steal()">Law</p>', "action": "save"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "onclick=" in body
    assert "Nothing was saved" in body
    assert list(Revision.objects.values_list("number", "data")) == before


def test_a_step_the_status_does_not_allow_is_409(client_as: ClientAs) -> None:
    secretariat = client_as("secretariat")
    english(secretariat, action="publish")
    # publishing the same published text again
    response = secretariat.post(LT_EN, {"summary": "Lithuania", "legislation": "<p>The law.</p>", "action": "publish"})
    assert response.status_code == 409
    assert "already published" in response.content.decode()
    assert Revision.objects.count() == 1


def test_an_outdated_translation_shows_what_changed_in_english(client_as: ClientAs) -> None:
    ncp = client_as("ncp-lt")
    english(ncp, legislation="<p>The law of 2010.</p>")
    # the Russian form carries the English revision the translator saw
    form = ncp.get(LT_RU).content.decode()
    assert 'name="source_revision" value="1"' in form
    # English changes while the translator works; their save records revision 1
    english(ncp, legislation="<p>The law of 2024.</p>")
    response = ncp.post(LT_RU, {"summary": "Литва", "legislation": "<p>Закон 2010 года.</p>", "source_revision": "1", "action": "save"})
    assert response.status_code == 302
    assert Revision.objects.get(language="ru").source_revision == 1
    # the page says it is outdated and shows the English change
    page = ncp.get(LT_RU).content.decode()
    assert "Outdated" in page
    assert "<del>-&lt;p&gt;The law of 2010.&lt;/p&gt;</del>" in page
    assert "<ins>+&lt;p&gt;The law of 2024.&lt;/p&gt;</ins>" in page
    # and the index shows the badge too
    assert "Outdated" in ncp.get("/en/portal/edit/").content.decode()


def test_history_shows_each_change_and_restores(client_as: ClientAs) -> None:
    ncp = client_as("coordinator-lt")
    english(ncp, legislation="<p>First</p>", note="one")
    english(ncp, legislation="<p>Second</p>", note="two")
    page = ncp.get("/en/portal/edit/countries/LT/en/history/").content.decode()
    assert "Revision 2" in page
    assert "Revision 1" in page
    assert "coordinator-lt" in page
    assert "two" in page
    assert "<del>-&lt;p&gt;First&lt;/p&gt;</del>" in page
    assert "<ins>+&lt;p&gt;Second&lt;/p&gt;</ins>" in page
    assert ncp.post("/en/portal/edit/countries/LT/en/history/", {"restore": "1"}).status_code == 302
    assert Revision.objects.get(number=3).data["legislation"] == "<p>First</p>"
    assert ncp.post("/en/portal/edit/countries/LT/en/history/", {"restore": "99"}).status_code == 400
    assert Revision.objects.count() == 3


# --- key facts and news ---------------------------------------------------------------------


def test_keyfacts_add_refuse_delete(client_as: ClientAs) -> None:
    client = client_as("ncp-lt")
    url = "/en/portal/edit/countries/LT/facts/"
    fact = {
        "action": "add",
        "value": "1 234",
        "source": "Statistics Lithuania",
        "year": "2023",
        "label_en": "children in care",
        "label_ru": "",
    }
    assert client.post(url, {**fact, "year": "1980"}).status_code == 400
    assert not KeyFact.objects.exists()
    assert client.post(url, fact).status_code == 302
    assert "children in care" in client.get(url).content.decode()
    stored = KeyFact.objects.get()
    assert client_as("ncp-se").post(url, {"action": "delete", "fact": stored.pk}).status_code == 403
    assert client.post(url, {"action": "delete", "fact": "nonsense"}).status_code == 404
    assert client.post(url, {"action": "delete", "fact": stored.pk}).status_code == 302
    assert not KeyFact.objects.exists()


def test_news_create_and_translate(client_as: ClientAs) -> None:
    secretariat = client_as("secretariat")
    bad = secretariat.post("/en/portal/edit/news/new/", {"slug": "ncp-lt", "title": "", "body": "<script>x</script>"})
    assert bad.status_code == 400
    assert not NewsItem.objects.exists()
    response = secretariat.post(
        "/en/portal/edit/news/new/",
        {"slug": "ncp-lt", "title": "Lithuania's NCP", "body": "<p>News</p>", "country": Country.objects.get(code="LT").pk},
    )
    assert response.status_code == 302
    assert response["Location"] == "/en/portal/edit/news/ncp-lt/en/"
    item = NewsItem.objects.get()
    assert item.country is not None
    assert item.country.code == "LT"
    assert secretariat.post("/en/portal/edit/news/ncp-lt/ru/", {"title": "НКП Литвы", "action": "publish"}).status_code == 302
    published = selectors.published(item, "ru")
    assert published is not None
    assert published.data["title"] == "НКП Литвы"
    assert published.revision.source_revision == 1


def test_an_outdated_translation_stays_outdated_until_the_translator_says_it_is_up_to_date(client_as: ClientAs) -> None:
    # given a Russian translation of English revision 1, and English now at revision 2
    ncp = client_as("ncp-lt")
    english(ncp, legislation="<p>Old</p>")
    ncp.post(LT_RU, {"legislation": "<p>Старый</p>", "source_revision": "1", "action": "save"})
    english(ncp, legislation="<p>New</p>")
    assert 'name="source_revision" value="2"' in ncp.get(LT_RU).content.decode()
    # when the translator saves a correction without ticking "up to date", it stays outdated
    ncp.post(LT_RU, {"legislation": "<p>Старый!</p>", "source_revision": "2", "action": "save"})
    status = services.language_status(lithuania(), "ru")
    assert (status.revision, status.source_revision, status.outdated) == (2, 1, True)
    # when they translate the change and tick it, it is current
    ncp.post(LT_RU, {"legislation": "<p>Новый</p>", "source_revision": "2", "up_to_date": "on", "action": "save"})
    status = services.language_status(lithuania(), "ru")
    assert (status.revision, status.source_revision, status.outdated) == (3, 2, False)
