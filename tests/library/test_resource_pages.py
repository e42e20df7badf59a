"""The resource page, file downloads and the editing pages, per account (the matrix's object rows)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from carnet.accounts.models import User
from carnet.audit.models import AuditEntry
from carnet.library.models import Resource, ResourceRevision, ResourceVersion, SearchDocument, Status, Visibility
from tests.fixtures import ROLES
from tests.library.factories import library_media, minimal_pdf, pdf_upload, published_resource, resource, version

pytestmark = pytest.mark.usefixtures("library_media")
__all__ = ["library_media"]

ClientAs = Callable[[str], Client]
SEES_MEMBERS = set(ROLES) - {"anonymous"}
SEES_NCP_ONLY = {"ncp-se", "ncp-lt", "secretariat"}
EDITORS = {"secretariat", "ncp-se", "ncp-lt", "coordinator-lt"}


def _state() -> tuple[Any, ...]:
    return (
        list(Resource.objects.order_by("slug").values()),
        list(ResourceVersion.objects.order_by("pk").values()),
        list(ResourceRevision.objects.order_by("pk").values()),
        SearchDocument.objects.count(),
        AuditEntry.objects.filter(action__startswith="library.").count(),  # signing in is audited too
    )


@pytest.fixture
def shelf(demo_users: dict[str, User]) -> dict[str, Resource]:
    files = {"en": ("Guide.pdf", minimal_pdf("Care guide")), "ru": ("Руководство.pdf", minimal_pdf("Care guide ru"))}
    return {
        "public": published_resource(slug="open", visibility=Visibility.PUBLIC, files=files),
        "members": published_resource(slug="members-only", visibility=Visibility.MEMBERS, files=files),
        "ncp": published_resource(slug="for-ncps", visibility=Visibility.RESTRICTED, restricted_to="ncp", files=files),
    }


@pytest.mark.parametrize(
    ("which", "may_see"),
    [("public", set(ROLES)), ("members", SEES_MEMBERS), ("ncp", SEES_NCP_ONLY)],
    ids=["public", "members", "restricted-to-ncp"],
)
def test_resource_page_and_download_per_account(client_as: ClientAs, shelf: dict[str, Resource], which: str, may_see: set[str]) -> None:
    res = shelf[which]
    title = "Guidelines on the care of children"
    for role in ROLES:
        client = client_as(role)
        page = client.get(f"/en/library/resources/{res.slug}/")
        download = client.get(f"/en/library/resources/{res.slug}/en/file/")
        if role in may_see:
            assert (page.status_code, download.status_code) == (200, 200), role
            assert title in page.content.decode()
            assert b"".join(download.streaming_content if download.streaming else [download.content]) == minimal_pdf("Care guide")
        else:
            assert (page.status_code, download.status_code) == (404, 404), role
            assert title.encode() not in page.content
            assert "Руководство".encode() not in page.content + download.content


def test_the_download_is_an_attachment_with_type_and_nosniff(client_as: ClientAs, shelf: dict[str, Resource]) -> None:
    response = client_as("anonymous").get("/en/library/resources/open/ru/file/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        response["Content-Disposition"]
        == "attachment; filename*=utf-8''%D0%A0%D1%83%D0%BA%D0%BE%D0%B2%D0%BE%D0%B4%D1%81%D1%82%D0%B2%D0%BE.pdf"
    )
    assert response.content == minimal_pdf("Care guide ru")


def test_a_file_changed_in_storage_is_not_served(client_as: ClientAs, shelf: dict[str, Resource]) -> None:
    revision = ResourceRevision.objects.get(version__resource=shelf["public"], version__language="en")
    with revision.file.storage.open(revision.file.name, "wb") as stored:
        stored.write(b"MZ tampered")

    response = client_as("anonymous").get("/en/library/resources/open/en/file/")

    assert response.status_code == 404


def test_a_language_without_a_file_or_not_published_is_404(client_as: ClientAs, demo_users: dict[str, User]) -> None:
    published_resource(slug="text-only", languages=["en"])

    client = client_as("anonymous")

    assert client.get("/en/library/resources/text-only/en/file/").status_code == 404
    assert client.get("/en/library/resources/text-only/ru/file/").status_code == 404


def test_the_reader_sees_their_language_first_and_others_listed(client_as: ClientAs, shelf: dict[str, Resource]) -> None:
    russian = client_as("anonymous").get("/ru/library/resources/open/").content.decode()
    english = client_as("anonymous").get("/en/library/resources/open/").content.decode()

    assert "<h1>Руководство по заботе о детях</h1>" in russian
    assert "Guidelines on the care of children" in russian  # listed among the other languages
    assert "<h1>Guidelines on the care of children</h1>" in english
    assert 'href="/en/library/resources/open/ru/file/"' in english


def test_english_is_shown_with_a_note_when_the_reader_language_is_missing(client_as: ClientAs, demo_users: dict[str, User]) -> None:
    published_resource(slug="english-only", languages=["en"], bodies={"en": "Some **bold** text"})

    page = client_as("anonymous").get("/ru/library/resources/english-only/").content.decode()

    assert "<h1>Guidelines on the care of children</h1>" in page
    assert 'class="message warning"' in page
    assert "<strong>bold</strong>" in page


def test_an_outdated_translation_is_flagged(client_as: ClientAs, demo_users: dict[str, User]) -> None:
    res = published_resource(slug="changing")
    version(res, "en", body="A new paragraph in English.", publish=True)

    russian = client_as("anonymous").get("/ru/library/resources/changing/").content.decode()
    editor = client_as("secretariat").get("/en/library/edit/changing/ru/").content.decode()

    assert "library-outdated" in russian
    assert "<ins>+A new paragraph in English.</ins>" in editor


def test_the_instrument_resource_links_its_printable_sheets(client_as: ClientAs, demo_users: dict[str, User]) -> None:
    from carnet.assessments.models import InstrumentVersion, VersionStatus

    sheet = InstrumentVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("instrument").first()
    if sheet is None:
        pytest.skip("no published instrument version is seeded")
    published_resource(slug="self-assessment", kind="tool", instrument=sheet.instrument)

    page = client_as("anonymous").get("/en/library/resources/self-assessment/").content.decode()

    assert f'href="/en/assessments/paper/{sheet.pk}/?lang=en"' in page or f"/paper/{sheet.pk}/?lang=en" in page


# --- editing pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["/en/library/edit/{slug}/", "/en/library/edit/{slug}/ru/"], ids=["edit", "edit_version"])
def test_editing_pages_per_account(client_as: ClientAs, demo_users: dict[str, User], page: str) -> None:
    own = resource(actor=demo_users["ncp-se"], slug="ncp-se-resource", visibility=Visibility.PUBLIC)
    version(own, "en", actor=demo_users["ncp-se"])
    expected = {role: 404 if role in EDITORS else 403 for role in ROLES} | {"anonymous": 302, "secretariat": 200, "ncp-se": 200}
    actual = {role: client_as(role).get(page.format(slug=own.slug)).status_code for role in ROLES}
    assert actual == expected


@pytest.mark.parametrize("step", ["submit", "publish", "send_back", "withdraw"])
def test_version_step_per_account_changes_nothing_when_refused(
    client_as: ClientAs, demo_users: dict[str, User], django_capture_on_commit_callbacks: Any, step: str
) -> None:
    own = resource(actor=demo_users["ncp-se"], slug="ncp-se-resource", visibility=Visibility.PUBLIC)
    version(own, "en", actor=demo_users["ncp-se"])
    before = _state()
    for role in ROLES:
        if role in {"secretariat", "ncp-se"}:
            continue
        with django_capture_on_commit_callbacks(execute=True):
            response = client_as(role).post(f"/en/library/edit/{own.slug}/en/step/", {"step": step, "reason": "x"})
        assert response.status_code == (302 if role == "anonymous" else 404 if role in EDITORS else 403), role
    # ncp-se may submit their own draft, but neither publish nor send back nor withdraw it
    if step != "submit":
        response = client_as("ncp-se").post(f"/en/library/edit/{own.slug}/en/step/", {"step": step, "reason": "x"})
        assert response.status_code in {403, 409}
    assert _state() == before
    assert mail.outbox == []


def test_the_secretariat_creates_writes_and_publishes_a_resource(client_as: ClientAs, demo_users: dict[str, User]) -> None:
    client = client_as("secretariat")

    created = client.post(
        "/en/library/edit/new/",
        {
            "slug": "forensic-interviews",
            "kind": "guideline",
            "audience": "professionals",
            "licence": "cc-by-4.0",
            "visibility": "public",
            "year": "2006",
        },
    )
    assert created.status_code == 302
    assert created["Location"] == "/en/library/edit/forensic-interviews/en/"
    saved = client.post(
        "/en/library/edit/forensic-interviews/en/",
        {
            "title": "Child-friendly forensic interviews",
            "summary": "Reykjavik 2006",
            "body": "## Why\n\nBecause.",
            "upload": pdf_upload("Forensic"),
            "keep_file": "on",
        },
    )
    assert saved.status_code == 302
    translated = client.post(
        "/en/library/edit/forensic-interviews/ru/",
        {"title": "Допрос детей", "body": "Текст", "upload": SimpleUploadedFile("допрос.pdf", minimal_pdf("ru")), "source_revision": "1"},
    )
    assert translated.status_code == 302
    for language in ("en", "ru"):
        published = client.post(f"/en/library/edit/forensic-interviews/{language}/step/", {"step": "publish"})
        assert published.status_code == 302

    res = Resource.objects.get(slug="forensic-interviews")
    versions = {v.language: v for v in ResourceVersion.objects.filter(resource=res)}
    assert {code: (v.status, v.published_revision) for code, v in versions.items()} == {
        "en": (Status.PUBLISHED, 1),
        "ru": (Status.PUBLISHED, 1),
    }
    assert versions["ru"].source_revision == 1
    english = ResourceRevision.objects.get(version=versions["en"])
    assert (english.file_name, english.file_type, english.file_sha256) == (
        "guide.pdf",
        "application/pdf",
        hashlib.sha256(minimal_pdf("Forensic")).hexdigest(),
    )
    page = client_as("anonymous").get("/ru/library/resources/forensic-interviews/").content.decode()
    assert "<h1>Допрос детей</h1>" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "T", "body": "<script>alert(1)</script>"}, "The text contains HTML that is not allowed (&lt;script&gt;)."),
        ({"title": "T", "upload": SimpleUploadedFile("report.pdf", b"MZ" + b"\0" * 100)}, "This file is a program, not a document"),
        ({"title": ""}, "Give the title."),
    ],
    ids=["script", "exe-as-pdf", "no-title"],
)
def test_a_refused_save_shows_why_and_changes_nothing(
    client_as: ClientAs, demo_users: dict[str, User], data: dict[str, Any], message: str
) -> None:
    res = resource(slug="target")
    version(res, "en")
    before = _state()

    response = client_as("secretariat").post("/en/library/edit/target/en/", data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert _state() == before


def test_the_form_speaks_the_editor_language(client_as: ClientAs, demo_users: dict[str, User]) -> None:
    response = client_as("secretariat").post("/ru/library/edit/new/", {"slug": "not a slug", "kind": "guideline"})

    assert response.status_code == 400
    assert '<html lang="ru">' in response.content.decode()


def test_an_ncp_submits_and_the_secretariat_sends_back_with_an_email(
    client_as: ClientAs, demo_users: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    ncp = demo_users["ncp-se"]
    ncp.email = "ncp-se@example.invalid"
    ncp.save(update_fields=["email"])
    res = resource(actor=ncp, slug="ncp-guide")
    version(res, "en", actor=ncp)

    assert client_as("ncp-se").post("/en/library/edit/ncp-guide/en/step/", {"step": "submit"}).status_code == 302
    queue = client_as("secretariat").get("/en/library/edit/").content.decode()
    assert 'href="/en/library/edit/ncp-guide/en/"' in queue
    with django_capture_on_commit_callbacks(execute=True):
        refused = client_as("secretariat").post("/en/library/edit/ncp-guide/en/step/", {"step": "send_back", "reason": ""})
    assert refused.status_code == 400
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        sent = client_as("secretariat").post("/en/library/edit/ncp-guide/en/step/", {"step": "send_back", "reason": "Cite the law."})
    assert sent.status_code == 302
    assert [m.to for m in mail.outbox] == [["ncp-se@example.invalid"]]
    editor = client_as("ncp-se").get("/en/library/edit/ncp-guide/en/").content.decode()
    assert "Cite the law." in editor
