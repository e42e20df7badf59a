"""`carnet retention`: closed cases past their retention date are anonymised, their files erased, once."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from carnet.audit.models import AuditEntry
from carnet.cases.identity import read_identity
from carnet.cases.models import Case, CaseDocument, CaseNote, ChildIndex
from carnet.cases.services import case_close, case_set_status
from carnet.cases.services_records import case_retention_apply, document_upload, note_add, notes_for
from carnet.core.crypto import DataKeyMissingError, decrypt
from carnet.core.models import DataKey
from tests.cases.factories import open_case

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    location = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}},
    }
    return location


def _case_with_records(owner, *, due: bool = True, closed: bool = True) -> Case:
    """A case with a note and a document; closed, and past its retention date when ``due``."""
    case = open_case(owner)
    note_add(actor=owner, case=case, body="a note about the child")
    document_upload(actor=owner, case=case, file=SimpleUploadedFile("report.pdf", PDF_BYTES), filename="report.pdf", kind="legal")
    if closed:
        case_close(actor=owner, case=case, reason="returned home safely")
        day = timezone.localdate() + (timedelta(days=-1) if due else timedelta(days=1))
        Case.objects.filter(pk=case.pk).update(retain_until=day)
    case.refresh_from_db()
    return case


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("retention", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file())


def test_a_dry_run_lists_the_due_cases_and_changes_nothing(demo_users, media: Path) -> None:
    due = _case_with_records(demo_users["caseworker-se"])
    entries = AuditEntry.objects.count()
    output = _run("--dry-run")
    assert f"would anonymise {due.number}" in output
    assert "Dry run: 1 cases are past their retention date; nothing was changed." in output
    due.refresh_from_db()
    assert due.anonymised_at is None
    assert read_identity(due.child).family_name == "Syntheticova"
    assert CaseDocument.objects.count() == 1
    assert len(_files(media)) == 1
    assert AuditEntry.objects.count() == entries


def test_a_due_case_is_anonymised_with_its_files_and_a_second_run_does_nothing(
    demo_users, media: Path, django_capture_on_commit_callbacks
) -> None:
    owner = demo_users["caseworker-se"]
    # given a due case, a closed case not yet due, and an open case, each with a note and a document
    due = _case_with_records(owner)
    not_yet = _case_with_records(owner, due=False)
    still_open = _case_with_records(owner, closed=False)
    sealed_name = bytes(due.child.family_name_enc)
    key_id = due.child.data_key_id
    due_file = media / CaseDocument.objects.get(case=due).storage_name
    assert due_file.exists()
    # when retention runs
    with django_capture_on_commit_callbacks(execute=True):
        output = _run()
    # then it reports its progress and a summary
    assert f"anonymised 1 of 1 cases ({due.number}, 1 documents erased)" in output
    assert "Done: 1 of 1 due cases anonymised, 1 documents erased, 0 no longer due, 0 failed; 0 orphaned files removed." in output
    # and the due case's identity is gone for good: columns cleared, key shredded, index emptied
    due.refresh_from_db()
    due.child.refresh_from_db()
    assert due.anonymised_at is not None
    assert due.child.data_key_id is None
    assert not DataKey.objects.filter(pk=key_id).exists()
    assert read_identity(due.child).full_name == ""
    assert not ChildIndex.objects.filter(child=due.child).exists()
    with pytest.raises(DataKeyMissingError):
        decrypt(sealed_name, table="cases_child", field="family_name_enc", row_id=str(due.child.pk))
    # and its documents and their files are gone, its notes erased
    assert not CaseDocument.objects.filter(case=due).exists()
    assert not due_file.exists()
    assert [n.body for n in notes_for(actor=owner, case=due)] == [None]
    assert CaseNote.objects.filter(case=due, body_enc__isnull=False).count() == 0
    # and it is in the audit log
    actions = list(
        AuditEntry.objects.filter(object_id=str(due.pk), actor_username="carnet-retention").order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["case.document.erase", "case.anonymise"]
    # and the other cases are untouched
    for other in (not_yet, still_open):
        other.refresh_from_db()
        assert other.anonymised_at is None
        assert CaseDocument.objects.filter(case=other).count() == 1
        assert [n.body for n in notes_for(actor=owner, case=other)] == ["a note about the child"]
    assert len(_files(media)) == 2
    # when it runs again, nothing more happens
    entries = AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        again = _run()
    assert "Done: 0 of 0 due cases anonymised" in again
    assert AuditEntry.objects.count() == entries


def test_the_records_page_of_an_anonymised_case_shows_erased_notes(client_as, demo_users, django_capture_on_commit_callbacks) -> None:
    due = _case_with_records(demo_users["caseworker-se"])
    with django_capture_on_commit_callbacks(execute=True):
        _run()
    for language in ("en", "ru"):
        response = client_as("caseworker-se").get(f"/{language}/cases/{due.pk}/records/")
        assert response.status_code == 200
        assert "a note about the child" not in response.content.decode()
    assert (
        "This note was erased at the end of the case's retention period."
        in client_as("caseworker-se").get(f"/en/cases/{due.pk}/records/").content.decode()
    )


def test_a_case_reopened_since_it_was_listed_is_left_alone(demo_users) -> None:
    owner = demo_users["caseworker-se"]
    case = _case_with_records(owner)
    case_set_status(actor=owner, case=case, status="open")
    outcome = case_retention_apply(case=case)
    case.refresh_from_db()
    assert outcome.anonymised is False
    assert case.anonymised_at is None
    assert CaseDocument.objects.filter(case=case).count() == 1


def test_one_failing_case_does_not_stop_the_others_and_rolls_back_alone(
    demo_users, media: Path, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    owner = demo_users["caseworker-se"]
    failing = _case_with_records(owner)
    working = _case_with_records(owner)
    from carnet.cases import services_records

    real = services_records.case_anonymise

    def anonymise(*, case, **kwargs):
        if case.pk == failing.pk:
            raise RuntimeError("simulated failure")
        return real(case=case, **kwargs)

    monkeypatch.setattr(services_records, "case_anonymise", anonymise)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CommandError, match="1 cases could not be anonymised"):
        _run()
    failing.refresh_from_db()
    working.refresh_from_db()
    assert working.anonymised_at is not None
    # the failing case keeps its documents and files: its erasure rolled back with it, to be retried tomorrow
    assert failing.anonymised_at is None
    document = CaseDocument.objects.get(case=failing)
    assert (media / document.storage_name).exists()
    assert [n.body for n in notes_for(actor=owner, case=failing)] == ["a note about the child"]
    assert not AuditEntry.objects.filter(object_id=str(failing.pk), actor_username="carnet-retention").exists()
