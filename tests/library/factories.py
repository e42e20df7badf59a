"""Library resources for tests, made through the services (revisions, audit and search as in real use).

``published_resource(...)`` makes a public guideline with an English and a Russian version,
both published (so indexed by search); pass ``visibility``, ``languages``, texts or files to
change it. ``minimal_pdf(text)`` is a real, tiny PDF whose text pypdf extracts.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from carnet.accounts.models import Role, User
from carnet.core.models import Country, Priority
from carnet.library import services
from carnet.library.models import Resource, ResourceKind, ResourceVersion, Visibility
from tests.accounts.factories import MembershipFactory, UserFactory

_numbers = itertools.count(1)

DEFAULT_TITLES = {"en": "Guidelines on the care of children", "ru": "Руководство по заботе о детях"}
DEFAULT_SUMMARIES = {"en": "How to care for children at risk.", "ru": "Как заботиться о детях в группе риска."}
DEFAULT_BODIES = {
    "en": "## Care\n\nChildren at risk need **care** and protection.",
    "ru": "## Забота\n\nДетям в группе риска нужны **забота** и защита.",
}


@pytest.fixture
def library_media(settings: Any, tmp_path: Path) -> Path:
    """Files stored by the tests go to a temporary directory through the storage API (never the real media)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


def secretariat_user() -> User:
    """A secretariat user (the demo account when it is loaded, else a fresh one)."""
    user = User.objects.filter(username="secretariat").first()
    if user is None:
        user = User.objects.filter(username="library-secretariat").first()
    if user is None:
        user = UserFactory(username="library-secretariat")
        MembershipFactory(user=user, role=Role.SECRETARIAT)
    return user


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def minimal_pdf(text: str = "Hello library") -> bytes:
    """A valid one-page PDF (Helvetica, WinAnsi text) with correct cross-reference offsets."""
    stream = f"BT /F1 12 Tf 72 720 Td ({_pdf_escape(text)}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def pdf_upload(text: str = "Hello library", name: str = "guide.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, minimal_pdf(text), content_type="application/pdf")


def resource(
    *,
    actor: User | None = None,
    slug: str | None = None,
    kind: str = ResourceKind.GUIDELINE,
    visibility: str = Visibility.PUBLIC,
    restricted_to: str = "",
    year: int | None = 2006,
    publisher: str = "Council of the Baltic Sea States",
    priorities: Iterable[Priority] = (),
    countries: Iterable[Country] = (),
    **extra: Any,
) -> Resource:
    """A resource with no language versions (through ``resource_create``)."""
    return services.resource_create(
        actor=actor or secretariat_user(),
        slug=slug or f"resource-{next(_numbers)}",
        kind=kind,
        visibility=visibility,
        restricted_to=restricted_to,
        year=year,
        publisher=publisher,
        priorities=priorities,
        countries=countries,
        **extra,
    )


def version(
    res: Resource,
    language: str = "en",
    *,
    actor: User | None = None,
    title: str | None = None,
    summary: str | None = None,
    body: str | None = None,
    upload: Any = None,
    publish: bool = False,
) -> ResourceVersion:
    """Save one language (a new revision) and, with ``publish``, publish it as the secretariat."""
    services.version_save(
        actor=actor or secretariat_user(),
        resource=res,
        language=language,
        title=title if title is not None else DEFAULT_TITLES.get(language, f"Title ({language})"),
        summary=summary if summary is not None else DEFAULT_SUMMARIES.get(language, ""),
        body=body if body is not None else DEFAULT_BODIES.get(language, ""),
        upload=upload,
    )
    saved = ResourceVersion.objects.get(resource=res, language=language)
    if publish:
        saved = services.version_publish(actor=secretariat_user(), version=saved)
    return saved


def published_resource(
    *,
    actor: User | None = None,
    languages: Iterable[str] = ("en", "ru"),
    titles: Mapping[str, str] | None = None,
    summaries: Mapping[str, str] | None = None,
    bodies: Mapping[str, str] | None = None,
    files: Mapping[str, tuple[str, bytes]] | None = None,
    **resource_fields: Any,
) -> Resource:
    """A resource with a published version per language (English first: translations are made from it).

    ``files`` maps a language to ``(name, content)``, e.g. ``{"en": ("guide.pdf", minimal_pdf("..."))}``.
    Any other keyword goes to :func:`resource` (``slug``, ``kind``, ``visibility``, ``year``, ``priorities``...).
    """
    res = resource(actor=actor, **resource_fields)
    ordered = sorted(languages, key=lambda code: code != "en")
    for language in ordered:
        upload = None
        if files and language in files:
            name, content = files[language]
            upload = SimpleUploadedFile(name, content)
        version(
            res,
            language,
            actor=actor,
            title=(titles or {}).get(language),
            summary=(summaries or {}).get(language),
            body=(bodies or {}).get(language),
            upload=upload,
            publish=True,
        )
    return res
