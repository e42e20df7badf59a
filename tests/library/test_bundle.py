"""The offline bundle: what goes in (and what never does), the manifest, the search index, the command, the download."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from carnet.accounts.models import Role
from carnet.audit.models import AuditEntry
from carnet.core.models import Country, Priority
from carnet.library.bundle import BundleError, build_bundle, bundle_record, latest_public_bundle
from carnet.library.models import Bundle, ResourceRevision, Visibility
from carnet.library.search import stem_words
from tests.library.factories import library_media, minimal_pdf, published_resource, resource, version  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("library_media")]

RU_TITLE = "Руководство по выявлению детей — жертв торговли людьми"
RU_BODY = "Специалисты помогают детям и семьям. Дети имеют право на защиту."


def _guideline(**fields: Any) -> Any:
    return published_resource(
        slug="identification-guideline",
        titles={"en": "Guidelines on the identification of child victims", "ru": RU_TITLE},
        summaries={"en": "How professionals identify child victims of trafficking.", "ru": "Как специалисты выявляют детей-жертв."},
        bodies={"en": "## Identification\n\nProfessionals **identify** children at risk.", "ru": RU_BODY},
        files={
            "en": ("identification.pdf", minimal_pdf("Identification checklist")),
            "ru": ("vyyavlenie.pdf", minimal_pdf("Checklist RU")),
        },
        **fields,
    )


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """Where bundles are written (the stored files live elsewhere under tmp_path)."""
    path = tmp_path / "out"
    path.mkdir()
    return path


def _zip(path: Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(path)


def _search_data(archive: zipfile.ZipFile) -> dict[str, Any]:
    script = archive.read("assets/search-index.js").decode("utf-8")
    match = re.fullmatch(r"/\*[^*]*\*/\nwindow\.CARNET_SEARCH = (.*);\n", script, re.DOTALL)
    assert match is not None, script[:200]
    return dict(json.loads(match.group(1)))


def test_a_public_bundle_holds_every_page_file_and_asset_with_a_manifest_that_matches(tmp_path: Path) -> None:
    # given a public guideline in English and Russian, each with a PDF
    guideline = _guideline()
    out = tmp_path / "library.zip"
    seen: list[tuple[int, int, str]] = []
    # when the bundle is built in both languages
    result = build_bundle(out_path=out, languages=["en", "ru"], visibility="public", progress=lambda *step: seen.append(step))
    # then the zip holds the start page, a list and a page per language, the files, the assets and the manifest
    archive = _zip(out)
    names = sorted(archive.namelist())
    assert names == [
        "assets/bundle.css",
        "assets/search-index.js",
        "assets/search.js",
        "en/identification-guideline.html",
        "en/index.html",
        "files/identification-guideline/en/identification.pdf",
        "files/identification-guideline/ru/vyyavlenie.pdf",
        "index.html",
        "manifest.json",
        "ru/identification-guideline.html",
        "ru/index.html",
    ]
    assert seen == [(1, 1, "identification-guideline")]
    # the files are the stored files, byte for byte
    revisions = {r.version.language: r for r in ResourceRevision.objects.filter(version__resource=guideline).select_related("version")}
    assert archive.read("files/identification-guideline/en/identification.pdf") == revisions["en"].file.open("rb").read()
    # the manifest lists every other file with its checksum and size, and says what the bundle is
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["languages"] == ["en", "ru"]
    assert manifest["visibility"] == "public"
    assert manifest["resources"] == 1
    assert manifest["carnet_version"] == "0.1.0"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", manifest["built_at"])
    assert sorted(item["path"] for item in manifest["files"]) == [name for name in names if name != "manifest.json"]
    for item in manifest["files"]:
        content = archive.read(item["path"])
        assert item["sha256"] == hashlib.sha256(content).hexdigest(), item["path"]
        assert item["size"] == len(content)
    # and the result describes the file written
    assert result.resources == 1
    assert result.size == out.stat().st_size
    assert result.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()


def test_the_pages_show_the_published_text_the_metadata_the_file_and_the_language_switch(tmp_path: Path) -> None:
    # given a public guideline on a topic, about two countries
    _guideline(
        year=2008,
        publisher="CBSS Secretariat",
        priorities=Priority.objects.filter(number=2),
        countries=Country.objects.filter(code__in=["LT", "SE"]).order_by("code"),
    )
    out = tmp_path / "library.zip"
    # when bundled
    result = build_bundle(out_path=out, languages=["en", "ru"])
    archive = _zip(out)
    page = archive.read("ru/identification-guideline.html").decode()
    # (the build date in UTC, whatever the site's time zone)
    assert f"{result.built_at:%Y-%m-%d %H:%M} (UTC)." in page
    # then the Russian page is in Russian, with its rendered body, metadata and file link
    assert '<html lang="ru">' in page
    assert f'<h1 id="title">{RU_TITLE}</h1>' in page
    assert f"<p>{RU_BODY}</p>" in page
    assert '<a href="../files/identification-guideline/ru/vyyavlenie.pdf" type="application/pdf">vyyavlenie.pdf</a>' in page
    assert "<td>2008</td>" in page
    assert "<td>CBSS Secretariat</td>" in page
    assert "<td>Несопровождаемые дети и дети — жертвы торговли людьми</td>" in page
    assert "<td>Литва, Швеция</td>" in page
    # the language switch leads to the same resource in English
    assert '<a href="../en/identification-guideline.html" hreflang="en" lang="en">English</a>' in page
    # the English list links to the page; the start page to each language's list
    listing = archive.read("en/index.html").decode()
    assert '<a href="../en/identification-guideline.html">Guidelines on the identification of child victims</a>' in listing
    assert '<script src="../assets/search-index.js"></script>' in listing
    assert '<form id="bundle-search"' in listing
    start = archive.read("index.html").decode()
    assert '<a href="ru/index.html" hreflang="ru" lang="ru">Русский</a>' in start
    # no page fetches anything from a network, nor carries inline script
    for name in archive.namelist():
        if name.endswith(".html"):
            text = archive.read(name).decode()
            assert "http://" not in text, name
            assert "https://" not in text, name
            assert re.search(r"<script>(?!</script>)", text) is None, name


def test_a_version_without_a_translation_is_listed_in_its_own_language(tmp_path: Path) -> None:
    # given a resource published in English only
    published_resource(slug="english-only", languages=["en"], titles={"en": "Only in English"})
    out = tmp_path / "library.zip"
    # when bundled in English and Russian
    build_bundle(out_path=out, languages=["en", "ru"])
    archive = _zip(out)
    # then the Russian list shows it, marked as English, linking to the English page
    listing = archive.read("ru/index.html").decode()
    assert '<article aria-labelledby="r-english-only" lang="en">' in listing
    assert '<a href="../en/english-only.html">Only in English</a>' in listing
    assert "ru/english-only.html" not in archive.namelist()


def test_only_published_versions_and_nothing_above_the_visibility_go_in(tmp_path: Path) -> None:
    # given a public resource, a member-only one, one restricted to NCPs, a draft and a withdrawn translation
    _guideline()
    published_resource(slug="members-guide", visibility=Visibility.MEMBERS, titles={"en": "Members secret guide"})
    published_resource(slug="ncp-notes", visibility=Visibility.RESTRICTED, restricted_to=Role.NCP, titles={"en": "NCP restricted notes"})
    draft = resource(slug="draft-only", visibility=Visibility.PUBLIC)
    version(draft, "en", title="Unpublished draft title")
    out = tmp_path / "public.zip"
    # when a public bundle is built
    result = build_bundle(out_path=out, languages=["en", "ru"], visibility="public")
    # then only the public, published resource is in it: no page, no index entry, no word of the others
    archive = _zip(out)
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert result.resources == 1
    for secret in (b"members-guide", b"Members secret guide", b"ncp-notes", b"NCP restricted notes", b"draft-only", b"Unpublished draft"):
        assert secret not in everything, secret
    assert all("members" not in name and "ncp" not in name for name in archive.namelist())
    # when a members bundle is asked for explicitly, the member-only resource is in, the restricted one still not
    members_out = tmp_path / "members.zip"
    result = build_bundle(out_path=members_out, languages=["en"], visibility="members")
    names = _zip(members_out).namelist()
    assert result.resources == 2
    assert "en/members-guide.html" in names
    assert "en/ncp-notes.html" not in names
    assert json.loads(_zip(members_out).read("manifest.json"))["visibility"] == "members"


@pytest.mark.parametrize(
    ("visibility", "message"),
    [
        ("restricted", "A bundle never includes restricted resources: choose “public” (the default) or “members”."),
        ("secret", "Unknown visibility “secret”: choose “public” (the default) or “members”."),
    ],
)
def test_a_visibility_above_members_is_refused_and_nothing_is_written(out_dir: Path, visibility: str, message: str) -> None:
    # given a restricted resource
    published_resource(slug="ncp-notes", visibility=Visibility.RESTRICTED, restricted_to=Role.NCP)
    out = out_dir / "restricted.zip"
    # when a restricted bundle is asked for, then it is refused with a clear message and no file appears
    with pytest.raises(BundleError) as refused:
        build_bundle(out_path=out, languages=["en"], visibility=visibility)
    assert refused.value.message == message
    assert list(out_dir.iterdir()) == []


def test_an_unknown_language_is_refused(out_dir: Path) -> None:
    with pytest.raises(BundleError) as refused:
        build_bundle(out_path=out_dir / "x.zip", languages=["en", "xx"])
    assert refused.value.message == "Unknown language(s): xx. Choose from: en, ru."
    assert list(out_dir.iterdir()) == []


def _russian(text: str) -> str:
    with translation.override("ru"):
        return gettext(text)


def test_the_search_index_holds_the_stems_made_by_the_sites_stemmer(tmp_path: Path) -> None:
    # given a public guideline whose Russian text says "детям" and "Дети"
    _guideline()
    out = tmp_path / "library.zip"
    # when bundled
    build_bundle(out_path=out, languages=["en", "ru"])
    data = _search_data(_zip(out))
    # then the index is a script assigning a global, with per-language inverted indexes and vocabularies
    documents = data["documents"]
    ru = next(number for number, doc in enumerate(documents) if doc["language"] == "ru")
    assert documents[ru] == {
        "language": "ru",
        "slug": "identification-guideline",
        "title": RU_TITLE,
        "summary": "Как специалисты выявляют детей-жертв.",
        "kind": _russian("Guideline"),
        "year": 2006,
        "href": "ru/identification-guideline.html",
    }
    stem = stem_words("детям", "ru")[0]
    assert data["vocabulary"]["ru"]["детям"] == stem
    assert data["vocabulary"]["ru"]["дети"] == stem_words("дети", "ru")[0]
    # "детей" in the title (weight 5) and the summary (3), "детям" and "Дети" in the body (1 each)
    assert data["index"]["ru"][stem] == [[ru, 10]]
    # the text of the PDF is indexed too (English file: "Identification checklist")
    checklist = stem_words("checklist", "en")[0]
    assert checklist in data["index"]["en"]
    assert data["stemmed"] == {"en": True, "ru": True}
    assert data["irregular"]["children"] == ["child", "children"]
    assert data["languages"] == {"en": "English", "ru": "Русский"}


def test_a_file_that_does_not_match_its_checksum_stops_the_build(out_dir: Path) -> None:
    # given a published version whose stored file was changed behind carnet's back
    guideline = _guideline()
    revision = ResourceRevision.objects.get(version__resource=guideline, version__language="en", number=1)
    storage = revision.file.storage
    name = revision.file.name
    storage.delete(name)
    storage.save(name, ContentFile(b"%PDF-1.4 tampered"))
    out = out_dir / "library.zip"
    # when bundled, then the build stops with a message naming the resource, and no file is left
    with pytest.raises(BundleError) as refused:
        build_bundle(out_path=out, languages=["en"])
    assert refused.value.message == (
        "The file of “identification-guideline” (en) does not match the checksum recorded at upload; nothing was written."
    )
    assert list(out_dir.iterdir()) == []


@pytest.mark.parametrize("where", ["missing-directory", "read-only-directory", "parent-is-a-file", "a-directory"])
def test_an_unwritable_path_exits_1_with_a_message_and_leaves_no_file(out_dir: Path, where: str) -> None:
    # given a public resource and an --out that cannot be written
    _guideline()
    if where == "missing-directory":
        out = out_dir / "nowhere" / "library.zip"
        expected = f"Cannot write the bundle to {out}: No such file or directory."
    elif where == "read-only-directory":
        locked = out_dir / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        # root writes anywhere on a normal file system, but not into /sys
        out = Path("/sys/carnet-library.zip") if os.geteuid() == 0 else locked / "library.zip"
        expected = f"Cannot write the bundle to {out}: Permission denied."
    elif where == "parent-is-a-file":
        (out_dir / "notes.txt").write_text("a file, not a directory")
        out = out_dir / "notes.txt" / "library.zip"
        expected = f"Cannot write the bundle to {out}: Not a directory."
    else:
        out = out_dir / "folder"
        out.mkdir()
        expected = f"{out} is a directory: give the path of the zip file to write."
    before = sorted(out_dir.rglob("*"))
    # when the command runs
    with pytest.raises(CommandError) as failed:
        call_command("bundle", "--out", str(out), stdout=io.StringIO(), stderr=io.StringIO())
    # then the message is clear, the exit status is 1, nothing was written and nothing is offered
    assert str(failed.value) == expected
    assert failed.value.returncode == 1
    assert sorted(out_dir.rglob("*")) == before
    assert not out.is_file()
    assert Bundle.objects.count() == 0


def test_the_command_shows_progress_and_offers_a_public_bundle_for_download(tmp_path: Path) -> None:
    # given two public resources
    _guideline()
    published_resource(slug="training-material", languages=["en"])
    out = tmp_path / "library.zip"
    stdout, stderr = io.StringIO(), io.StringIO()
    # when the command builds the bundle
    call_command("bundle", "--out", str(out), "--lang", "en,ru", stdout=stdout, stderr=stderr)
    # then it counted the resources on stderr and said what it wrote
    assert stderr.getvalue().splitlines() == ["[1/2] identification-guideline", "[2/2] training-material"]
    assert stdout.getvalue().startswith(f"Wrote {out}: 2 resources in en, ru (public), ")
    # and the bundle is recorded, stored through the storage API and audited
    bundle = Bundle.objects.get()
    assert (bundle.languages, bundle.visibility, bundle.resources) == (["en", "ru"], "public", 2)
    assert bundle.size == out.stat().st_size
    assert bundle.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert bundle.file.open("rb").read() == out.read_bytes()
    entry = AuditEntry.objects.filter(action="library.bundle.record").get()
    assert entry.object_id == str(bundle.pk)
    assert entry.actor_username == "carnet bundle"
    assert latest_public_bundle() == bundle


def test_no_publish_writes_the_file_but_offers_nothing(out_dir: Path) -> None:
    _guideline()
    out = out_dir / "library.zip"
    call_command("bundle", "--out", str(out), "--no-publish", stdout=io.StringIO(), stderr=io.StringIO())
    assert zipfile.is_zipfile(out)
    assert Bundle.objects.count() == 0
    assert latest_public_bundle() is None


def test_a_members_bundle_is_never_offered_for_download(tmp_path: Path) -> None:
    # given a member-only resource bundled for members by the command
    published_resource(slug="members-guide", visibility=Visibility.MEMBERS)
    out = tmp_path / "members.zip"
    call_command("bundle", "--out", str(out), "--visibility", "members", stdout=io.StringIO(), stderr=io.StringIO())
    # then the file is written but nothing is offered on the site
    assert out.exists()
    assert Bundle.objects.count() == 0
    # and recording it by hand is refused
    from carnet.library.bundle import BundleResult

    fake = BundleResult(path=out, size=0, sha256="", resources=1, languages=["en"], visibility="members", built_at=Bundle().built_at)
    with pytest.raises(BundleError):
        bundle_record(actor=None, result=fake)
    assert Bundle.objects.count() == 0
    assert not AuditEntry.objects.filter(action="library.bundle.record").exists()


def test_the_download_serves_the_latest_public_bundle(tmp_path: Path, client: Client) -> None:
    # given no bundle yet: the download page says so with a 404
    response = client.get("/en/library/offline/")
    assert response.status_code == 404
    assert "There is no offline copy of the library to download yet." in response.content.decode()
    # given a public bundle built twice (the second is the latest)
    _guideline()
    first = tmp_path / "first.zip"
    call_command("bundle", "--out", str(first), stdout=io.StringIO(), stderr=io.StringIO())
    published_resource(slug="training-material", languages=["en"])
    second = tmp_path / "second.zip"
    call_command("bundle", "--out", str(second), stdout=io.StringIO(), stderr=io.StringIO())
    latest = Bundle.objects.order_by("-pk").first()
    Bundle.objects.exclude(pk=latest.pk).update(built_at=latest.built_at.replace(year=2020))  # type: ignore[union-attr]
    # when anyone downloads it
    response = client.get("/en/library/offline/")
    # then the latest zip streams as an attachment
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="carnet-library-')
    assert b"".join(response.streaming_content) == second.read_bytes()  # type: ignore[attr-defined]


def test_the_bundle_link_shows_size_and_date_or_nothing(tmp_path: Path) -> None:
    from django.template.loader import render_to_string

    # given no bundle, the partial renders nothing
    assert render_to_string("library/partials/bundle_link.html", {"latest_bundle": None}).strip() == ""
    # given one, it links to the download with its size and date
    _guideline()
    out = tmp_path / "library.zip"
    call_command("bundle", "--out", str(out), stdout=io.StringIO(), stderr=io.StringIO())
    html = render_to_string("library/partials/bundle_link.html", {"latest_bundle": latest_public_bundle()})
    assert '<a href="/en/library/offline/" download type="application/zip">Download the offline library</a>' in html
    assert "KB, made on " in html
