"""The library's demo content: real PDFs, published through the services, idempotent, removable."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from carnet.audit.models import AuditEntry
from carnet.library import demo
from carnet.library.models import Resource, ResourceRevision, ResourceVersion, SearchDocument, Visibility
from carnet.library.policies import LibraryPolicy
from tests.library.factories import library_media  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("library_media")]


def _stored() -> list[Path]:
    """Every file in the test's storage (tests.library.factories.library_media)."""
    media = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return sorted(p for p in media.rglob("*") if p.is_file())


def test_the_demo_loads_once_and_loading_again_changes_nothing(demo_users: dict[str, Any]) -> None:
    # when the demo is loaded
    out = io.StringIO()
    demo.load(out=out)
    # then six resources, each published in English and Russian with a real PDF whose text was read
    slugs = [spec.slug for spec in demo.RESOURCES]
    assert sorted(Resource.objects.values_list("slug", flat=True)) == sorted(slugs)
    versions = ResourceVersion.objects.filter(resource__slug__in=slugs)
    assert sorted(versions.values_list("resource__slug", "language")) == sorted((s, lang) for s in slugs for lang in ("en", "ru"))
    assert all(v.published_revision == 1 for v in versions)
    revisions = ResourceRevision.objects.filter(version__in=versions)
    assert revisions.count() == 12
    assert {r.file_type for r in revisions} == {"application/pdf"}
    assert all(r.file_name.endswith(".pdf") and r.file_size and len(r.file_sha256) == 64 for r in revisions)
    russian_guideline = revisions.get(version__resource__slug="demo-identification-of-child-victims", version__language="ru")
    assert "Выявление начинается с того, что ребёнка выслушивают." in " ".join(russian_guideline.file_text.split())
    # search knows every published version
    assert SearchDocument.objects.filter(resource__slug__in=slugs).count() == 12
    # the tool is the seeded self-assessment instrument; one resource is member-only, one for NCPs only
    assert Resource.objects.get(slug="demo-self-assessment-tool").instrument.slug == "life-domains"  # type: ignore[union-attr]
    assert Resource.objects.get(slug="demo-members-referral-practice-notes").visibility == Visibility.MEMBERS
    ncp = Resource.objects.get(slug="demo-ncp-working-procedures")
    assert (ncp.visibility, ncp.restricted_to) == (Visibility.RESTRICTED, "ncp")
    # an anonymous visitor sees the four public ones only
    assert LibraryPolicy.visible(None, Resource.objects.all()).count() == 4
    files = _stored()
    entries = AuditEntry.objects.count()
    # when it is loaded again
    demo.load(out=io.StringIO())
    # then nothing was added: no resource, revision, file or audit entry
    assert Resource.objects.count() == 6
    assert ResourceRevision.objects.count() == 12
    assert _stored() == files
    assert AuditEntry.objects.count() == entries
    assert out.getvalue().startswith("Library demo content: 6 resources")


def test_reset_removes_the_demo_resources_and_files_and_load_brings_them_back(
    demo_users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    # given the demo content
    demo.load(out=io.StringIO())
    # when it is reset
    with django_capture_on_commit_callbacks(execute=True):
        demo.reset(out=io.StringIO())
    # then the resources, their search entries and their files are gone
    assert Resource.objects.count() == 0
    assert SearchDocument.objects.count() == 0
    assert _stored() == []
    # and loading again works
    demo.load(out=io.StringIO())
    assert Resource.objects.count() == 6


def test_without_the_demo_accounts_the_demo_is_skipped(db: None) -> None:
    out = io.StringIO()
    demo.load(out=out)
    assert out.getvalue() == "Library demo content skipped: the demo accounts are not loaded.\n"
    assert Resource.objects.count() == 0
