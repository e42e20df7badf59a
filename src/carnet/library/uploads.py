"""Checking a file uploaded to the library before anything is stored.

The type is decided by the *content* (``filetype`` reads the signature), never by the name
or the browser's Content-Type: a program named ``report.pdf`` is a program and is refused.
Only documents and images readers can open are accepted (PDF, DOCX, ODT, PNG, JPEG, WebP),
up to ``settings.CARNET_LIBRARY_UPLOAD_MAX_BYTES`` (default 20 MiB). The name is cut to its
last component, made safe (``get_valid_filename``) and given the extension of the type found.
A PDF must open with pypdf; its text (bounded in pages and characters) is kept for search.

Nothing here writes: :func:`check_upload` returns a :class:`CheckedFile` that the services
store through Django's storage API (``FileField`` / ``default_storage``), so that S3-compatible
storage works in production.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from carnet.core.files import read_limited

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
PDF_MAX_PAGES = 300  # pages read for search text
PDF_MAX_CHARS = 200_000  # characters of text kept for search
NAME_MAX_CHARS = 200  # ResourceRevision.file_name

# The accepted types, by MIME type: the extension the stored name gets and a name for messages.
ALLOWED: dict[str, tuple[str, str]] = {
    "application/pdf": ("pdf", "PDF"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx", "Word (DOCX)"),
    "application/vnd.oasis.opendocument.text": ("odt", "OpenDocument (ODT)"),
    "image/png": ("png", "PNG"),
    "image/jpeg": ("jpg", "JPEG"),
    "image/webp": ("webp", "WebP"),
}
EXTENSIONS = {"pdf": {"pdf"}, "docx": {"docx"}, "odt": {"odt"}, "png": {"png"}, "jpg": {"jpg", "jpeg"}, "webp": {"webp"}}
PROGRAMS = {"application/x-msdownload", "application/x-executable", "application/x-mach-binary", "application/x-shockwave-flash"}

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check: its bytes, safe name, type found in the content, size, SHA-256, PDF text."""

    content: bytes
    name: str
    mime: str
    size: int
    sha256: str
    text: str


def max_bytes() -> int:
    """``CARNET_LIBRARY_UPLOAD_MAX_BYTES``, read at call time so that tests and operators can change it."""
    return int(getattr(settings, "CARNET_LIBRARY_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def _too_big(limit: int) -> ValidationError:
    return ValidationError(
        _("The file is larger than %(max)s MB, the most the library accepts. Nothing was saved.") % {"max": megabytes(limit)},
        code="too_big",
    )


def safe_name(original: str, extension: str) -> str:
    """The last path component, made safe, ending in ``extension`` (the type found in the content)."""
    base = re.split(r"[\\/]", original or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    stem, dot, ext = base.rpartition(".")
    if not dot or ext.lower() not in EXTENSIONS.get(extension, {extension}):
        # "notes.exe" loses its extension; "v1.2 final" has none and stays whole.
        stem = stem if dot and re.fullmatch(r"[A-Za-z0-9]{1,5}", ext) else base
        ext = extension
    try:
        stem = get_valid_filename(stem.strip(" ."))
    except Exception:  # Django's SuspiciousFileOperation for a name of only dots or nothing
        stem = ""
    stem = stem.strip("._-") or "file"
    ext = ext.lower()
    return f"{stem[: NAME_MAX_CHARS - len(ext) - 1]}.{ext}"


def pdf_text(content: bytes) -> str:
    """The text of a PDF for search, at most ``PDF_MAX_PAGES`` pages and ``PDF_MAX_CHARS`` characters.

    Raises ValidationError (not a 500) for a PDF that pypdf cannot open or that needs a password.
    """
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValidationError(
                _("The PDF is protected by a password: readers could not open it. Upload it without the password. Nothing was saved."),
                code="pdf_encrypted",
            )
        parts: list[str] = []
        total = 0
        for index, page in enumerate(reader.pages):
            if index >= PDF_MAX_PAGES or total >= PDF_MAX_CHARS:
                break
            try:
                text = page.extract_text() or ""
            except Exception:  # one unreadable page leaves the rest searchable
                logger.info("library upload: page %s of a PDF has no readable text", index + 1)
                continue
            parts.append(text)
            total += len(text)
        if not len(reader.pages):
            raise ValueError("no pages")
    except ValidationError:
        raise
    except Exception as error:  # pypdf raises many kinds of errors for a broken file; all mean "damaged"
        logger.info("library upload: unreadable PDF (%s)", type(error).__name__)
        raise ValidationError(
            _("The PDF file is damaged or incomplete and cannot be opened. Save it again as PDF and upload it. Nothing was saved."),
            code="pdf_damaged",
        ) from None
    text = "\n".join(" ".join(part.split()) for part in parts if part.strip())
    return text.replace("\x00", "")[:PDF_MAX_CHARS]


def check_upload(uploaded_file: Any) -> CheckedFile:
    """The upload's checked bytes and facts, or a ValidationError saying clearly why it is refused."""
    limit = max_bytes()
    declared = getattr(uploaded_file, "size", None)
    if declared is not None and declared > limit:
        raise _too_big(limit)
    content = read_limited(uploaded_file, limit)
    if len(content) > limit:
        raise _too_big(limit)
    if not content:
        raise ValidationError(_("The file is empty. Nothing was saved."), code="empty")
    kind = filetype.guess(content)
    mime = kind.mime if kind is not None else ""
    if mime in PROGRAMS:
        raise ValidationError(
            _("This file is a program, not a document, whatever its name says. The library does not accept programs. Nothing was saved."),
            code="program",
        )
    if mime not in ALLOWED:
        raise ValidationError(
            _(
                "The library accepts PDF, Word (DOCX), OpenDocument (ODT), PNG, JPEG and WebP files; the content of this file "
                "is none of these, whatever its name says. Nothing was saved."
            ),
            code="file_type",
        )
    extension, _label = ALLOWED[mime]
    text = pdf_text(content) if mime == "application/pdf" else ""
    return CheckedFile(
        content=content,
        name=safe_name(str(getattr(uploaded_file, "name", "") or ""), extension),
        mime=mime,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        text=text,
    )
