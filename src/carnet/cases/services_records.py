"""Case notes and documents: encrypted at rest, documents type-checked by content and size-limited.

Why it is built this way (see ``docs/decisions/0005-case-exports-and-files.md``):

* A note's body and a document's original filename are encrypted under the child's
  data key, bound to their row, like the identity. Both models have UUID primary keys,
  so the values are encrypted before the first save.
* A document's bytes are encrypted under the same key (``table="cases_casedocument",
  field="content"``) and written through Django's storage API under an opaque name,
  ``cases/<document id>.bin``: neither the storage nor its backups learn the filename,
  the format or the content. The SHA-256 of the plaintext is kept to prove on download
  that what comes back is what was uploaded.
* The format is decided by the bytes (:func:`sniff_format`), never by the name or the
  browser's Content-Type; the name's extension must agree with the content.
* A file is written last inside the transaction and deleted if the transaction fails;
  :func:`documents_sweep_orphans` (run by ``carnet retention``) removes what a crash or an
  enclosing rollback may still leave.
* Shredding the child's data key (retention) makes notes and files unreadable; the
  retention command also erases them (:func:`documents_erase`, :func:`notes_erase`).
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carnet.audit.services import record
from carnet.cases.models import Case, CaseDocument, CaseNote
from carnet.cases.models.codes import CaseStatus, DocumentKind
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.cases.services import case_anonymise, touch_case
from carnet.core.crypto import CryptoError, decrypt_bytes, decrypt_field, encrypt, encrypt_field
from carnet.core.errors import DomainError
from carnet.core.files import read_limited

logger = logging.getLogger(__name__)

DEFAULT_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
NOTE_MAX_CHARS = 10_000
FILENAME_MAX_CHARS = 255
STORAGE_PREFIX = "cases"
CONTENT_TABLE = "cases_casedocument"
CONTENT_FIELD = "content"
RETENTION_USERNAME = "carnet-retention"
RETENTION_STATUSES = (CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED)


class DocumentDamaged(DomainError):
    """The stored file is missing, does not decrypt, or is not the file that was uploaded (SHA-256)."""

    status = 409
    code = "document_damaged"


# --- Formats, decided by content --------------------------------------------------------


@dataclass(frozen=True)
class FileFormat:
    code: str
    media_type: str
    extensions: tuple[str, ...]
    label: str


PDF = FileFormat("pdf", "application/pdf", ("pdf",), "PDF")
PNG = FileFormat("png", "image/png", ("png",), "PNG")
JPEG = FileFormat("jpeg", "image/jpeg", ("jpg", "jpeg"), "JPEG")
TEXT = FileFormat("text", "text/plain", ("txt",), "plain text (UTF-8)")
DOCX = FileFormat("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",), "Word (DOCX)")
ODT = FileFormat("odt", "application/vnd.oasis.opendocument.text", ("odt",), "OpenDocument text (ODT)")
FORMATS: dict[str, FileFormat] = {f.code: f for f in (PDF, PNG, JPEG, TEXT, DOCX, ODT)}
FORMAT_BY_EXTENSION: dict[str, FileFormat] = {ext: f for f in FORMATS.values() for ext in f.extensions}
FORMAT_BY_MEDIA_TYPE: dict[str, FileFormat] = {f.media_type: f for f in FORMATS.values()}
ACCEPT_ATTRIBUTE = ",".join(f".{ext}" for ext in FORMAT_BY_EXTENSION)

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
_PDF_SIGNATURE = b"%PDF-"
_ZIP_SIGNATURE = b"PK\x03\x04"
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
_ZIP_MEMBER_READ_LIMIT = 1024 * 1024  # never inflate more than this from an uploaded archive
# Text: any UTF-8 without NUL or C0 control characters other than tab, newline, form feed, carriage return.
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _zip_format(content: bytes) -> FileFormat | None:
    """DOCX or ODT from an archive's directory; macro-enabled documents and damaged archives are neither."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = {info.filename: info for info in archive.infolist()}
            names = list(members)
            mimetype = members.get("mimetype")
            if names and names[0] == "mimetype" and mimetype is not None and mimetype.file_size <= 100:
                return ODT if archive.read("mimetype").strip() == _ODT_MIMETYPE else None
            types = members.get("[Content_Types].xml")
            if types is None or "word/document.xml" not in members or types.file_size > _ZIP_MEMBER_READ_LIMIT:
                return None
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None  # a macro-enabled document (DOCM) renamed to .docx
            if b"macroEnabled" in archive.read("[Content_Types].xml"):
                return None
            return DOCX
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        RuntimeError,
        NotImplementedError,
        KeyError,
        OSError,
        ValueError,
        EOFError,
        zlib.error,
    ):
        return None


