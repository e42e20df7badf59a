"""The library's writes: revisions, translations, the review workflow, and refusals that change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from carnet.accounts.models import User
from carnet.audit.models import AuditEntry
from carnet.core.errors import Conflict
from carnet.core.models import Priority
from carnet.library import services
from carnet.library.models import (
    Resource,
    ResourceKind,
    ResourceRevision,
    ResourceVersion,
    SearchDocument,
    Status,
    Visibility,
)
from tests.library.factories import library_media, minimal_pdf, pdf_upload, published_resource, resource, version

pytestmark = pytest.mark.usefixtures("library_media")
__all__ = ["library_media"]


def _state() -> tuple[Any, ...]:
    """Everything a refused write must leave as it was."""
    return (
        list(Resource.objects.order_by("slug").values()),
        list(ResourceVersion.objects.order_by("pk").values()),
        list(ResourceRevision.objects.order_by("pk").values()),
        SearchDocument.objects.count(),
        AuditEntry.objects.count(),
    )


def _actions() -> list[str]:
    return list(AuditEntry.objects.filter(action__startswith="library.").order_by("seq").values_list("action", flat=True))


# --- resources -----------------------------------------------------------------------------------


def test_secretariat_creates_a_resource_with_topics(demo_users: dict[str, User]) -> None:
    priority = Priority.objects.order_by("number").first()

    created = services.resource_create(
        actor=demo_users["secretariat"],
        slug="Guide-2006",
        kind=ResourceKind.GUIDELINE,
        audience="professionals",
        publisher="CBSS",
        year=2006,
        licence="cc-by-4.0",
        visibility=Visibility.PUBLIC,
        priorities=[priority],
    )

    assert created.slug == "guide-2006"
    assert list(created.priorities.all()) == [priority]
    assert created.created_by == demo_users["secretariat"]
    assert _actions() == ["library.resource.create"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"slug": "not a slug"}, "slug"),
        ({"kind": "poem"}, "kind"),
        ({"year": 1800}, "year"),
        ({"visibility": "restricted"}, "restricted_to"),
        ({"visibility": "secret"}, "visibility"),
        ({"instrument_kind": True}, "instrument"),
    ],
    ids=["slug", "kind", "year", "restricted-without-group", "visibility", "instrument-not-a-tool"],
)
def test_bad_resource_facts_are_refused_and_nothing_is_created(demo_users: dict[str, User], changes: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {"slug": "guide", "kind": ResourceKind.REPORT, "year": 2006, "visibility": Visibility.PUBLIC}
    if changes.pop("instrument_kind", False):
        from carnet.assessments.models import Instrument

        values["instrument"] = Instrument.objects.first() or pytest.skip("no instrument seeded")
    values.update(changes)
    before = _state()

    with pytest.raises(ValidationError) as error:
        services.resource_create(actor=demo_users["secretariat"], **values)

    assert field in error.value.message_dict
    assert _state() == before


def test_a_taken_slug_is_refused(demo_users: dict[str, User]) -> None:
    resource(slug="guide")
    before = _state()

    with pytest.raises(ValidationError) as error:
        resource(slug="guide")

    assert error.value.message_dict == {"slug": ["Another resource already has this address."]}
    assert _state() == before


@pytest.mark.parametrize("username", ["member-fi", "caseworker-se", "researcher"])
def test_who_may_not_create_is_refused(demo_users: dict[str, User], username: str) -> None:
    before = _state()

    with pytest.raises(PermissionDenied):
        resource(actor=demo_users[username])

    assert _state() == before


def test_changing_visibility_updates_the_search_copy(demo_users: dict[str, User]) -> None:
    res = published_resource(visibility=Visibility.PUBLIC)

    services.resource_update(actor=demo_users["secretariat"], resource=res, visibility=Visibility.RESTRICTED, restricted_to="ncp")

    assert set(SearchDocument.objects.filter(resource=res).values_list("visibility", "restricted_to")) == {("restricted", "ncp")}
    assert _actions()[-1] == "library.resource.update"


def test_an_ncp_may_edit_only_what_they_created(demo_users: dict[str, User]) -> None:
    own = resource(actor=demo_users["ncp-se"], visibility=Visibility.MEMBERS)
    other = resource(visibility=Visibility.MEMBERS)
    before = _state()

    with pytest.raises(PermissionDenied):
        services.resource_update(actor=demo_users["ncp-se"], resource=other, year=2001)

    assert _state() == before
    services.resource_update(actor=demo_users["ncp-se"], resource=own, year=2001)
    own.refresh_from_db()
    assert own.year == 2001


# --- revisions ----------------------------------------------------------------------------------


def test_saving_makes_immutable_revisions_and_keeps_the_file(demo_users: dict[str, User]) -> None:
    res = resource()
    secretariat = demo_users["secretariat"]
    first = services.version_save(actor=secretariat, resource=res, language="en", title="Guide", upload=pdf_upload("Care of children"))

    second = services.version_save(actor=secretariat, resource=res, language="en", title="Guide, revised", note="Title")
    third = services.version_save(actor=secretariat, resource=res, language="en", title="Guide, no file", keep_file=False)

    first.refresh_from_db()
    assert (first.number, first.title, first.file_name, first.file_text) == (1, "Guide", "guide.pdf", "Care of children")
    assert (second.number, second.title, second.file.name, second.file_sha256) == (2, "Guide, revised", first.file.name, first.file_sha256)
    assert (third.number, third.file.name, third.file_sha256) == (3, "", "")
    with first.file.open("rb") as stored:
        assert stored.read() == minimal_pdf("Care of children")
    saved = ResourceVersion.objects.get(resource=res, language="en")
    assert (saved.revision, saved.status, saved.source_revision) == (3, Status.DRAFT, None)
    assert _actions().count("library.version.save") == 3


def test_a_translation_records_the_english_revision_it_was_made_from(demo_users: dict[str, User]) -> None:
    res = resource()
    version(res, "en")
    version(res, "en", title="Second English")

    revision = services.version_save(actor=demo_users["secretariat"], resource=res, language="ru", title="Руководство")
    older = services.version_save(actor=demo_users["secretariat"], resource=res, language="ru", title="Руководство", source_revision=1)

    assert (revision.source_revision, older.source_revision) == (2, 1)
    assert ResourceVersion.objects.get(resource=res, language="ru").source_revision == 1


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"body": "Text <script>alert(1)</script>"}, "body"),
        ({"body": "[x](javascript:alert(1))"}, "body"),
        ({"body": "<img src=x onerror=alert(1)>"}, "body"),
        ({"upload": SimpleUploadedFile("report.pdf", b"MZ" + b"\x00" * 300)}, "upload"),
        ({"upload": SimpleUploadedFile("page.pdf", b"<html><script>alert(1)</script></html>")}, "upload"),
        ({"upload": SimpleUploadedFile("broken.pdf", b"%PDF-1.4\n" + b"junk " * 50)}, "upload"),
        ({"language": "xx"}, "language"),
        ({"source_revision": 9}, "source_revision"),
    ],
    ids=[
        "no-title",
        "long-title",
        "script",
        "javascript-link",
        "event-handler",
        "exe-as-pdf",
        "html-as-pdf",
        "broken-pdf",
        "language",
        "source",
    ],
)
def test_a_refused_save_stores_nothing(demo_users: dict[str, User], library_media: Any, fields: dict[str, Any], key: str) -> None:
    res = published_resource(languages=["en"])
    language = fields.pop("language", "ru")
    values: dict[str, Any] = {"title": "Руководство", **fields}
    before = _state()
    files_before = sorted(p.name for p in library_media.rglob("*") if p.is_file())

    with pytest.raises(ValidationError) as error:
        services.version_save(actor=demo_users["secretariat"], resource=res, language=language, **values)

    assert key in error.value.message_dict
    assert "Nothing was saved" in " ".join(error.value.message_dict[key]) or key in {"title", "language", "source_revision"}
    assert _state() == before
    assert sorted(p.name for p in library_media.rglob("*") if p.is_file()) == files_before


def test_the_message_names_what_is_not_allowed(demo_users: dict[str, User]) -> None:
    res = resource()

    with pytest.raises(ValidationError) as error:
        services.version_save(actor=demo_users["secretariat"], resource=res, language="en", title="T", body="<script>x</script>")

    assert error.value.message_dict["body"][0].startswith("The text contains HTML that is not allowed (<script>).")


def test_someone_who_may_not_edit_cannot_save(demo_users: dict[str, User]) -> None:
    res = resource(visibility=Visibility.MEMBERS)
    before = _state()

    for username in ("member-fi", "ncp-lt"):
        with pytest.raises(PermissionDenied):
            services.version_save(actor=demo_users[username], resource=res, language="en", title="Mine now")

    assert _state() == before


# --- workflow ------------------------------------------------------------------------------------


def test_submit_send_back_and_publish(demo_users: dict[str, User], django_capture_on_commit_callbacks: Any) -> None:
    ncp, secretariat = demo_users["ncp-se"], demo_users["secretariat"]
    ncp.email, ncp.preferred_language = "ncp-se@example.invalid", "en"
    ncp.save(update_fields=["email", "preferred_language"])
    res = resource(actor=ncp, visibility=Visibility.MEMBERS)
    draft = version(res, "en", actor=ncp, title="Monitoring children in institutions")

    submitted = services.version_submit(actor=ncp, version=draft)
    assert submitted.status == Status.IN_REVIEW
    with django_capture_on_commit_callbacks(execute=True):
        sent_back = services.version_send_back(actor=secretariat, version=draft, reason="Add the sources.")
    assert sent_back.status == Status.DRAFT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ncp-se@example.invalid"]
    assert "Monitoring children in institutions" in mail.outbox[0].subject
    assert "Add the sources." in mail.outbox[0].body
    assert f"/en/library/edit/{res.slug}/en/" in mail.outbox[0].body

    services.version_submit(actor=ncp, version=draft)
    published = services.version_publish(actor=secretariat, version=draft)

    stored = ResourceVersion.objects.get(pk=draft.pk)
    assert (stored.status, stored.published_revision) == (Status.PUBLISHED, 1)
    assert stored.published_at is not None
    assert published.published_at == stored.published_at
    assert ResourceRevision.objects.get(version=stored, number=1).status == Status.PUBLISHED
    assert SearchDocument.objects.filter(version=stored).count() == 1
    assert _actions() == [
        "library.resource.create",
        "library.version.save",
        "library.version.submit",
        "library.version.send_back",
        "library.version.submit",
        "library.version.publish",
    ]


def test_editing_a_published_version_keeps_what_readers_see(demo_users: dict[str, User]) -> None:
    res = published_resource(languages=["en"])
    english = ResourceVersion.objects.get(resource=res, language="en")

    services.version_save(actor=demo_users["secretariat"], resource=res, language="en", title="New draft")

    english.refresh_from_db()
    assert (english.status, english.revision, english.published_revision) == (Status.DRAFT, 2, 1)
    assert SearchDocument.objects.get(version=english).title == "Guidelines on the care of children"


def test_withdraw_takes_a_language_out_of_search(demo_users: dict[str, User]) -> None:
    res = published_resource()
    russian = ResourceVersion.objects.get(resource=res, language="ru")

    services.version_withdraw(actor=demo_users["secretariat"], version=russian, reason="Wrong file")

    russian.refresh_from_db()
    assert (russian.status, russian.published_revision, russian.published_at) == (Status.DRAFT, None, None)
    assert list(SearchDocument.objects.filter(resource=res).values_list("language", flat=True)) == ["en"]
    assert _actions()[-1] == "library.version.withdraw"


@pytest.mark.parametrize(
    ("step", "username", "error"),
    [
        ("publish", "ncp-se", PermissionDenied),
        ("send_back", "ncp-se", PermissionDenied),
        ("withdraw", "ncp-se", PermissionDenied),
        ("submit", "member-fi", PermissionDenied),
        ("send_back", "secretariat", Conflict),  # a draft is not in review
        ("withdraw", "secretariat", Conflict),  # nothing published
    ],
)
def test_refused_steps_change_nothing(
    demo_users: dict[str, User], django_capture_on_commit_callbacks: Any, step: str, username: str, error: type[Exception]
) -> None:
    ncp = demo_users["ncp-se"]
    res = resource(actor=ncp, visibility=Visibility.MEMBERS)
    draft = version(res, "en", actor=ncp)
    before = _state()
    actor = demo_users[username]

    steps = {
        "publish": lambda: services.version_publish(actor=actor, version=draft),
        "send_back": lambda: services.version_send_back(actor=actor, version=draft, reason="No."),
        "withdraw": lambda: services.version_withdraw(actor=actor, version=draft),
        "submit": lambda: services.version_submit(actor=actor, version=draft),
    }

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(error):
        steps[step]()

    assert callbacks == []
    assert mail.outbox == []
    assert _state() == before


def test_publishing_twice_is_a_conflict(demo_users: dict[str, User]) -> None:
    res = published_resource(languages=["en"])
    english = ResourceVersion.objects.get(resource=res, language="en")
    before = _state()

    with pytest.raises(Conflict):
        services.version_publish(actor=demo_users["secretariat"], version=english)

    assert _state() == before


def test_send_back_needs_a_reason(demo_users: dict[str, User]) -> None:
    res = resource()
    draft = version(res, "en")
    services.version_submit(actor=demo_users["secretariat"], version=draft)
    before = _state()

    with pytest.raises(ValidationError) as error:
        services.version_send_back(actor=demo_users["secretariat"], version=draft, reason="  ")

    assert list(error.value.message_dict) == ["reason"]
    assert _state() == before


def test_a_third_language_is_configuration_not_code(demo_users: dict[str, User], settings: Any) -> None:
    settings.CARNET_CONTENT_LANGUAGES = [("lt", "Lietuvių")]
    res = published_resource(languages=["en"])

    revision = services.version_save(actor=demo_users["secretariat"], resource=res, language="lt", title="Gairės")

    assert (revision.version.language, revision.source_revision) == ("lt", 1)
    assert services.language_name("lt") == "Lietuvių"
