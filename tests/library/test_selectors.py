"""Who sees which resource, published languages, outdated translations and the English diff."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from carnet.accounts.models import User
from carnet.library import selectors, services
from carnet.library.models import ResourceVersion, Visibility
from tests.library.factories import library_media, published_resource, resource, version

pytestmark = pytest.mark.usefixtures("library_media")
__all__ = ["library_media"]


@pytest.fixture
def shelf(demo_users: dict[str, User]) -> dict[str, str]:
    """One published resource per visibility, plus a draft of the secretariat's and a draft of ncp-se's."""
    published_resource(slug="open", visibility=Visibility.PUBLIC)
    published_resource(slug="members", visibility=Visibility.MEMBERS)
    published_resource(slug="for-ncps", visibility=Visibility.RESTRICTED, restricted_to="ncp")
    version(resource(slug="secretariat-draft", visibility=Visibility.PUBLIC), "en")
    version(resource(slug="ncp-draft", actor=demo_users["ncp-se"], visibility=Visibility.MEMBERS), "en", actor=demo_users["ncp-se"])
    return {}


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("anonymous", ["open"]),
        ("member-fi", ["members", "open"]),
        ("expert-ee", ["members", "open"]),
        ("ncp-se", ["for-ncps", "members", "ncp-draft", "open"]),
        ("ncp-lt", ["for-ncps", "members", "open"]),
        ("secretariat", ["for-ncps", "members", "ncp-draft", "open", "secretariat-draft"]),
    ],
)
def test_resource_list_per_account(demo_users: dict[str, User], shelf: dict[str, str], username: str, expected: list[str]) -> None:
    actor = AnonymousUser() if username == "anonymous" else demo_users[username]

    slugs = sorted(selectors.resource_list_for(actor).values_list("slug", flat=True))

    assert slugs == expected


@pytest.mark.parametrize(
    ("username", "slug"),
    [
        ("anonymous", "members"),
        ("anonymous", "for-ncps"),
        ("anonymous", "secretariat-draft"),
        ("member-fi", "for-ncps"),
        ("member-fi", "ncp-draft"),
        ("ncp-lt", "ncp-draft"),
        ("anonymous", "no-such-resource"),
    ],
)
def test_what_one_may_not_see_is_the_same_404_as_missing(
    demo_users: dict[str, User], shelf: dict[str, str], username: str, slug: str
) -> None:
    actor = AnonymousUser() if username == "anonymous" else demo_users[username]

    with pytest.raises(Http404):
        selectors.resource_get_for(actor=actor, slug=slug)
    with pytest.raises(Http404):
        selectors.published_revision_get_for(actor=actor, slug=slug, language="en")


def test_published_versions_are_the_published_revisions(demo_users: dict[str, User]) -> None:
    res = published_resource()
    services.version_save(actor=demo_users["secretariat"], resource=res, language="ru", title="Новый черновик")

    published = selectors.published_versions(res)

    assert list(published) == ["en", "ru"]
    assert (published["ru"].number, published["ru"].title) == (1, "Руководство по заботе о детях")


def test_a_translation_is_outdated_when_english_is_published_again(demo_users: dict[str, User]) -> None:
    res = published_resource(bodies={"en": "First line\n\nSecond line", "ru": "Первая строка"})
    russian = ResourceVersion.objects.get(resource=res, language="ru")
    assert selectors.version_outdated(russian) is False

    version(res, "en", body="First line\n\nSecond line, changed", publish=True)

    russian.refresh_from_db()
    assert selectors.version_outdated(russian) is True
    diff = selectors.source_diff(russian)
    assert [(d.field, d.lines) for d in diff] == [
        ("body", ["@@ -1,3 +1,3 @@", " First line", " ", "-Second line", "+Second line, changed"])
    ]
    states = {s.language: s for s in selectors.edit_state(res)}
    assert (states["en"].outdated, states["ru"].outdated) == (False, True)


def test_an_english_draft_does_not_make_a_translation_outdated(demo_users: dict[str, User]) -> None:
    res = published_resource()
    version(res, "en", title="Unpublished change")

    russian = ResourceVersion.objects.get(resource=res, language="ru")
    assert selectors.version_outdated(russian) is False
    assert selectors.source_diff(russian) == []


def test_drafts_and_review_queue(demo_users: dict[str, User]) -> None:
    ncp, secretariat = demo_users["ncp-se"], demo_users["secretariat"]
    own = resource(actor=ncp, slug="own")
    draft = version(own, "en", actor=ncp)
    services.version_submit(actor=ncp, version=draft)
    version(resource(slug="other"), "en")

    assert [v.resource.slug for v in selectors.my_drafts(ncp)] == ["own"]
    assert sorted(v.resource.slug for v in selectors.my_drafts(secretariat)) == ["other", "own"]
    assert [v.resource.slug for v in selectors.review_queue(secretariat)] == ["own"]
    assert list(selectors.review_queue(ncp)) == []
