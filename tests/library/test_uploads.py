"""Uploads: the type comes from the content, the size is limited, the name is made safe, PDF text is read."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from carnet.library.uploads import check_upload, safe_name
from tests.library.factories import minimal_pdf

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def test_a_real_pdf_is_accepted_with_its_text_and_checksum() -> None:
    content = minimal_pdf("Children at risk need care")

    checked = check_upload(SimpleUploadedFile("Guide (final).pdf", content, content_type="text/plain"))

    assert checked.mime == "application/pdf"
    assert checked.name == "Guide_final.pdf"
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.text == "Children at risk need care"
    assert checked.content == content


def test_a_pdf_made_by_weasyprint_gives_its_text() -> None:
    from carnet.core.pdf import render_pdf

    content = render_pdf("<html><body><p>Дети и защита</p></body></html>")

    checked = check_upload(SimpleUploadedFile("report.pdf", content))

    assert "Дети и защита" in checked.text


@pytest.mark.parametrize(
    ("content", "original", "mime", "name"),
    [
        (PNG, "photo.PNG", "image/png", "photo.png"),
        (PNG, "photo.pdf", "image/png", "photo.png"),
        (PNG, "../../etc/passwd", "image/png", "passwd.png"),
        (PNG, "C:\\Users\\me\\chart.png", "image/png", "chart.png"),
        (_odt(), "notes.odt", "application/vnd.oasis.opendocument.text", "notes.odt"),
    ],
    ids=["png", "png-named-pdf", "path-traversal", "windows-path", "odt"],
)
def test_type_comes_from_content_and_name_gets_its_extension(content: bytes, original: str, mime: str, name: str) -> None:
    checked = check_upload(SimpleUploadedFile(original, content, content_type="application/pdf"))

    assert (checked.mime, checked.name) == (mime, name)
    assert checked.text == ""


@pytest.mark.parametrize(
    "content",
    [b"MZ\x90\x00\x03" + b"\x00" * 200, b"\x7fELF\x02\x01\x01" + b"\x00" * 200],
    ids=["windows-exe", "elf"],
)
def test_a_program_named_pdf_is_refused(content: bytes) -> None:
    with pytest.raises(ValidationError) as error:
        check_upload(SimpleUploadedFile("report.pdf", content, content_type="application/pdf"))

    assert error.value.code == "program"
    assert "program" in error.value.messages[0]


def test_html_with_script_is_not_a_document() -> None:
    content = b"<html><script>alert(1)</script></html>"

    with pytest.raises(ValidationError) as error:
        check_upload(SimpleUploadedFile("page.pdf", content, content_type="application/pdf"))

    assert error.value.code == "file_type"


def test_a_damaged_pdf_gives_a_clear_message() -> None:
    content = b"%PDF-1.4\n" + b"garbage " * 100

    with pytest.raises(ValidationError) as error:
        check_upload(SimpleUploadedFile("broken.pdf", content))

    assert error.value.code == "pdf_damaged"
    assert "damaged" in error.value.messages[0]


@override_settings(CARNET_LIBRARY_UPLOAD_MAX_BYTES=1000)
def test_a_file_over_the_limit_is_refused() -> None:
    content = minimal_pdf("x" * 2000)

    with pytest.raises(ValidationError) as error:
        check_upload(SimpleUploadedFile("big.pdf", content))

    assert error.value.code == "too_big"
    assert "0" in error.value.messages[0]


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(ValidationError) as error:
        check_upload(SimpleUploadedFile("empty.pdf", b""))

    assert error.value.code == "empty"


@pytest.mark.parametrize(
    ("original", "extension", "expected"),
    [
        ("", "pdf", "file.pdf"),
        ("...", "pdf", "file.pdf"),
        ("report.exe", "pdf", "report.pdf"),
        ("v1.2 final", "pdf", "v1.2_final.pdf"),
        ("photo.JPEG", "jpg", "photo.jpeg"),
        ("<script>.pdf", "pdf", "script.pdf"),
        ("a" * 400 + ".pdf", "pdf", "a" * 196 + ".pdf"),
    ],
)
def test_safe_name(original: str, extension: str, expected: str) -> None:
    assert safe_name(original, extension) == expected
