"""Notes and documents of a case: encrypted at rest, checked by content, size-limited, downloaded intact, audited."""

from __future__ import annotations

import hashlib
import io
import os
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from carnet.accounts.models import Role
from carnet.audit.models import AuditEntry
from carnet.cases.models import Case, CaseDocument, CaseNote
from carnet.cases.services import break_glass_open
from carnet.cases.services_records import (
    DocumentDamaged,
    check_upload,
    clean_filename,
    document_read,
    document_upload,
    documents_for,
    documents_sweep_orphans,
    note_add,
    notes_for,
    sniff_format,
)
from carnet.core.crypto import decrypt_bytes
from carnet.core.models import Country
from tests.accounts.factories import MembershipFactory
from tests.cases.factories import open_case
from tests.directory.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

MARKER = "Zebulon-Quartzfield-7731"  # a text that must never be found in clear at rest


def _zip(members: list[tuple[str, bytes]], *, stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(members):
            kind = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=kind)
    return buffer.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n% " + MARKER.encode() + b"\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + MARKER.encode()
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + MARKER.encode() + b"\xff\xd9"
TEXT_BYTES = f"Синтетическая справка\n{MARKER}\n".encode()
DOCX_BYTES = _zip([("[Content_Types].xml", CONTENT_TYPES), ("word/document.xml", f"<w:document>{MARKER}</w:document>".encode())])
ODT_BYTES = _zip(
    [("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", f"<office:text>{MARKER}</office:text>".encode())],
    stored_first=True,
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    """Every test writes its files to its own directory, never to var/media."""
    location = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}},
    }
    return location


@pytest.fixture
def case(demo_users) -> Case:
    return open_case(demo_users["caseworker-se"])


def _stored_files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file())


def _upload(actor, case: Case, name: str, content: bytes, kind: str = "other") -> CaseDocument:
    return document_upload(actor=actor, case=case, file=SimpleUploadedFile(name, content), filename=name, kind=kind)


# --- The content sniffer -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF_BYTES, "pdf"),
        (PNG_BYTES, "png"),
        (JPEG_BYTES, "jpeg"),
        (TEXT_BYTES, "text"),
        (b"\xef\xbb\xbfplain text with a byte-order mark\r\n", "text"),
        (DOCX_BYTES, "docx"),
        (ODT_BYTES, "odt"),
        (b"", None),
        (b"MZ\x90\x00\x03\x00\x00\x00 a Windows program", None),
        (b"GIF89a\x01\x00\x01\x00", None),
        (b"text with a NUL \x00 byte", None),
        (b"Latin-1, not UTF-8: caf\xe9", None),
        (b"PK\x03\x04 not really a zip", None),
        (_zip([("readme.txt", b"hello")]), None),
        (_zip([("[Content_Types].xml", CONTENT_TYPES), ("word/document.xml", b"<w/>"), ("word/vbaProject.bin", b"macro")]), None),
        (_zip([("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", b"<x/>")], stored_first=True), None),
    ],
    ids=[
        "pdf", "png", "jpeg", "utf8-text", "text-with-bom", "docx", "odt", "empty", "exe", "gif", "nul-byte", "latin1",
        "broken-zip", "plain-zip", "docm-macros", "ods-spreadsheet",
    ],
)  # fmt: skip
def test_the_sniffer_decides_by_content(content: bytes, expected: str | None) -> None:
    found = sniff_format(content)
    assert (found.code if found else None) == expected


def test_a_pdf_signature_in_a_text_file_is_a_pdf_not_text() -> None:
    # given plain ASCII that starts like a PDF
    # then it is judged as a PDF, so a .txt name does not smuggle it in as text
    assert sniff_format(b"%PDF-1.4 hello").code == "pdf"  # type: ignore[union-attr]
    with pytest.raises(ValidationError) as raised:
        check_upload(filename="note.txt", content=b"%PDF-1.4 hello")
    assert "PDF" in raised.value.message_dict["file"][0]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("C:\\Users\\x\\passport.pdf", "passport.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("bad\x00name\n.png", "badname.png"),
        ("...", ""),
    ],
)
def test_filenames_lose_their_paths_and_control_characters(raw: str, clean: str) -> None:
    assert clean_filename(raw) == clean


