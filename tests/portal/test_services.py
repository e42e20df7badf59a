"""The portal's editing workflow: drafts, review, publishing, revisions, outdated translations, key facts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carnet.accounts.models import User
from carnet.audit.models import AuditEntry
from carnet.core.errors import Conflict
from carnet.core.models import Country, Priority
from carnet.portal import selectors, services
from carnet.portal.models import CountryPage, KeyFact, NewsItem, PriorityPage, Revision, Status
from carnet.portal.policies import PortalAction, PortalPolicy

pytestmark = pytest.mark.django_db

Users = dict[str, User]


@pytest.fixture(autouse=True)
def _no_cached_translations() -> Iterator[None]:
    """parler caches translations in the (in-memory) cache, which outlives each test's rolled-back database."""
    cache.clear()
    yield
    cache.clear()


def page_of(code: str) -> CountryPage:
    return CountryPage.objects.filter(country__code=code).first() or CountryPage(country=Country.objects.get(code=code))


def snapshot(obj: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Everything stored about one content object: its revisions and its translation rows."""
    revisions = list(
        Revision.objects.filter(object_id=str(obj.pk)).order_by("language", "number").values_list("language", "number", "status", "data")
    )
    model = obj._parler_meta.root_model
    rows = list(
        model.objects.filter(master_id=obj.pk)
        .order_by("language_code")
        .values_list("language_code", "status", "revision", "published_revision")
    )
    return revisions, rows


def english_published(users: Users, text: str = "<p>Lithuania protects children at risk.</p>") -> CountryPage:
    page = page_of("LT")
    services.content_save(actor=users["ncp-lt"], obj=page, language="en", data={"summary": "LT", "legislation": text})
    services.content_publish(actor=users["secretariat"], obj=page, language="en")
    return page


# --- policy ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "code", "expected"),
    [
        ("secretariat", "LT", True),
        ("secretariat", "SE", True),
        ("ncp-lt", "LT", True),
        ("ncp-lt", "SE", False),
        ("coordinator-lt", "LT", True),
        ("coordinator-lt", "SE", False),
        ("ncp-se", "LT", False),
        ("member-fi", "LT", False),
        ("member-fi", "FI", False),
        ("caseworker-lt", "LT", False),
        ("expert-ee", "EE", False),
        ("sysadmin", "LT", False),
    ],
)
def test_who_may_edit_a_country_page(demo_users: Users, username: str, code: str, expected: bool) -> None:
    assert PortalPolicy.can(demo_users[username], PortalAction.EDIT, page_of(code)) is expected


@pytest.mark.parametrize("action", [PortalAction.REVIEW, PortalAction.PUBLISH, PortalAction.CREATE_NEWS])
def test_review_publish_and_news_are_the_secretariats(demo_users: Users, action: PortalAction) -> None:
    allowed = {name for name, user in demo_users.items() if PortalPolicy.can(user, action, page_of("LT"))}
    assert allowed == {"secretariat"}


def test_only_the_secretariat_edits_priority_pages_and_news(demo_users: Users) -> None:
    priority = PriorityPage(priority=Priority.objects.order_by("number").first())
    allowed = {name for name, user in demo_users.items() if PortalPolicy.can(user, PortalAction.EDIT, priority)}
    assert allowed == {"secretariat"}


def test_unknown_action_and_anonymous_are_denied(demo_users: Users) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert PortalPolicy.can(demo_users["secretariat"], "delete_everything", page_of("LT")) is False
    assert PortalPolicy.can(AnonymousUser(), PortalAction.EDIT, None) is False


def test_visible_countries_are_the_editors_own(demo_users: Users) -> None:
    codes = lambda name: set(PortalPolicy.visible(demo_users[name], Country.objects.all()).values_list("code", flat=True))  # noqa: E731
    assert codes("ncp-lt") == {"LT"}
    assert codes("coordinator-lt") == {"LT"}
    assert codes("member-fi") == set()
    assert "SE" in codes("secretariat")


# --- saving ---------------------------------------------------------------------------------


def test_saving_makes_numbered_draft_revisions(demo_users: Users) -> None:
    # given the Lithuanian page, which does not exist yet
    page = page_of("LT")
    # when ncp-lt saves English twice
    first = services.content_save(actor=demo_users["ncp-lt"], obj=page, language="en", data={"summary": "One"}, note="first")
    second = services.content_save(actor=demo_users["ncp-lt"], obj=page, language="en", data={"summary": "Two"})
    # then the page exists, with revisions 1 and 2 as drafts, and the translation row says revision 2, draft
    assert (first.number, second.number) == (1, 2)
    assert first.status == Status.DRAFT
    assert first.note == "first"
    assert first.source_revision is None
    assert second.data == {"summary": "Two", "legislation": "", "services": ""}
    page.refresh_from_db()
    page.set_current_language("en")
    assert (page.summary, page.status, page.revision, page.published_revision) == ("Two", Status.DRAFT, 2, None)
    # and nothing is public yet
    assert selectors.published(page, "en") is None
    # and each save is audited
    assert AuditEntry.objects.filter(action="portal.content.save", object_type="portal.countrypage", object_id=str(page.pk)).count() == 2


def test_numbers_count_per_language(demo_users: Users) -> None:
    page = english_published(demo_users)
    ru = services.content_save(actor=demo_users["ncp-lt"], obj=page, language="ru", data={"summary": "Литва"})
    assert ru.number == 1
    assert ru.source_revision == 1


def test_fields_not_sent_keep_their_text(demo_users: Users) -> None:
    page = page_of("LT")
    services.content_save(actor=demo_users["ncp-lt"], obj=page, language="en", data={"summary": "S", "services": "<p>x</p>"})
    revision = services.content_save(actor=demo_users["ncp-lt"], obj=page, language="en", data={"summary": "S2"})
    assert revision.data == {"summary": "S2", "legislation": "", "services": "<p>x</p>"}


@pytest.mark.parametrize(
    ("html", "named"),
    [
        ('<p>Hi</p><script>alert("x")</script>', "<script>"),
        ('<p onclick="steal()">Hi</p>', "onclick="),
        ('<p style="color:red">Hi</p>', "style="),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ("<iframe src='https://evil.example'></iframe>", "<iframe>"),
        ("<img src=x onerror=alert(1)>", "<img>"),
    ],
    ids=["script", "event-attribute", "style", "javascript-url", "iframe", "img-onerror"],
)
def test_unsafe_rich_text_is_refused_and_nothing_is_stored(demo_users: Users, html: str, named: str) -> None:
    # given a page with a saved draft
    page = page_of("LT")
    services.content_save(actor=demo_users["ncp-lt"], obj=page, language="en", data={"summary": "Safe"})
    before = snapshot(page)
    audit_before = AuditEntry.objects.count()
    # when someone saves HTML with a script, style or event attribute in the legislation
    with pytest.raises(ValidationError) as refused:
        services.content_save(actor=demo_users["ncp-lt"], obj=page, language="en", data={"summary": "Changed", "legislation": html})
    # then the message names the field and what is not allowed, and nothing changed
    message = refused.value.message_dict["legislation"][0]
    assert "Legislation" in message
    assert named in message
    assert "Nothing was saved" in message
    assert snapshot(page) == before
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize(
    "html",
    [
        "<p>A &amp; B</p>",
        "A & B < C",
        "<p>line<br/>break</p>",
        '<p><a href="https://example.org/law">The law</a></p>',
        "<P>Upper case</P>",
        "<ul><li>one<li>two</ul>",
        "<p>unclosed",
        "<!-- a comment --><p>text</p>",
    ],
)
def test_safe_html_is_stored_cleaned(demo_users: Users, html: str) -> None:
    page = page_of("LT")
    revision = services.content_save(actor=demo_users["ncp-lt"], obj=page, language="en", data={"legislation": html})
    assert revision.data["legislation"] == services.richtext.clean(html)


def test_empty_text_is_refused(demo_users: Users) -> None:
    page = page_of("LT")
    with pytest.raises(ValidationError, match="every field is empty"):
        services.content_save(actor=demo_users["ncp-lt"], obj=page, language="en", data={"summary": "  "})
    assert not Revision.objects.exists()


def test_unknown_fields_and_languages_are_refused(demo_users: Users) -> None:
    page = page_of("LT")
    with pytest.raises(ValidationError, match="Unknown fields"):
        services.content_save(actor=demo_users["ncp-lt"], obj=page, language="en", data={"summary": "x", "title": "y"})
    with pytest.raises(ValidationError):
        services.content_save(actor=demo_users["ncp-lt"], obj=page, language="xx", data={"summary": "x"})
    assert not Revision.objects.exists()


def test_a_translation_needs_the_english_text_first(demo_users: Users) -> None:
    page = page_of("LT")
    with pytest.raises(ValidationError, match="English text first"):
        services.content_save(actor=demo_users["ncp-lt"], obj=page, language="ru", data={"summary": "Литва"})
    assert not Revision.objects.exists()


@pytest.mark.parametrize(("username", "code"), [("ncp-lt", "SE"), ("coordinator-lt", "SE"), ("member-fi", "FI"), ("caseworker-lt", "LT")])
def test_others_cannot_save(demo_users: Users, username: str, code: str) -> None:
    with pytest.raises(PermissionDenied):
        services.content_save(actor=demo_users[username], obj=page_of(code), language="en", data={"summary": "x"})
    assert not Revision.objects.exists()
    assert not CountryPage.objects.filter(country__code=code).exists()


# --- the workflow ---------------------------------------------------------------------------


def test_draft_submit_publish(demo_users: Users) -> None:
    # given a draft by the coordinator of Lithuania
    page = page_of("LT")
    services.content_save(actor=demo_users["coordinator-lt"], obj=page, language="en", data={"summary": "Draft"})
    # when they submit it
    services.content_submit(actor=demo_users["coordinator-lt"], obj=page, language="en")
    # then it is in review, not public
    assert Revision.objects.get(number=1).status == Status.IN_REVIEW
    assert services.language_status(page, "en").status == Status.IN_REVIEW
    assert selectors.published(page, "en") is None
    # when they try to publish it themselves, they may not
    with pytest.raises(PermissionDenied):
        services.content_publish(actor=demo_users["coordinator-lt"], obj=page, language="en")
    # when the secretariat publishes it
    services.content_publish(actor=demo_users["secretariat"], obj=page, language="en")
    # then the public reads revision 1
    published = selectors.published(page, "en")
    assert published is not None
    assert published.data["summary"] == "Draft"
    assert published.revision.number == 1
    status = services.language_status(page, "en")
    assert (status.status, status.revision, status.published_revision) == (Status.PUBLISHED, 1, 1)
    actions = list(
        AuditEntry.objects.filter(object_type="portal.countrypage", object_id=str(page.pk))
        .order_by("seq")
        .values_list("action", "actor_username")
    )
    assert actions == [
        ("portal.content.save", "coordinator-lt"),
        ("portal.content.submit", "coordinator-lt"),
        ("portal.content.publish", "secretariat"),
    ]


def test_a_new_draft_leaves_the_published_text_public(demo_users: Users) -> None:
    page = english_published(demo_users, "<p>Old</p>")
    services.content_save(actor=demo_users["ncp-lt"], obj=page, language="en", data={"legislation": "<p>New</p>"})
    published = selectors.published(page, "en")
    assert published is not None
    assert published.data["legislation"] == "<p>Old</p>"
    status = services.language_status(page, "en")
    assert (status.status, status.revision, status.published_revision) == (Status.DRAFT, 2, 1)


def test_send_back_returns_a_draft_with_the_reason(demo_users: Users) -> None:
    page = page_of("LT")
    services.content_save(actor=demo_users["ncp-lt"], obj=page, language="en", data={"summary": "Draft"})
    services.content_submit(actor=demo_users["ncp-lt"], obj=page, language="en")
    with pytest.raises(PermissionDenied):
        services.content_send_back(actor=demo_users["ncp-lt"], obj=page, language="en", reason="no")
    with pytest.raises(ValidationError):
        services.content_send_back(actor=demo_users["secretariat"], obj=page, language="en", reason=" ")
    services.content_send_back(actor=demo_users["secretariat"], obj=page, language="en", reason="Add the 2024 law.")
    assert services.language_status(page, "en").status == Status.DRAFT
    assert Revision.objects.get(number=1).status == Status.DRAFT
    entry = services.last_send_back(page, "en")
    assert entry is not None
    assert entry.purpose == "en: Add the 2024 law."


def test_the_secretariat_publishes_its_own_draft(demo_users: Users) -> None:
    page = page_of("SE")
    services.content_save(actor=demo_users["secretariat"], obj=page, language="en", data={"summary": "Sweden"})
    revision = services.content_publish(actor=demo_users["secretariat"], obj=page, language="en")
    assert revision.status == Status.PUBLISHED


def test_editing_a_text_in_review_makes_it_a_draft_again(demo_users: Users) -> None:
    page = page_of("LT")
    services.content_save(actor=demo_users["ncp-lt"], obj=page, language="en", data={"summary": "One"})
    services.content_submit(actor=demo_users["ncp-lt"], obj=page, language="en")
    services.content_save(actor=demo_users["ncp-lt"], obj=page, language="en", data={"summary": "Two"})
    assert list(Revision.objects.order_by("number").values_list("number", "status")) == [(1, Status.DRAFT), (2, Status.DRAFT)]


@pytest.mark.parametrize(
    ("steps", "attempt", "message"),
    [
        ([], "submit", "Nothing has been saved"),
        ([], "publish", "Nothing has been saved"),
        (["save"], "send_back", "draft"),
        (["save", "submit"], "submit", "already in review"),
        (["save", "publish"], "submit", "already published"),
        (["save", "publish"], "publish", "already published"),
        (["save", "publish"], "send_back", "already published"),
    ],
    ids=[
        "submit-nothing",
        "publish-nothing",
        "send-back-draft",
        "submit-twice",
        "submit-published",
        "publish-twice",
        "send-back-published",
    ],
)
def test_wrong_state_is_a_conflict_and_changes_nothing(demo_users: Users, steps: list[str], attempt: str, message: str) -> None:
    secretariat = demo_users["secretariat"]
    page = page_of("LT")
    page.save()
    act = {
        "save": lambda: services.content_save(actor=secretariat, obj=page, language="en", data={"summary": "x"}),
        "submit": lambda: services.content_submit(actor=secretariat, obj=page, language="en"),
        "publish": lambda: services.content_publish(actor=secretariat, obj=page, language="en"),
        "send_back": lambda: services.content_send_back(actor=secretariat, obj=page, language="en", reason="r"),
    }
    for step in steps:
        act[step]()
    before, audit_before = snapshot(page), AuditEntry.objects.count()
    with pytest.raises(Conflict, match=message):
        act[attempt]()
    assert snapshot(page) == before
    assert AuditEntry.objects.count() == audit_before


# --- translations ---------------------------------------------------------------------------


def test_a_translation_is_outdated_when_english_changes_and_the_diff_shows_what_changed(demo_users: Users) -> None:
    # given English revision 1, published, and a Russian translation made from it
    page = english_published(demo_users, "<p>The law of 2010 protects children.</p>")
    services.content_save(actor=demo_users["ncp-lt"], obj=page, language="ru", data={"legislation": "<p>Закон 2010 года.</p>"})
    services.content_publish(actor=demo_users["secretariat"], obj=page, language="ru")
    ru = services.language_status(page, "ru")
    assert (ru.source_revision, ru.outdated) == (1, False)
    assert services.source_diff(page, "ru") == []
    # when English changes
    services.content_save(
        actor=demo_users["ncp-lt"], obj=page, language="en", data={"legislation": "<p>The law of 2024 protects every child.</p>"}
    )
    # then Russian is outdated, made from 1 while English is at 2
    ru = services.language_status(page, "ru")
    assert (ru.source_revision, ru.latest_source, ru.outdated) == (1, 2, True)
    en = services.language_status(page, "en")
    assert en.outdated is False
    # and the diff shows the changed words, field by field
    diff = services.source_diff(page, "ru")
    assert [d.field for d in diff] == ["legislation"]
    assert "-<p>The law of 2010 protects children.</p>" in diff[0].lines
    assert "+<p>The law of 2024 protects every child.</p>" in diff[0].lines
    # when Russian is translated again from the latest English, it is current
    services.content_save(actor=demo_users["ncp-lt"], obj=page, language="ru", data={"legislation": "<p>Закон 2024 года.</p>"})
    assert services.language_status(page, "ru").outdated is False


def test_the_form_records_the_english_revision_the_translator_saw(demo_users: Users) -> None:
    page = english_published(demo_users)
    services.content_save(actor=demo_users["ncp-lt"], obj=page, language="en", data={"summary": "English 2"})
    revision = services.content_save(actor=demo_users["ncp-lt"], obj=page, language="ru", data={"summary": "Русский"}, source_revision=1)
    assert revision.source_revision == 1
    assert services.language_status(page, "ru").outdated is True
    with pytest.raises(ValidationError):
        services.content_save(actor=demo_users["ncp-lt"], obj=page, language="ru", data={"summary": "x"}, source_revision=9)


def test_translation_status_lists_every_language(demo_users: Users) -> None:
    page = page_of("LT")
    assert [(s.language, s.status) for s in services.translation_status(page)] == [("en", "missing"), ("ru", "missing")]
    services.content_save(actor=demo_users["ncp-lt"], obj=page, language="en", data={"summary": "x"})
    assert [(s.language, s.status) for s in services.translation_status(page)] == [("en", Status.DRAFT), ("ru", "missing")]


# --- history --------------------------------------------------------------------------------


def test_history_newest_first_and_restore(demo_users: Users) -> None:
    page = page_of("LT")
    for text in ("one", "two", "three"):
        services.content_save(actor=demo_users["ncp-lt"], obj=page, language="en", data={"summary": text})
    assert [r.number for r in services.revisions_for(page, "en")] == [3, 2, 1]
    restored = services.revision_restore(actor=demo_users["ncp-lt"], obj=page, language="en", number=1)
    assert (restored.number, restored.data["summary"], restored.note) == (4, "one", "Restored revision 1.")
    diffs = services.diff_texts(page, {"summary": "three"}, restored.data)
    assert diffs[0].lines[-2:] == ["-three", "+one"]


# --- news -----------------------------------------------------------------------------------


def test_news_create_publish_sets_published_at(demo_users: Users) -> None:
    item = services.news_create(
        actor=demo_users["secretariat"], slug="new-ncp-in-lt", language="en", data={"title": "A new NCP", "body": "<p>Hi</p>"}
    )
    assert item.published_at is None
    services.content_publish(actor=demo_users["secretariat"], obj=item, language="en")
    item.refresh_from_db()
    assert item.published_at is not None
    assert item.published_at <= timezone.now()
    first = item.published_at
    services.content_save(actor=demo_users["secretariat"], obj=item, language="en", data={"title": "A new NCP!"})
    services.content_publish(actor=demo_users["secretariat"], obj=item, language="en")
    item.refresh_from_db()
    assert item.published_at == first


def test_news_needs_a_title_a_free_slug_and_the_secretariat(demo_users: Users) -> None:
    secretariat = demo_users["secretariat"]
    with pytest.raises(ValidationError) as refused:
        services.news_create(actor=secretariat, slug="x", language="en", data={"summary": "no title"})
    assert "title" in refused.value.message_dict
    assert not NewsItem.objects.exists()
    with pytest.raises(ValidationError):
        services.news_create(actor=secretariat, slug="not a slug!", language="en", data={"title": "T"})
    services.news_create(actor=secretariat, slug="taken", language="en", data={"title": "T"})
    with pytest.raises(ValidationError):
        services.news_create(actor=secretariat, slug="taken", language="en", data={"title": "T"})
    with pytest.raises(PermissionDenied):
        services.news_create(actor=demo_users["ncp-lt"], slug="mine", language="en", data={"title": "T"})
    assert list(NewsItem.objects.values_list("slug", flat=True)) == ["taken"]


# --- key facts ------------------------------------------------------------------------------


def test_keyfacts_save_and_delete(demo_users: Users) -> None:
    page = page_of("LT")
    fact = services.keyfact_save(
        actor=demo_users["ncp-lt"], page=page, value="1 234", source="Statistics Lithuania", year=2023,
        labels={"en": "children in care", "ru": "детей под опекой"},
    )  # fmt: skip
    fact = KeyFact.objects.get(pk=fact.pk)
    assert fact.safe_translation_getter("label", language_code="ru") == "детей под опекой"
    assert fact.safe_translation_getter("label", language_code="en") == "children in care"
    services.keyfact_save(
        actor=demo_users["ncp-lt"], page=page, fact=fact, value="1 300", source="Statistics Lithuania", year=2024,
        labels={"en": "children in care", "ru": ""},
    )  # fmt: skip
    fact = KeyFact.objects.get(pk=fact.pk)
    assert (fact.value, fact.year, fact.has_translation("ru")) == ("1 300", 2024, False)
    with pytest.raises(PermissionDenied):
        services.keyfact_delete(actor=demo_users["ncp-se"], fact=fact)
    services.keyfact_delete(actor=demo_users["coordinator-lt"], fact=fact)
    assert not KeyFact.objects.exists()
    assert list(AuditEntry.objects.filter(action__startswith="portal.keyfact").values_list("action", flat=True).order_by("seq")) == [
        "portal.keyfact.save",
        "portal.keyfact.save",
        "portal.keyfact.delete",
    ]


@pytest.mark.parametrize(
    ("value", "source", "year", "labels", "field"),
    [
        ("", "S", 2020, {"en": "l"}, "value"),
        ("1", "", 2020, {"en": "l"}, "source"),
        ("1", "S", 1989, {"en": "l"}, "year"),
        ("1", "S", timezone.now().year + 1, {"en": "l"}, "year"),
        ("1", "S", None, {"en": "l"}, "year"),
        ("1", "S", 2020, {"ru": "l"}, "label_en"),
    ],
    ids=["no-value", "no-source", "too-early", "future", "no-year", "no-english-label"],
)
def test_keyfact_validation(demo_users: Users, value: str, source: str, year: int | None, labels: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        services.keyfact_save(actor=demo_users["ncp-lt"], page=page_of("LT"), value=value, source=source, year=year, labels=labels)
    assert field in refused.value.message_dict
    assert not KeyFact.objects.exists()
    assert not CountryPage.objects.exists()