def _is_text(content: bytes) -> bool:
    body = content.removeprefix(b"\xef\xbb\xbf")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not _TEXT_CONTROL.search(text)


def sniff_format(content: bytes) -> FileFormat | None:
    """The allowed format the bytes are, or ``None``. Binary signatures are checked before text.

    A small, tested sniffer for exactly the allowed formats rather than a general
    library (see the decision record for the ``filetype`` option).
    """
    if not content:
        return None
    if content.startswith(_PDF_SIGNATURE):
        return PDF
    if content.startswith(_PNG_SIGNATURE):
        return PNG
    if content.startswith(_JPEG_SIGNATURE):
        return JPEG
    if content.startswith(_ZIP_SIGNATURE):
        return _zip_format(content)
    if _is_text(content):
        return TEXT
    return None


def upload_max_bytes() -> int:
    """``CARNET_CASE_UPLOAD_MAX_BYTES`` (default 10 MB), read at call time so that tests and operators can change it."""
    return int(getattr(settings, "CARNET_CASE_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES))


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def clean_filename(name: str) -> str:
    """The last path component, without control characters, at most 255 characters (the extension kept)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().strip(".")
    if len(base) > FILENAME_MAX_CHARS:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: FILENAME_MAX_CHARS - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else base[:FILENAME_MAX_CHARS]
    return base


def _extension(name: str) -> str:
    _stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def check_upload(*, filename: str, content: bytes) -> FileFormat:
    """The file's format if it may be stored; a :class:`ValidationError` on ``file`` with a clear message otherwise."""
    limit = upload_max_bytes()
    if not content:
        raise ValidationError({"file": _("The file is empty.")})
    if len(content) > limit:
        raise ValidationError({"file": _("The file is larger than %(max)s MB, the most carnet accepts.") % {"max": megabytes(limit)}})
    allowed = ", ".join(sorted({f.label for f in FORMATS.values()}))
    claimed = FORMAT_BY_EXTENSION.get(_extension(filename))
    if claimed is None:
        raise ValidationError(
            {
                "file": _("Files ending in .%(ext)s are not accepted. Allowed formats: %(allowed)s.")
                % {"ext": _extension(filename) or "?", "allowed": allowed}
            }
        )
    found = sniff_format(content)
    if found is None:
        raise ValidationError(
            {"file": _("The content of this file is not one of the allowed formats (%(allowed)s).") % {"allowed": allowed}}
        )
    if found != claimed:
        raise ValidationError(
            {
                "file": _(
                    "The file is named as %(claimed)s but its content is %(found)s. Nothing was stored: check that it is the right file."
                )
                % {"claimed": claimed.label, "found": found.label}
            }
        )
    return found


# --- Notes --------------------------------------------------------------------------------


def _require(actor: Any, action: CaseAction, case: Case) -> None:
    if not CasePolicy.can(actor, action, case):
        raise PermissionDenied


def _data_key(case: Case) -> Any:
    key = case.child.data_key
    if key is None:  # an anonymised child: the policy refuses edits before this is reached
        raise PermissionDenied
    return key


@transaction.atomic
def note_add(*, actor: Any, case: Case, body: str) -> CaseNote:
    """Add a note to the case; its body is encrypted under the child's data key before the row is first written."""
    _require(actor, CaseAction.EDIT, case)
    text = (body or "").strip()
    if not text:
        raise ValidationError({"body": _("Write the note before saving it.")})
    if len(text) > NOTE_MAX_CHARS:
        raise ValidationError({"body": _("A note can be at most %(max)s characters long.") % {"max": NOTE_MAX_CHARS}})
    note = CaseNote(id=uuid.uuid4(), case=case, author=actor)
    encrypt_field(note, "body_enc", text, data_key=_data_key(case))
    note.save(force_insert=True)
    touch_case(actor=actor, case=case, expected_version=None)
    record(actor=actor, action="case.note.add", obj=case, purpose="notes")
    return note


@dataclass(frozen=True)
class NoteView:
    id: uuid.UUID
    body: str | None  # None: erased with the case's identity at the end of its retention period
    author: str
    author_name: str
    created_at: datetime


def notes_for(*, actor: Any, case: Case) -> list[NoteView]:
    """The case's notes, newest first, decrypted for someone who may see the case (the caller audited the view)."""
    _require(actor, CaseAction.VIEW, case)
    key = case.child.data_key
    readable = case.anonymised_at is None and key is not None
    notes = []
    for note in CaseNote.objects.filter(case=case).select_related("author").order_by("-created_at", "-pk"):
        body = decrypt_field(note, "body_enc", data_key=key) if readable else None
        notes.append(
            NoteView(
                id=note.pk,
                body=str(body) if body is not None else None,
                author=note.author.get_username(),
                author_name=note.author.get_full_name() or note.author.get_username(),
                created_at=note.created_at,
            )
        )
    return notes


@transaction.atomic
def notes_erase(*, case: Case) -> int:
    """Clear every note's body of a case (retention). Authors and times stay: who wrote when is not about the child."""
    return CaseNote.objects.filter(case=case, body_enc__isnull=False).update(body_enc=None)


# --- Documents ------------------------------------------------------------------------------


def _storage_name(document_id: uuid.UUID) -> str:
    return f"{STORAGE_PREFIX}/{document_id}.bin"


def document_upload(*, actor: Any, case: Case, file: IO[bytes], filename: str, kind: str = DocumentKind.OTHER) -> CaseDocument:
    """Store an attachment: checked (size, format by content, extension), encrypted, written under an opaque name, audited.

    The file is written last inside the transaction; if anything fails, including the
    commit, the file is deleted again, so no orphan is left behind.
    """
    _require(actor, CaseAction.EDIT, case)
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Choose the type of document from the list.")})
    name = clean_filename(filename)
    if not name:
        raise ValidationError({"file": _("The file has no name.")})
    size = getattr(file, "size", None)
    limit = upload_max_bytes()
    if isinstance(size, int) and size > limit:  # refuse before reading a byte
        raise ValidationError({"file": _("The file is larger than %(max)s MB, the most carnet accepts.") % {"max": megabytes(limit)}})
    content = read_limited(file, limit)
    found = check_upload(filename=name, content=content)
    written: str | None = None
    try:
        with transaction.atomic():
            key = _data_key(case)
            document = CaseDocument(
                id=uuid.uuid4(),
                case=case,
                kind=kind,
                media_type=found.media_type,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                uploaded_by=actor,
            )
            document.storage_name = _storage_name(document.id)
            encrypt_field(document, "filename_enc", name, data_key=key)
            document.full_clean(exclude=["case", "uploaded_by"])
            document.save(force_insert=True)
            touch_case(actor=actor, case=case, expected_version=None)
            record(actor=actor, action="case.document.upload", obj=case, purpose=f"document {document.pk} ({kind}, {found.code})")
            sealed = encrypt(content, data_key=key, table=CONTENT_TABLE, field=CONTENT_FIELD, row_id=str(document.pk))
            written = default_storage.save(document.storage_name, ContentFile(sealed))
            if written != document.storage_name:  # the storage renamed it: an id collision, never expected
                raise DocumentDamaged(_("The document could not be stored. Try again."))
    except BaseException:
        if written is not None:
            default_storage.delete(written)
        raise
    return document


@dataclass(frozen=True)
class DocumentView:
    id: uuid.UUID
    filename: str | None  # None once the case is anonymised
    kind: str
    kind_label: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


def documents_for(*, actor: Any, case: Case) -> list[DocumentView]:
    """The case's documents, newest first, with their decrypted filenames (the caller audited the view)."""
    _require(actor, CaseAction.VIEW, case)
    key = case.child.data_key
    readable = case.anonymised_at is None and key is not None
    labels = dict(DocumentKind.choices)
    documents = []
    for document in CaseDocument.objects.filter(case=case).select_related("uploaded_by").order_by("-uploaded_at", "-pk"):
        filename = decrypt_field(document, "filename_enc", data_key=key) if readable else None
        documents.append(
            DocumentView(
                id=document.pk,
                filename=str(filename) if filename is not None else None,
                kind=document.kind,
                kind_label=str(labels.get(document.kind, document.kind)),
                media_type=document.media_type,
                size=document.size,
                sha256=document.sha256,
                uploaded_by=document.uploaded_by.get_username(),
                uploaded_at=document.uploaded_at,
            )
        )
    return documents


@dataclass(frozen=True)
class DocumentContent:
    filename: str
    media_type: str
    content: bytes


def document_read(*, actor: Any, case: Case, document_id: uuid.UUID | str) -> DocumentContent:
    """Decrypt a document for someone who may see the case; the plaintext must match the SHA-256 stored at upload.

    Raises ``CaseDocument.DoesNotExist`` for a document that is not on this case (the
    caller answers 404), :class:`DocumentDamaged` when the stored file is missing, tampered
    with or not the uploaded one. The download is audited (``case.document.download``).
    """
    _require(actor, CaseAction.VIEW, case)
    document = CaseDocument.objects.get(case=case, pk=document_id)
    key = case.child.data_key
    if case.anonymised_at is not None or key is None:
        raise DocumentDamaged(_("This document was erased at the end of the case's retention period."))
    try:
        with default_storage.open(document.storage_name, "rb") as stored:
            sealed = stored.read()
        content = decrypt_bytes(sealed, data_key=key, table=CONTENT_TABLE, field=CONTENT_FIELD, row_id=str(document.pk))
        filename = str(decrypt_field(document, "filename_enc", data_key=key) or f"{document.pk}")
    except (OSError, CryptoError) as error:
        logger.error("Case document %s cannot be read: %s", document.pk, type(error).__name__)
        raise DocumentDamaged(_("This document cannot be read: its stored file is missing or damaged.")) from None
    if hashlib.sha256(content).hexdigest() != document.sha256:
        logger.error("Case document %s does not match its SHA-256", document.pk)
        raise DocumentDamaged(_("This document is not the file that was uploaded (its checksum differs). It was not sent."))
    record(actor=actor, action="case.document.download", obj=case, purpose=f"document {document.pk}")
    return DocumentContent(filename=filename, media_type=document.media_type, content=content)


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("Could not delete a case document's file; documents_sweep_orphans will retry")


@transaction.atomic
def documents_erase(*, case: Case, actor: Any = None) -> int:
    """Delete a case's documents: their rows now, their stored files once the transaction commits (retention).

    Deleting files only on commit keeps rows and files consistent if the anonymisation
    that follows fails and rolls back; a file whose deletion fails is left to
    :func:`documents_sweep_orphans`.
    """
    documents = list(CaseDocument.objects.select_for_update().filter(case=case).values_list("pk", "storage_name"))
    if not documents:
        return 0
    CaseDocument.objects.filter(pk__in=[pk for pk, _name in documents]).delete()
    names = [name for _pk, name in documents]
    transaction.on_commit(lambda: _delete_files(names))
    record(actor=actor, action="case.document.erase", obj=case, purpose=f"{len(documents)} documents", username=RETENTION_USERNAME)
    return len(documents)


_STORED_NAME = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.bin")


def documents_sweep_orphans(*, older_than: timedelta = timedelta(hours=1)) -> int:
    """Delete stored files that no document row refers to (left by a crash or an enclosing rollback).

    Files younger than ``older_than`` are left alone: their upload may still be committing.
    """
    try:
        _dirs, files = default_storage.listdir(STORAGE_PREFIX)
    except (FileNotFoundError, NotImplementedError):
        return 0
    candidates = [f"{STORAGE_PREFIX}/{name}" for name in files if _STORED_NAME.fullmatch(name)]
    known = set(CaseDocument.objects.filter(storage_name__in=candidates).values_list("storage_name", flat=True))
    cutoff = timezone.now() - older_than
    removed = 0
    for name in candidates:
        if name in known:
            continue
        try:
            if default_storage.get_modified_time(name) > cutoff:
                continue
            default_storage.delete(name)
        except (OSError, NotImplementedError):
            logger.exception("Could not sweep an orphaned case document file")
            continue
        removed += 1
    return removed


# --- Retention -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionOutcome:
    anonymised: bool
    documents_erased: int = 0
    notes_erased: int = 0


@transaction.atomic
def case_retention_apply(*, case: Case, today: date | None = None) -> RetentionOutcome:
    """Anonymise one case whose retention period has ended: erase its documents and notes, then its identity.

    The case is locked and checked again first, so a case reopened (or anonymised by a
    parallel run) since it was listed is left alone: running twice does nothing twice.
    """
    today = today or timezone.localdate()
    still_due = (
        Case.objects.select_for_update()
        .filter(pk=case.pk, status__in=RETENTION_STATUSES, retain_until__lt=today, anonymised_at__isnull=True)
        .exists()
    )
    if not still_due:
        return RetentionOutcome(anonymised=False)
    documents = documents_erase(case=case)
    notes = notes_erase(case=case)
    case_anonymise(case=case, reason=f"retention period ended ({case.retain_until})")
    return RetentionOutcome(anonymised=True, documents_erased=documents, notes_erased=notes)
