"""Library search (carnet.library.search): stemming per language, safe query parsing, visibility, snippets, order.

Runs on SQLite (FTS5 + snowball stems) and on PostgreSQL (per-row text-search configurations):
`DATABASE_URL=postgres://... pytest tests/library/test_search.py --create-db`.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from carnet.accounts.models import Role, User
from carnet.core.models import Country, Priority
from carnet.library import search, services
from carnet.library.models import Resource, ResourceKind, ResourceVersion, SearchDocument, Visibility
from tests.library import factories

pytestmark = pytest.mark.django_db


def slugs(results: search.SearchResults) -> list[str]:
    return [hit.resource.slug for hit in results.hits]


def find(query: str, *, actor: Any = None, language: str = "en", **filters: Any) -> search.SearchResults:
    from django.contrib.auth.models import AnonymousUser

    return search.search(actor=actor or AnonymousUser(), query=query, language=language, filters=search.SearchFilters(**filters))


def facet(results: search.SearchResults, name: str) -> dict[str, int]:
    return {value.value: value.count for value in results.facets[name]}


# --- stems and words --------------------------------------------------------------------------------


def test_stem_words_use_the_language_stemmer() -> None:
    assert search.stem_words("Детям, дети и детей!", "ru") == ["дет", "дет", "и", "дет"]
    assert search.stem_words("Running children", "en") == ["run", "children"]
    # no stemmer for Estonian: lower case, diacritics stripped
    assert search.stem_words("Hooldusõigus ÄRA", "et") == ["hooldusoigus", "ara"]
    assert search.stem_words("Żółw", "pl") == ["zolw"]


def test_configurations_exist_in_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT cfgname FROM pg_ts_config")
        available = {row[0] for row in cursor.fetchall()}
    assert set(search.PG_CONFIGS.values()) | {"simple"} <= available
    assert search.pg_config("et") == "simple"


@pytest.mark.parametrize(
    ("query", "terms", "cut"),
    [
        ('"care" AND NEAR(x y) *:^()-&|!', ["care", "and", "near", "x", "y"], False),
        ("  ", [], False),
        ("a " * 20, ["a"], False),
        (" ".join(f"w{n}" for n in range(20)), [f"w{n}" for n in range(12)], True),
        ("x" * 10_000, ["x" * 200], True),
    ],
    ids=["syntax", "blank", "long-repeated", "too-many-words", "10k-chars"],
)
def test_query_terms_keep_only_words(query: str, terms: list[str], cut: bool) -> None:
    assert search.query_terms(query) == (terms, cut)


# --- matching -------------------------------------------------------------------------------------


def test_inflected_russian_finds_other_forms() -> None:
    # given a Russian version saying "дети" and "детей"
    factories.published_resource(
        slug="deti",
        languages=("en", "ru"),
        titles={"en": "A guide", "ru": "Руководство"},
        summaries={"en": "", "ru": ""},
        bodies={"en": "Nothing here.", "ru": "Дети и права детей."},
    )
    factories.published_resource(
        slug="other", titles={"en": "Dogs", "ru": "Собаки"}, summaries={"en": "", "ru": ""}, bodies={"en": "Dogs.", "ru": "Собаки."}
    )
    # when searching for the dative "детям"
    results = find("детям", language="ru")
    # then the resource is found, in Russian, with the words marked
    assert slugs(results) == ["deti"]
    assert results.hits[0].primary.language == "ru"
    assert "<mark>Дети</mark>" in results.hits[0].primary.snippet
    assert "<mark>детей</mark>" in results.hits[0].primary.snippet
    assert results.count == 1


def test_english_stemming_and_irregular_plurals() -> None:
    factories.published_resource(
        slug="child", languages=("en",), titles={"en": "Protection"}, bodies={"en": "Every child is running to school."}
    )
    assert slugs(find("children")) == ["child"]
    assert slugs(find("runs")) == ["child"]
    assert slugs(find("CHILD")) == ["child"]
    assert slugs(find("children elephant")) == []  # every word must match


def test_language_without_stemmer_matches_without_diacritics(settings: Any) -> None:
    settings.LANGUAGES = [("en", "English"), ("ru", "Russian"), ("et", "Eesti"), ("pl", "Polski")]
    res = factories.published_resource(slug="et-pl", languages=("en",), bodies={"en": "Care."})
    factories.version(res, "et", title="Lapse hooldusõigus", summary="", body="Kord: hooldusõigus.", publish=True)
    factories.version(res, "pl", title="Żółw", summary="", body="Opieka nad dzieckiem: żółw.", publish=True)
    assert SearchDocument.objects.get(resource=res, language="et").config == "simple"
    hit = find("hooldusoigus", language="et").hits[0]
    assert hit.primary.language == "et"
    assert hit.primary.snippet == "Kord: <mark>hooldusõigus</mark>."
    assert slugs(find("hooldusõigus", language="et")) == ["et-pl"]
    assert slugs(find("ZOLW", language="pl")) == ["et-pl"]
    assert find("zolw", language="pl").hits[0].primary.language == "pl"


def test_pdf_text_is_searched() -> None:
    factories.published_resource(
        slug="with-pdf",
        languages=("en",),
        bodies={"en": "A body."},
        files={"en": ("guide.pdf", factories.minimal_pdf("Forensic interviews"))},
    )
    results = find("interview")
    assert slugs(results) == ["with-pdf"]
    assert "<mark>interviews</mark>" in results.hits[0].primary.snippet


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"care',
        "care*",
        "*",
        "NEAR(care protection)",
        "^care",
        "care:*",
        "-care",
        "(care",
        "care & | !",
        "title:care",
        "'",
        "\\",
        "c\x00are",
    ],
)
def test_fts_syntax_is_never_passed_through(query: str) -> None:
    factories.published_resource(slug="care", languages=("en",))
    results = find(query)  # no error, whatever the query
    if search.query_terms(query)[0] == ["care"]:
        assert slugs(results) == ["care"]
    else:
        assert results.count == len(results.hits)


def test_a_ten_thousand_character_query_gives_results() -> None:
    factories.published_resource(slug="care", languages=("en",))
    results = find("care " * 2000)
    assert slugs(results) == ["care"]
    assert results.cut is True
    assert len(results.query) == search.MAX_QUERY_CHARS
    assert find("zz" * 5000).hits == []


def test_stop_words_do_not_hide_results() -> None:
    factories.published_resource(slug="care", languages=("en",), bodies={"en": "The care of children."})
    assert slugs(find("the care of the children")) == ["care"]


# --- visibility -------------------------------------------------------------------------------------


@pytest.fixture
def three_resources(demo_users: dict[str, User]) -> None:
    factories.published_resource(slug="open", kind=ResourceKind.GUIDELINE, year=2006, bodies={"en": "Protection.", "ru": "Защита."})
    factories.published_resource(
        slug="members", kind=ResourceKind.REPORT, year=2007, visibility=Visibility.MEMBERS, bodies={"en": "Protection.", "ru": "Защита."}
    )
    factories.published_resource(
        slug="researchers",
        kind=ResourceKind.RESEARCH,
        year=2008,
        visibility=Visibility.RESTRICTED,
        restricted_to=Role.RESEARCHER,
        languages=("en",),
        bodies={"en": "Protection."},
    )


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        (None, ["open"]),
        ("member-fi", ["members", "open"]),
        ("researcher", ["members", "open", "researchers"]),
        ("secretariat", ["members", "open", "researchers"]),
    ],
    ids=["anonymous", "member", "restricted-role", "secretariat"],
)
def test_results_counts_and_facets_respect_visibility(
    three_resources: None, demo_users: dict[str, User], username: str | None, expected: list[str]
) -> None:
    actor = demo_users[username] if username else None
    for query in ("protection", ""):
        results = find(query, actor=actor)
        assert sorted(slugs(results)) == expected
        assert results.count == len(expected)
        kinds = {"open": "guideline", "members": "report", "researchers": "research"}
        years = {"open": "2006", "members": "2007", "researchers": "2008"}
        assert facet(results, "kind") == {kinds[slug]: 1 for slug in expected}
        assert facet(results, "year") == {years[slug]: 1 for slug in expected}
        assert facet(results, "language")["en"] == len(expected)


def test_anonymous_cannot_reach_a_member_resource_through_filters(three_resources: None) -> None:
    assert find("protection", kind=ResourceKind.REPORT).hits == []
    assert find("protection", kind=ResourceKind.REPORT).count == 0
    assert find("", year=2007).facets["kind"] == []


def test_changing_visibility_and_withdrawing_update_search(three_resources: None) -> None:
    res = Resource.objects.get(slug="open")
    services.resource_update(actor=factories.secretariat_user(), resource=res, visibility=Visibility.MEMBERS)
    assert find("protection").hits == []
    services.resource_update(actor=factories.secretariat_user(), resource=res, visibility=Visibility.PUBLIC)
    assert slugs(find("protection")) == ["open"]
    english = ResourceVersion.objects.get(resource=res, language="en")
    services.version_withdraw(actor=factories.secretariat_user(), version=english, reason="outdated")
    assert find("protection").hits == []
    results = find("защита")
    assert [hit.primary.language for hit in results.hits] == ["ru"]  # the Russian version is still published
    assert not SearchDocument.objects.filter(version=english).exists()


# --- order, languages, filters, snippets -----------------------------------------------------------------


def test_the_readers_language_comes_first_and_other_languages_are_marked() -> None:
    factories.published_resource(slug="both", bodies={"en": "Protection of children.", "ru": "Защита детей."})
    # every word must match in one version
    assert slugs(find("protection защита", language="ru")) == []
    # a Russian reader finds the resource in Russian, the English version marked as also there (and matching)
    hit = find("защиты", language="ru").hits[0]
    assert (hit.primary.language, hit.primary.matched) == ("ru", True)
    assert [(v.language, v.language_name, v.matched) for v in hit.others] == [("en", "English", False)]
    # an English reader who searched in Russian: the English version first, not matching; the Russian one matching
    hit = find("детям", language="en").hits[0]
    assert (hit.primary.language, hit.primary.matched) == ("en", False)
    assert [(v.language, v.matched) for v in hit.others] == [("ru", True)]
    assert "<mark>детей</mark>" in hit.others[0].snippet


def test_reader_language_orders_resources() -> None:
    factories.published_resource(slug="en-only", languages=("en",), titles={"en": "Care care care"}, bodies={"en": "Care."})
    factories.published_resource(slug="ru-too", titles={"en": "Other", "ru": "Другое"}, bodies={"en": "Care.", "ru": "Care."})
    assert slugs(find("care", language="ru")) == ["ru-too", "en-only"]


def test_filters_and_facets() -> None:
    first = Priority.objects.order_by("number").first()
    lithuania = Country.objects.get(code="LT")
    assert first is not None
    factories.published_resource(slug="tool", kind=ResourceKind.TOOL, year=2005, priorities=[first], countries=[lithuania])
    factories.published_resource(slug="guide", kind=ResourceKind.GUIDELINE, year=2006)
    assert slugs(find("care", kind="tool")) == ["tool"]
    assert slugs(find("care", topic=first.slug)) == ["tool"]
    assert slugs(find("care", country="LT")) == ["tool"]
    assert slugs(find("care", year=2006)) == ["guide"]
    everything = find("care")
    assert facet(everything, "kind") == {"tool": 1, "guideline": 1}
    assert facet(everything, "topic") == {first.slug: 1}
    assert facet(everything, "country") == {"LT": 1}
    assert facet(everything, "language") == {"en": 2}
    only_ru = search.search(actor=None, query="заботиться", language="en", filters=search.SearchFilters(language="ru"))
    assert [(f.value, f.selected) for f in only_ru.facets["language"]] == [("ru", True)]
    assert [hit.primary.language for hit in only_ru.hits] == ["ru", "ru"]


def test_parse_filters_reports_bad_values() -> None:
    filters, errors = search.parse_filters({"kind": "poem", "year": "20x6", "country": "zz", "topic": "nope", "language": "xx"})
    assert filters == search.SearchFilters()
    assert len(errors) == 5
    filters, errors = search.parse_filters({"kind": "k\x00", "year": "\x00", "country": "L\x00", "topic": "a\x00b", "language": "r\x00"})
    assert filters == search.SearchFilters()
    assert errors[0] == "There is no kind of resource called “k”."
    assert len(errors) == 5
    filters, errors = search.parse_filters({"kind": "tool", "year": "2006", "country": "lt", "language": "ru"})
    assert filters == search.SearchFilters(kind="tool", year=2006, country="LT", language="ru")
    assert errors == []


def test_snippets_escape_html() -> None:
    factories.published_resource(
        slug="xss",
        languages=("en",),
        titles={"en": "<script>alert(1)</script> care"},
        bodies={"en": "Write `<script>` & care about <b>care</b>."},
    )
    snippet = find("care").hits[0].primary.snippet
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "<mark>care</mark>" in snippet
    assert "<b>" not in snippet


def test_highlight_marks_only_matching_words() -> None:
    snippet = search.highlight("Care <and> cars caring.", ["caring"], "en")
    assert snippet == "<mark>Care</mark> &lt;and&gt; cars <mark>caring</mark>."


def test_pagination_counts_resources() -> None:
    for number in range(3):
        factories.published_resource(slug=f"r{number}")
    results = search.search(actor=None, query="care", language="en", page=2, per_page=2)
    assert results.count == 3
    assert results.page.number == 2
    assert len(results.hits) == 1
    assert len({hit.resource.slug for hit in results.hits}) == 1
    # a page beyond the last gives the last; nonsense gives the first
    assert search.search(actor=None, query="care", page=99, per_page=2).page.number == 2
    assert search.search(actor=None, query="care", page="x", per_page=2).page.number == 1