# --- Notes ----------------------------------------------------------------------------------------


def test_a_note_is_encrypted_in_the_database_and_read_back_newest_first(demo_users, case: Case) -> None:
    owner = demo_users["caseworker-se"]
    version = case.version
    # when the owner writes two notes
    first = note_add(actor=owner, case=case, body=f"first {MARKER}")
    second = note_add(actor=owner, case=case, body="second note")
    # then the raw columns of the note table hold no note text in clear
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_casenote")
        raw_rows = cursor.fetchall()
    assert len(raw_rows) == 2
    for row in raw_rows:
        for value in row:
            raw = bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
            assert MARKER.encode() not in raw
            assert b"second note" not in raw
    # and nor does the audit log
    assert not AuditEntry.objects.filter(purpose__contains=MARKER).exists()
    # and the case team reads them, newest first, with their author
    notes = notes_for(actor=demo_users["supervisor-se"], case=case)
    assert [n.id for n in notes] == [second.pk, first.pk]
    assert notes[1].body == f"first {MARKER}"
    assert notes[0].author == "caseworker-se"
    case.refresh_from_db()
    assert case.version == version + 2
    assert AuditEntry.objects.filter(action="case.note.add", object_id=str(case.pk)).count() == 2


@pytest.mark.parametrize("username", ["caseworker-lt", "ncp-lt", "secretariat", "sysadmin"])
def test_outsiders_cannot_add_a_note_and_nothing_changes(demo_users, case: Case, username: str) -> None:
    version = case.version
    entries = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        note_add(actor=demo_users[username], case=case, body="intrusion")
    with pytest.raises(PermissionDenied):
        notes_for(actor=demo_users[username], case=case)
    case.refresh_from_db()
    assert CaseNote.objects.count() == 0
    assert case.version == version
    assert AuditEntry.objects.count() == entries


def test_break_glass_reads_notes_but_cannot_write_them(demo_users, case: Case) -> None:
    # given a supervisor of another Swedish organisation with emergency access to the case
    note_add(actor=demo_users["caseworker-se"], case=case, body="seen in an emergency")
    organisation = OrganisationFactory(slug="another-se-service")
    outsider = MembershipFactory(role=Role.SUPERVISOR, country=Country.objects.get(code="SE"), organisation=organisation).user
    break_glass_open(actor=outsider, case=case, reason="The child is missing since this morning.")
    # then the note is readable, and writing one is refused with nothing stored
    assert [n.body for n in notes_for(actor=outsider, case=case)] == ["seen in an emergency"]
    with pytest.raises(PermissionDenied):
        note_add(actor=outsider, case=case, body="not allowed")
    with pytest.raises(PermissionDenied):
        _upload(outsider, case, "report.pdf", PDF_BYTES)
    assert CaseNote.objects.filter(case=case).count() == 1
    assert CaseDocument.objects.count() == 0


def test_an_empty_or_too_long_note_is_refused(demo_users, case: Case) -> None:
    owner = demo_users["caseworker-se"]
    with pytest.raises(ValidationError) as empty:
        note_add(actor=owner, case=case, body="   ")
    with pytest.raises(ValidationError) as long:
        note_add(actor=owner, case=case, body="x" * 10_001)
    assert set(empty.value.message_dict) == {"body"}
    assert set(long.value.message_dict) == {"body"}
    assert CaseNote.objects.count() == 0


