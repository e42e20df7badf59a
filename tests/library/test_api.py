"""The library's reading API: visibility per account (session or token), 404s that reveal nothing, filters, bad parameters."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.test import Client

from carnet.accounts.models import Role
from carnet.accounts.services import token_create
from carnet.core.models import Country, Priority
from carnet.library.models import ResourceKind, ResourceVersion, Visibility
from carnet.library.services import version_withdraw
from tests.fixtures import ROLES
from tests.library.factories import library_media, minimal_pdf, published_resource, resource, secretariat_user, version  # noqa: F401
from tests.matrix.library_api import API

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("library_media")]

BASE = "/api/v1/library/resources"
NOT_FOUND = {"detail": "Not found.", "code": "not_found"}
NCP_SEERS = {"ncp-se", "ncp-lt", "secretariat"}  # holders of the NCP role, and the secretariat, see the NCP-only resource


@pytest.fixture
def library(demo_users: dict[str, Any]) -> dict[str, Any]:
    """A public guideline (EN+RU, a PDF each), a member-only report, an NCP-only tool and a draft."""
    lithuania = Country.objects.get(code="LT")
    trafficking = Priority.objects.get(slug="unaccompanied-and-trafficked-children")
    return {
        "public": published_resource(
            slug="public-guideline",
            year=2008,
            priorities=[trafficking],
            countries=[lithuania],
            titles={"en": "Identification of child victims", "ru": "Выявление детей-жертв"},
            bodies={"en": "Read **this**, see [the site](https://example.org).", "ru": "Читайте."},
            files={"en": ("identification.pdf", minimal_pdf("Identification"))},
        ),
        "members": published_resource(slug="members-report", kind=ResourceKind.REPORT, visibility=Visibility.MEMBERS, year=2007),
        "ncp": published_resource(
            slug="ncp-tool", kind=ResourceKind.TOOL, visibility=Visibility.RESTRICTED, restricted_to=Role.NCP, languages=["en"]
        ),
        "draft": _draft(),
    }


def _draft() -> Any:
    draft = resource(slug="draft-guideline", visibility=Visibility.PUBLIC)
    version(draft, "en", title="Not yet published")
    return draft


def _expected_slugs(role: str) -> list[str]:
    slugs = ["public-guideline"]
    if role != "anonymous":
        slugs.insert(0, "members-report")
    if role in NCP_SEERS:
        slugs.insert(0, "ncp-tool")
    return sorted(slugs)


def test_the_list_shows_each_account_exactly_what_it_may_see(client_as: Any, library: dict[str, Any]) -> None:
    for role in ROLES:
        # when each account lists the library
        response = client_as(role).get(BASE)
        # then it sees the published resources its visibility allows, and the count says no more
        assert response.status_code == 200, role
        body = response.json()
        assert sorted(item["slug"] for item in body["items"]) == _expected_slugs(role), role
        assert body["count"] == len(_expected_slugs(role)), role


@pytest.mark.parametrize("suffix", ["", "/versions/en"], ids=["resource", "version"])
def test_a_resource_one_may_not_see_answers_like_a_missing_one(client_as: Any, library: dict[str, Any], suffix: str) -> None:
    row = API["GET /library/resources/{slug}" + ("/versions/{language}" if suffix else "")]
    for role in ROLES:
        client = client_as(role)
        for slug in ("public-guideline", "members-report", "ncp-tool", "draft-guideline", "no-such-resource"):
            response = client.get(f"{BASE}/{slug}{suffix}")
            visible = slug in _expected_slugs(role)
            # then a visible resource is there, anything else is the same 404 body as a missing one
            assert response.status_code == (200 if visible else 404), (role, slug)
            if not visible:
                assert response.json() == NOT_FOUND, (role, slug)
        # the matrix row's expectation is the NCP-only resource's
        assert client.get(f"{BASE}/ncp-tool{suffix}").status_code == row.expect[role], role


def test_the_detail_lists_every_published_language_with_its_file(client: Client, library: dict[str, Any]) -> None:
    # when anyone reads the public guideline
    body = client.get(f"{BASE}/public-guideline?lang=ru").json()
    # then its facts, the title in the asked language and both published languages
    assert body["slug"] == "public-guideline"
    assert body["kind"] == "guideline"
    assert body["year"] == 2008
    assert body["topics"] == ["unaccompanied-and-trafficked-children"]
    assert body["countries"] == ["LT"]
    assert body["languages"] == ["en", "ru"]
    assert (body["title"], body["language"]) == ("Выявление детей-жертв", "ru")
    assert body["page_url"] == "/en/library/resources/public-guideline/"
    assert body["url"] == "/api/v1/library/resources/public-guideline"
    assert body["instrument"] is None
    english, russian = body["versions"]
    assert english["language"] == "en"
    assert english["file"]["name"] == "identification.pdf"
    assert english["file"]["type"] == "application/pdf"
    assert english["file"]["size"] == len(minimal_pdf("Identification"))
    assert english["file"]["download_url"] == "/en/library/resources/public-guideline/en/file/"
    assert english["url"] == "/api/v1/library/resources/public-guideline/versions/en"
    assert russian["file"] is None
    assert russian["title"] == "Выявление детей-жертв"


def test_a_version_gives_its_text_as_sanitised_html(client: Client, library: dict[str, Any]) -> None:
    # when anyone reads the English version
    body = client.get(f"{BASE}/public-guideline/versions/en").json()
    # then the Markdown comes as the cleaned HTML the page shows, with the file's facts
    assert body["title"] == "Identification of child victims"
    assert body["resource"] == "public-guideline"
    assert body["revision"] == 1
    assert body["body_html"] == (
        '<p>Read <strong>this</strong>, see <a href="https://example.org" rel="noopener noreferrer">the site</a>.</p>\n'
    )
    assert body["file"]["sha256"] == hashlib.sha256(minimal_pdf("Identification")).hexdigest()


def test_a_withdrawn_language_is_gone_from_the_api(client: Client, library: dict[str, Any]) -> None:
    # given the Russian version is withdrawn
    russian = ResourceVersion.objects.get(resource=library["public"], language="ru")
    version_withdraw(actor=secretariat_user(), version=russian, reason="outdated")
    # then it answers 404 and the resource lists English only
    assert client.get(f"{BASE}/public-guideline/versions/ru").status_code == 404
    assert client.get(f"{BASE}/public-guideline").json()["languages"] == ["en"]


@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        ("kind=report", ["members-report"]),
        ("kind=guideline", ["public-guideline"]),
        ("topic=unaccompanied-and-trafficked-children", ["public-guideline"]),
        ("topic=2", ["public-guideline"]),
        ("country=lt", ["public-guideline"]),
        ("language=ru", ["members-report", "public-guideline"]),
        ("year=2007", ["members-report"]),
        ("year=2007&kind=guideline", []),
        ("limit=1&offset=1", ["members-report"]),
    ],
)
def test_filters(client_as: Any, library: dict[str, Any], query: str, slugs: list[str]) -> None:
    # when a member filters the list
    body = client_as("member-fi").get(f"{BASE}?{query}").json()
    # then exactly the matching resources come back
    assert sorted(item["slug"] for item in body["items"]) == slugs


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("kind=poem", "kind"),
        ("year=abc", "year"),
        ("year=1200", "year"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("offset=-1", "offset"),
        ("topic=no-such-topic", "topic"),
        ("country=XX", "country"),
        ("language=xx", "language"),
        ("lang=klingon", "lang"),
    ],
)
def test_bad_parameters_are_a_422_naming_the_field(client: Client, library: dict[str, Any], query: str, field: str) -> None:
    response = client.get(f"{BASE}?{query}")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert [error["field"] for error in body["errors"]] == [field]


def test_a_bearer_token_sees_what_its_owner_sees_and_a_bad_one_is_refused(demo_users: dict[str, Any], library: dict[str, Any]) -> None:
    # given a token of ncp-lt
    issued = token_create(actor=demo_users["ncp-lt"], user=demo_users["ncp-lt"], name="library")
    client = Client()
    # when it reads the list and the NCP-only tool
    headers = {"Authorization": f"Bearer {issued.secret}"}
    body = client.get(BASE, headers=headers).json()
    # then it sees what an NCP sees
    assert sorted(item["slug"] for item in body["items"]) == _expected_slugs("ncp-lt")
    assert client.get(f"{BASE}/ncp-tool", headers=headers).status_code == 200
    # and a wrong token is a 401, not an anonymous read
    refused = client.get(BASE, headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthorized"


def test_the_list_makes_a_fixed_number_of_queries(client: Client, library: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    # given many more public resources
    for number in range(5):
        published_resource(slug=f"more-{number}", languages=["en"])
    # then listing them does not make a query per resource
    with django_assert_max_num_queries(8):
        response = client.get(f"{BASE}?limit=100")
    assert response.json()["count"] == 6
