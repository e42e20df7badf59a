"""The library's home page (library:index): search form, facets, results, browsing; visibility per account."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from carnet.accounts.models import Role, User
from carnet.library.models import ResourceKind, Visibility
from tests.library import factories

pytestmark = pytest.mark.django_db

URL = "/en/library/"


@pytest.fixture
def library(demo_users: dict[str, User]) -> None:
    factories.published_resource(
        slug="open-guide",
        kind=ResourceKind.GUIDELINE,
        titles={"en": "Open guide on care", "ru": "Открытое руководство"},
        bodies={"en": "Care of children.", "ru": "Забота о детях."},
    )
    factories.published_resource(
        slug="members-report",
        kind=ResourceKind.REPORT,
        year=2007,
        visibility=Visibility.MEMBERS,
        titles={"en": "Members report on care", "ru": "Отчёт для членов"},
        bodies={"en": "Care of children.", "ru": "Забота о детях."},
    )
    factories.published_resource(
        slug="researchers-only",
        kind=ResourceKind.RESEARCH,
        year=2008,
        visibility=Visibility.RESTRICTED,
        restricted_to=Role.RESEARCHER,
        languages=("en",),
        titles={"en": "Research note on care"},
        bodies={"en": "Care of children."},
    )


@pytest.mark.parametrize(
    ("username", "seen"),
    [
        ("anonymous", {"open-guide"}),
        ("member-fi", {"open-guide", "members-report"}),
        ("researcher", {"open-guide", "members-report", "researchers-only"}),
        ("secretariat", {"open-guide", "members-report", "researchers-only"}),
    ],
)
@pytest.mark.parametrize("query", ["care", ""], ids=["search", "browse"])
def test_each_account_sees_only_what_it_may(
    library: None, client_as: Callable[[str], Client], username: str, seen: set[str], query: str
) -> None:
    # when
    response = client_as(username).get(URL, {"q": query})
    # then the page lists exactly the visible resources, and no facet or count mentions the others
    assert response.status_code == 200
    html = response.content.decode()
    everything = {"open-guide", "members-report", "researchers-only"}
    for slug in everything:
        assert (f'id="hit-{slug}"' in html) is (slug in seen), slug
    assert ("Research or mapping result" in html) is ("researchers-only" in seen)
    assert ("Report" in html) is ("members-report" in seen)
    if query:
        assert f"{len(seen)} resource" in html


def test_russian_reader_finds_the_russian_version_by_an_inflected_word(library: None, client: Client) -> None:
    response = client.get("/ru/library/", {"q": "детям"})
    html = response.content.decode()
    assert response.status_code == 200
    with translation.override("ru"):
        url = reverse("library:resource", args=["open-guide"])
    assert f'lang="ru"><a href="{url}?language=ru">Открытое руководство</a>' in html
    assert "<mark>детях</mark>" in html
    assert "members-report" not in html


def test_a_title_with_script_is_shown_as_text(client: Client, db: None) -> None:
    factories.published_resource(
        slug="xss", languages=("en",), titles={"en": "<script>alert(1)</script> care"}, bodies={"en": "Write `<script>` with care."}
    )
    html = client.get(URL, {"q": "care"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; care" in html
    assert "<mark>care</mark>" in html
    assert "Write &lt;script&gt; with <mark>care</mark>" in html


def test_facet_links_filter_and_keep_the_query(library: None, client_as: Callable[[str], Client]) -> None:
    client = client_as("member-fi")
    html = client.get(URL, {"q": "care"}).content.decode()
    assert 'href="?q=care&amp;kind=report"' in html
    filtered = client.get(URL, {"q": "care", "kind": "report"}).content.decode()
    assert 'id="hit-members-report"' in filtered
    assert 'id="hit-open-guide"' not in filtered
    assert 'href="?q=care" aria-current="true"' in filtered  # the selected value's link removes it
    assert '<input type="hidden" name="kind" value="report">' in filtered


def test_bad_filters_and_long_or_odd_queries_give_a_clear_page(library: None, client: Client) -> None:
    response = client.get(URL, {"q": "care", "kind": "poem", "year": "soon"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is no kind of resource called “poem”." in html
    assert "A year is written with four digits, like 2008." in html
    assert 'id="hit-open-guide"' in html
    long = client.get(URL, {"q": "care " * 2000})
    assert long.status_code == 200
    assert "only its first 12 words" in long.content.decode()
    odd = client.get(URL, {"q": '"NEAR(*:^)-&|! zzzz'})
    assert odd.status_code == 200
    assert "No resource matches" in odd.content.decode()


def test_browsing_lists_latest_and_paginates(client: Client, db: None) -> None:
    for number in range(22):
        factories.published_resource(slug=f"r-{number:02d}", languages=("en",))
    first = client.get(URL).content.decode()
    assert "Latest resources" in first
    assert first.count('class="library-hit"') == 20
    assert 'id="hit-r-21"' in first  # the newest first
    second = client.get(URL, {"page": "2"}).content.decode()
    assert second.count('class="library-hit"') == 2
    assert 'id="hit-r-00"' in second
    assert client.get(URL, {"page": "many"}).status_code == 200


def test_empty_library(client: Client, db: None) -> None:
    html = client.get(URL).content.decode()
    assert "There are no resources in the library yet." in html


def test_the_number_of_queries_does_not_grow_with_the_results(client: Client, db: None) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        client.get(URL, {"q": "care"})
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"q": "care"})
        assert response.status_code == 200
        return len(captured)

    factories.published_resource(slug="first")
    few = queries()
    for number in range(6):
        factories.published_resource(slug=f"more-{number}")
    assert queries() == few