# --- Documents --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "media_type"),
    [
        ("report.pdf", PDF_BYTES, "application/pdf"),
        ("photo.PNG", PNG_BYTES, "image/png"),
        ("scan.jpeg", JPEG_BYTES, "image/jpeg"),
        ("scan.jpg", JPEG_BYTES, "image/jpeg"),
        ("statement.txt", TEXT_BYTES, "text/plain"),
        ("letter.docx", DOCX_BYTES, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("letter.odt", ODT_BYTES, "application/vnd.oasis.opendocument.text"),
    ],
)
def test_an_allowed_document_is_stored_encrypted_under_an_opaque_name(
    demo_users, case: Case, media: Path, name: str, content: bytes, media_type: str
) -> None:
    owner = demo_users["caseworker-se"]
    # when the owner uploads it
    document = _upload(owner, case, name, content, kind="legal")
    # then one file exists, named by the document's id, holding neither the content nor the name in clear
    files = _stored_files(media)
    assert [p.relative_to(media).as_posix() for p in files] == [f"cases/{document.pk}.bin"]
    raw = files[0].read_bytes()
    assert MARKER.encode() not in raw
    assert content not in raw
    assert name.encode() not in raw
    # and the row keeps the format, size, checksum, and the filename only encrypted
    document.refresh_from_db()
    assert document.media_type == media_type
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert name.encode() not in bytes(document.filename_enc)
    assert document.storage_name == f"cases/{document.pk}.bin"
    # and the stored bytes are the content encrypted for this row
    plain = decrypt_bytes(raw, data_key=case.child.data_key, table="cases_casedocument", field="content", row_id=str(document.pk))
    assert plain == content
    entry = AuditEntry.objects.filter(action="case.document.upload").get()
    assert entry.object_id == str(case.pk)
    assert name not in entry.purpose


