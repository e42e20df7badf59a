"""GET /api/v1/library/search: public, but each caller (session or bearer token) finds only what it may see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from carnet.accounts.models import Role, User
from carnet.library.models import ResourceKind, Visibility
from tests.accounts.factories import ApiTokenFactory
from tests.library import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/library/search"


@pytest.fixture
def library(demo_users: dict[str, User]) -> None:
    factories.published_resource(
        slug="open-guide", kind=ResourceKind.GUIDELINE, year=2006, bodies={"en": "Care of children.", "ru": "Забота о детях."}
    )
    factories.published_resource(
        slug="members-report",
        kind=ResourceKind.REPORT,
        year=2007,
        visibility=Visibility.MEMBERS,
        bodies={"en": "Care of children.", "ru": "Забота о детях."},
    )
    factories.published_resource(
        slug="researchers-only",
        kind=ResourceKind.RESEARCH,
        year=2008,
        visibility=Visibility.RESTRICTED,
        restricted_to=Role.RESEARCHER,
        languages=("en",),
        bodies={"en": "Care of children."},
    )


def slugs(body: dict[str, Any]) -> list[str]:
    return sorted(hit["slug"] for hit in body["hits"])


@pytest.mark.parametrize(
    ("username", "seen"),
    [
        ("anonymous", ["open-guide"]),
        ("member-fi", ["members-report", "open-guide"]),
        ("researcher", ["members-report", "open-guide", "researchers-only"]),
        ("expert-ee", ["members-report", "open-guide"]),
        ("secretariat", ["members-report", "open-guide", "researchers-only"]),
    ],
)
def test_results_and_facets_per_account(library: None, client_as: Callable[[str], Client], username: str, seen: list[str]) -> None:
    response = client_as(username).get(URL, {"q": "children"})
    assert response.status_code == 200
    body = response.json()
    assert slugs(body) == seen
    assert body["count"] == len(seen)
    kinds = {"open-guide": "guideline", "members-report": "report", "researchers-only": "research"}
    assert sorted(f["value"] for f in body["facets"]["kind"]) == sorted(kinds[slug] for slug in seen)
    assert {f["value"]: f["count"] for f in body["facets"]["language"]}["en"] == len(seen)


def test_a_bearer_token_searches_as_its_owner(library: None, demo_users: dict[str, User], client: Client) -> None:
    token = ApiTokenFactory(user=demo_users["researcher"])
    response = client.get(URL, {"q": "children"}, HTTP_AUTHORIZATION=f"Bearer {token.secret}")
    assert response.status_code == 200
    assert slugs(response.json()) == ["members-report", "open-guide", "researchers-only"]


def test_a_bad_token_is_refused_not_treated_as_anonymous(library: None, client: Client) -> None:
    response = client.get(URL, {"q": "children"}, HTTP_AUTHORIZATION="Bearer carnet_nope")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert "open-guide" not in response.content.decode()


def test_inflected_russian_and_the_shape_of_a_hit(library: None, client: Client) -> None:
    response = client.get(URL, {"q": "детям", "language": "ru"})
    assert response.status_code == 200
    body = response.json()
    assert body["terms"] == ["детям"]
    assert [hit["slug"] for hit in body["hits"]] == ["open-guide"]
    hit = body["hits"][0]
    assert hit["version"]["language"] == "ru"
    assert hit["version"]["matched"] is True
    assert hit["version"]["snippet"] == "Забота о <mark>детях</mark>."
    assert hit["version"]["url"].endswith("/library/resources/open-guide/?language=ru")
    assert [(v["language"], v["matched"]) for v in hit["other_versions"]] == [("en", False)]


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"kind": "poem"}, 400, None),
        ({"year": "20x6"}, 400, None),
        ({"country": "ZZ"}, 400, None),
        ({"topic": "nothing"}, 400, None),
        ({"language": "xx"}, 400, None),
        ({"topic": "a\x00b"}, 400, None),
        ({"country": "\x00"}, 400, None),
        ({"page": "0"}, 422, "page"),
        ({"page": "abc"}, 422, "page"),
        ({"page": "5"}, 400, None),
    ],
)
def test_bad_parameters_are_4xx_json(library: None, client: Client, params: dict[str, str], status: int, field: str | None) -> None:
    response = client.get(URL, {"q": "children", **params})
    assert response.status_code == status
    body = response.json()
    assert body["detail"]
    if field:
        assert body["errors"][0]["field"] == field


@pytest.mark.parametrize("query", ["care " * 2000, '"*:^()-&|!NEAR', "x" * 10_000, "", "  "])
def test_any_query_is_answered(library: None, client: Client, query: str) -> None:
    response = client.get(URL, {"q": query})
    assert response.status_code == 200
    body = response.json()
    assert set(slugs(body)) <= {"open-guide"}
    if query.startswith("care"):
        assert slugs(body) == ["open-guide"]
        assert body["cut"] is True


def test_filters(library: None, client_as: Callable[[str], Client]) -> None:
    client = client_as("member-fi")
    body = client.get(URL, {"q": "children", "kind": "report", "year": "2007"}).json()
    assert slugs(body) == ["members-report"]
    assert [(f["value"], f["selected"]) for f in body["facets"]["kind"]] == [("report", True)]