@pytest.mark.parametrize(
    ("name", "content", "message_part"),
    [
        ("photo.pdf", PNG_BYTES, "named as PDF but its content is PNG"),
        ("report.png", PDF_BYTES, "named as PNG but its content is PDF"),
        ("statement.docx", TEXT_BYTES, "named as Word (DOCX) but its content is plain text"),
        ("virus.exe", b"MZ\x90\x00", "Files ending in .exe are not accepted"),
        ("noextension", TEXT_BYTES, "Files ending in .? are not accepted"),
        ("animation.txt", b"GIF89a\x01\x00\x01\x00\x80\x00\x00", "not one of the allowed formats"),
        ("empty.txt", b"", "The file is empty."),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_refused_and_nothing_is_stored(
    demo_users, case: Case, media: Path, name: str, content: bytes, message_part: str
) -> None:
    version = case.version
    with pytest.raises(ValidationError) as raised:
        _upload(demo_users["caseworker-se"], case, name, content)
    assert message_part in raised.value.message_dict["file"][0]
    case.refresh_from_db()
    assert CaseDocument.objects.count() == 0
    assert _stored_files(media) == []
    assert case.version == version
    assert not AuditEntry.objects.filter(action="case.document.upload").exists()


def test_the_size_limit_is_read_from_settings_at_call_time(demo_users, case: Case, media: Path, settings) -> None:
    owner = demo_users["caseworker-se"]
    settings.CARNET_CASE_UPLOAD_MAX_BYTES = 100
    # a file of exactly the limit is accepted
    _upload(owner, case, "exact.txt", b"a" * 100)
    # one byte more is refused, with the limit in the message, and nothing more is stored
    with pytest.raises(ValidationError) as raised:
        _upload(owner, case, "big.txt", b"a" * 101)
    assert "larger than" in raised.value.message_dict["file"][0]
    assert CaseDocument.objects.count() == 1
    assert len(_stored_files(media)) == 1


def test_an_oversized_file_without_a_declared_size_is_still_refused(demo_users, case: Case, media: Path, settings) -> None:
    # given a stream that does not say its size
    settings.CARNET_CASE_UPLOAD_MAX_BYTES = 10
    stream = io.BytesIO(b"b" * 50)
    with pytest.raises(ValidationError):
        document_upload(actor=demo_users["caseworker-se"], case=case, file=stream, filename="long.txt")
    assert CaseDocument.objects.count() == 0
    assert _stored_files(media) == []


def test_the_default_limit_is_ten_megabytes(demo_users, case: Case, media: Path, settings) -> None:
    if hasattr(settings, "CARNET_CASE_UPLOAD_MAX_BYTES"):
        del settings.CARNET_CASE_UPLOAD_MAX_BYTES
    with pytest.raises(ValidationError):
        _upload(demo_users["caseworker-se"], case, "huge.txt", b"c" * (10 * 1024 * 1024 + 1))
    assert _stored_files(media) == []


@pytest.mark.parametrize("username", ["caseworker-lt", "ncp-lt", "secretariat", "sysadmin"])
def test_outsiders_cannot_upload_and_nothing_is_stored(demo_users, case: Case, media: Path, username: str) -> None:
    with pytest.raises(PermissionDenied):
        _upload(demo_users[username], case, "report.pdf", PDF_BYTES)
    assert CaseDocument.objects.count() == 0
    assert _stored_files(media) == []


def test_an_unknown_document_type_is_refused(demo_users, case: Case, media: Path) -> None:
    with pytest.raises(ValidationError) as raised:
        _upload(demo_users["caseworker-se"], case, "report.pdf", PDF_BYTES, kind="secret")
    assert set(raised.value.message_dict) == {"kind"}
    assert _stored_files(media) == []


def test_a_failure_after_the_file_was_written_leaves_no_orphan(demo_users, case: Case, media: Path, monkeypatch) -> None:
    # given a storage that writes the file under another name than asked (anything failing after the write)
    real_save = FileSystemStorage.save
    monkeypatch.setattr(
        FileSystemStorage, "save", lambda self, name, content, **kwargs: real_save(self, f"{name}.renamed", content, **kwargs)
    )
    # when a document is uploaded, it fails
    with pytest.raises(DocumentDamaged):
        _upload(demo_users["caseworker-se"], case, "report.pdf", PDF_BYTES)
    # then the row rolled back and the written file was deleted again
    assert CaseDocument.objects.count() == 0
    assert _stored_files(media) == []
    assert not AuditEntry.objects.filter(action="case.document.upload").exists()


def test_a_failing_storage_stores_no_row(demo_users, case: Case, media: Path, monkeypatch) -> None:
    def broken(self, name, content, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(FileSystemStorage, "save", broken)
    with pytest.raises(OSError, match="disk full"):
        _upload(demo_users["caseworker-se"], case, "report.pdf", PDF_BYTES)
    assert CaseDocument.objects.count() == 0
    assert not AuditEntry.objects.filter(action="case.document.upload").exists()


def test_the_sweep_removes_old_files_without_a_row_only(demo_users, case: Case, media: Path) -> None:
    # given a document, an old orphaned file, a fresh orphaned file (an upload still committing) and a foreign file
    kept = _upload(demo_users["caseworker-se"], case, "report.pdf", PDF_BYTES)
    old_orphan = media / "cases" / f"{uuid.uuid4()}.bin"
    old_orphan.write_bytes(b"left by a crash")
    an_hour_ago = time.time() - 2 * 3600
    os.utime(old_orphan, (an_hour_ago, an_hour_ago))
    os.utime(media / kept.storage_name, (an_hour_ago, an_hour_ago))
    fresh_orphan = media / "cases" / f"{uuid.uuid4()}.bin"
    fresh_orphan.write_bytes(b"still committing")
    foreign = media / "cases" / "README"
    foreign.write_text("not ours")
    os.utime(foreign, (an_hour_ago, an_hour_ago))
    # when the sweep runs
    removed = documents_sweep_orphans()
    # then only the old orphan is gone
    assert removed == 1
    assert not old_orphan.exists()
    assert (media / kept.storage_name).exists()
    assert fresh_orphan.exists()
    assert foreign.exists()


def test_a_download_returns_the_original_bytes_and_is_audited(demo_users, case: Case) -> None:
    document = _upload(demo_users["caseworker-se"], case, "statement.txt", TEXT_BYTES)
    # when the supervisor (who can see the case) reads it
    read = document_read(actor=demo_users["supervisor-se"], case=case, document_id=document.pk)
    assert read.content == TEXT_BYTES
    assert read.filename == "statement.txt"
    assert read.media_type == "text/plain"
    entry = AuditEntry.objects.filter(action="case.document.download").get()
    assert (entry.actor_username, entry.object_id, entry.purpose) == ("supervisor-se", str(case.pk), f"document {document.pk}")


def test_a_checksum_mismatch_raises_and_nothing_is_sent(demo_users, case: Case) -> None:
    document = _upload(demo_users["caseworker-se"], case, "report.pdf", PDF_BYTES)
    CaseDocument.objects.filter(pk=document.pk).update(sha256="0" * 64)
    with pytest.raises(DocumentDamaged) as raised:
        document_read(actor=demo_users["caseworker-se"], case=case, document_id=document.pk)
    assert raised.value.code == "document_damaged"
    assert not AuditEntry.objects.filter(action="case.document.download").exists()


def test_a_tampered_or_missing_file_raises(demo_users, case: Case, media: Path) -> None:
    owner = demo_users["caseworker-se"]
    tampered = _upload(owner, case, "a.pdf", PDF_BYTES)
    missing = _upload(owner, case, "b.pdf", PDF_BYTES)
    path = media / tampered.storage_name
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))
    (media / missing.storage_name).unlink()
    for document in (tampered, missing):
        with pytest.raises(DocumentDamaged):
            document_read(actor=owner, case=case, document_id=document.pk)


def test_a_file_moved_to_another_document_does_not_decrypt(demo_users, case: Case, media: Path) -> None:
    owner = demo_users["caseworker-se"]
    first = _upload(owner, case, "a.pdf", PDF_BYTES)
    second = _upload(owner, case, "b.txt", TEXT_BYTES)
    (media / second.storage_name).write_bytes((media / first.storage_name).read_bytes())
    with pytest.raises(DocumentDamaged):
        document_read(actor=owner, case=case, document_id=second.pk)


def test_outsiders_cannot_list_or_read_documents(demo_users, case: Case) -> None:
    document = _upload(demo_users["caseworker-se"], case, "a.pdf", PDF_BYTES)
    for username in ("caseworker-lt", "secretariat", "sysadmin"):
        with pytest.raises(PermissionDenied):
            documents_for(actor=demo_users[username], case=case)
        with pytest.raises(PermissionDenied):
            document_read(actor=demo_users[username], case=case, document_id=document.pk)
    assert not AuditEntry.objects.filter(action="case.document.download").exists()


def test_a_document_of_another_case_is_not_found_through_this_case(demo_users, case: Case) -> None:
    other = open_case(demo_users["caseworker-se"])
    document = _upload(demo_users["caseworker-se"], other, "a.pdf", PDF_BYTES)
    with pytest.raises(CaseDocument.DoesNotExist):
        document_read(actor=demo_users["caseworker-se"], case=case, document_id=document.pk)


# --- Pages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_records_page_renders_notes_and_documents(client_as, demo_users, case: Case, language: str) -> None:
    note_add(actor=demo_users["caseworker-se"], case=case, body=f"Met the child with an interpreter. {MARKER}")
    _upload(demo_users["caseworker-se"], case, "statement.txt", TEXT_BYTES)
    response = client_as("caseworker-se").get(f"/{language}/cases/{case.pk}/records/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'lang="{language}"' in html
    assert MARKER in html
    assert "statement.txt" in html
    assert 'enctype="multipart/form-data"' in html
    assert f'action="/{language}/cases/{case.pk}/records/notes/"' in html
    assert AuditEntry.objects.filter(action="case.view", purpose="notes and documents").exists()


def test_the_supervisor_sees_the_page_and_outsiders_get_404(client_as, case: Case) -> None:
    assert client_as("supervisor-se").get(f"/en/cases/{case.pk}/records/").status_code == 200
    for username in ("caseworker-lt", "ncp-lt", "secretariat", "sysadmin"):
        assert client_as(username).get(f"/en/cases/{case.pk}/records/").status_code == 404


def test_writing_a_note_through_the_page(client_as, case: Case) -> None:
    response = client_as("caseworker-se").post(f"/ru/cases/{case.pk}/records/notes/", {"body": "Записка"})
    assert response.status_code == 302
    assert response["Location"] == f"/ru/cases/{case.pk}/records/"
    assert [n.body for n in notes_for(actor=case.team.get().user, case=case)] == ["Записка"]


def test_an_empty_note_re_renders_with_an_error(client_as, case: Case) -> None:
    response = client_as("caseworker-se").post(f"/en/cases/{case.pk}/records/notes/", {"body": ""})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert CaseNote.objects.count() == 0


def test_uploading_and_downloading_through_the_pages(client_as, case: Case, media: Path) -> None:
    client = client_as("caseworker-se")
    upload = SimpleUploadedFile("Report of 3 May.pdf", PDF_BYTES, content_type="application/pdf")
    response = client.post(f"/en/cases/{case.pk}/records/documents/", {"file": upload, "kind": "legal"})
    assert response.status_code == 302
    document = CaseDocument.objects.get()
    assert document.kind == "legal"
    download = client.get(f"/en/cases/{case.pk}/records/documents/{document.pk}/")
    assert download.status_code == 200
    assert download.content == PDF_BYTES
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="Report of 3 May.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "no-store"


def test_a_text_download_names_its_charset_and_a_non_ascii_name_is_encoded(client_as, demo_users, case: Case) -> None:
    document = _upload(demo_users["caseworker-se"], case, "справка.txt", TEXT_BYTES)
    download = client_as("ncp-se").get(f"/en/cases/{case.pk}/records/documents/{document.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    assert download["Content-Disposition"] == "attachment; filename*=utf-8''%D1%81%D0%BF%D1%80%D0%B0%D0%B2%D0%BA%D0%B0.txt"


def test_a_mismatched_upload_through_the_page_says_why_and_stores_nothing(client_as, case: Case, media: Path) -> None:
    upload = SimpleUploadedFile("photo.pdf", PNG_BYTES, content_type="application/pdf")
    response = client_as("caseworker-se").post(f"/en/cases/{case.pk}/records/documents/", {"file": upload, "kind": "other"})
    assert response.status_code == 400
    assert "named as PDF but its content is PNG" in response.content.decode()
    assert CaseDocument.objects.count() == 0
    assert _stored_files(media) == []


def test_a_damaged_document_redirects_with_a_message(client_as, demo_users, case: Case) -> None:
    document = _upload(demo_users["caseworker-se"], case, "report.pdf", PDF_BYTES)
    CaseDocument.objects.filter(pk=document.pk).update(sha256="f" * 64)
    response = client_as("caseworker-se").get(f"/en/cases/{case.pk}/records/documents/{document.pk}/", follow=True)
    assert response.redirect_chain == [(f"/en/cases/{case.pk}/records/", 302)]
    assert "checksum differs" in response.content.decode()


def test_outsiders_get_404_for_a_download_and_the_upload_form(client_as, demo_users, case: Case, media: Path) -> None:
    document = _upload(demo_users["caseworker-se"], case, "report.pdf", PDF_BYTES)
    for username in ("caseworker-lt", "ncp-lt", "secretariat", "sysadmin"):
        client = client_as(username)
        assert client.get(f"/en/cases/{case.pk}/records/documents/{document.pk}/").status_code == 404
        upload = SimpleUploadedFile("x.pdf", PDF_BYTES)
        assert client.post(f"/en/cases/{case.pk}/records/documents/", {"file": upload, "kind": "other"}).status_code == 404
        assert client.post(f"/en/cases/{case.pk}/records/notes/", {"body": "x"}).status_code == 404
    assert CaseDocument.objects.count() == 1
    assert CaseNote.objects.count() == 0
    assert not AuditEntry.objects.filter(action="case.document.download").exists()


# --- API ---------------------------------------------------------------------------------------------


def test_notes_through_the_api(client_as, case: Case) -> None:
    client = client_as("caseworker-se")
    created = client.post(f"/api/v1/cases/{case.pk}/notes", data={"body": "API note"}, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["body"] == "API note"
    assert created.json()["author"] == "caseworker-se"
    listed = client_as("ncp-se").get(f"/api/v1/cases/{case.pk}/notes")
    assert [n["body"] for n in listed.json()] == ["API note"]
    empty = client.post(f"/api/v1/cases/{case.pk}/notes", data={"body": ""}, content_type="application/json")
    assert empty.status_code == 422
    outsider = client_as("caseworker-lt").post(f"/api/v1/cases/{case.pk}/notes", data={"body": "x"}, content_type="application/json")
    assert outsider.status_code == 404
    assert CaseNote.objects.count() == 1


def test_documents_through_the_api(client_as, case: Case, media: Path) -> None:
    client = client_as("caseworker-se")
    created = client.post(f"/api/v1/cases/{case.pk}/documents", {"file": SimpleUploadedFile("scan.jpg", JPEG_BYTES), "kind": "identity"})
    assert created.status_code == 201
    body = created.json()
    assert (body["filename"], body["kind"], body["media_type"], body["size"]) == ("scan.jpg", "identity", "image/jpeg", len(JPEG_BYTES))
    assert body["sha256"] == hashlib.sha256(JPEG_BYTES).hexdigest()
    listed = client_as("supervisor-se").get(f"/api/v1/cases/{case.pk}/documents")
    assert [d["id"] for d in listed.json()] == [body["id"]]
    download = client_as("supervisor-se").get(f"/api/v1/cases/{case.pk}/documents/{body['id']}")
    assert download.status_code == 200
    assert download.content == JPEG_BYTES
    assert download["Content-Disposition"] == 'attachment; filename="scan.jpg"'
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_bad_upload_through_the_api_is_a_4xx_with_a_reason(client_as, case: Case, media: Path) -> None:
    client = client_as("caseworker-se")
    wrong = client.post(f"/api/v1/cases/{case.pk}/documents", {"file": SimpleUploadedFile("scan.png", PDF_BYTES)})
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "invalid"
    assert "its content is PDF" in wrong.json()["detail"]
    missing = client.post(f"/api/v1/cases/{case.pk}/documents", {"kind": "other"})
    assert missing.status_code == 422
    outsider = client_as("ncp-lt").post(f"/api/v1/cases/{case.pk}/documents", {"file": SimpleUploadedFile("a.pdf", PDF_BYTES)})
    assert outsider.status_code == 404
    unknown = client.get(f"/api/v1/cases/{case.pk}/documents/{uuid.uuid4()}")
    assert unknown.status_code == 404
    assert CaseDocument.objects.count() == 0
    assert _stored_files(media) == []


def test_a_damaged_document_through_the_api_is_a_409(client_as, demo_users, case: Case) -> None:
    document = _upload(demo_users["caseworker-se"], case, "report.pdf", PDF_BYTES)
    CaseDocument.objects.filter(pk=document.pk).update(sha256="0" * 64)
    response = client_as("caseworker-se").get(f"/api/v1/cases/{case.pk}/documents/{document.pk}")
    assert response.status_code == 409
    assert response.json()["code"] == "document_damaged"


# --- The permission matrix's object rows ----------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["cases:document_upload", "cases:document_download", "POST /cases/{case_id}/documents", "GET /cases/{case_id}/documents/{document_id}"],
)
def test_matrix_object_rows(name: str, client_as, demo_users, media: Path) -> None:
    from tests.fixtures import ROLES
    from tests.test_permission_matrix import API, PAGES

    row = PAGES.get(name) or API[name]
    # given a Swedish case of caseworker-se with one document
    case = open_case(demo_users["caseworker-se"])
    document = _upload(demo_users["caseworker-se"], case, "report.pdf", PDF_BYTES)
    path = row.path.format(case=case.pk, document=document.pk)
    actual = {}
    for role in ROLES:
        before = CaseDocument.objects.count()
        client = client_as(role)
        if row.method == "POST":
            response = client.post(path, {**(row.body or {}), "file": SimpleUploadedFile("matrix.pdf", PDF_BYTES)})
        else:
            response = client.get(path)
        actual[role] = response.status_code
        # a denial stores nothing; a success stores exactly one document
        expected_new = 1 if row.method == "POST" and response.status_code in (201, 302) and role != "anonymous" else 0
        assert CaseDocument.objects.count() == before + expected_new, role
    assert actual == row.expect
    assert len(_stored_files(media)) == CaseDocument.objects.count()
