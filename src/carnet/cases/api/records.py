"""Notes and documents of a case through the API: list and add notes, list, upload and download documents.

No `from __future__ import annotations`: ninja reads the annotations at import time.
"""

import uuid
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from carnet.cases.errors import InvalidCaseData
from carnet.cases.models import CaseDocument
from carnet.cases.models.codes import DocumentKind
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.cases.selectors import case_get_for
from carnet.cases.services_records import (
    NOTE_MAX_CHARS,
    DocumentView,
    NoteView,
    document_read,
    document_upload,
    documents_for,
    note_add,
    notes_for,
)
from carnet.cases.views.records import document_response

router = Router()


class NoteIn(Schema):
    body: str = Field(min_length=1, max_length=NOTE_MAX_CHARS)


class NoteOut(Schema):
    id: uuid.UUID
    body: str | None = Field(description="The note's text; null once the case was anonymised at the end of its retention period.")
    author: str
    created_at: datetime


class DocumentOut(Schema):
    id: uuid.UUID
    filename: str | None = Field(description="The original file name; null once the case was anonymised.")
    kind: DocumentKind
    media_type: str
    size: int
    sha256: str = Field(description="SHA-256 of the file's content, checked on every download.")
    uploaded_by: str
    uploaded_at: datetime


def _invalid(error: ValidationError) -> InvalidCaseData:
    return InvalidCaseData("; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()))


def _note(note: NoteView) -> dict[str, Any]:
    return {"id": note.id, "body": note.body, "author": note.author, "created_at": note.created_at}


def _document(document: DocumentView) -> dict[str, Any]:
    return {
        "id": document.id,
        "filename": document.filename,
        "kind": document.kind,
        "media_type": document.media_type,
        "size": document.size,
        "sha256": document.sha256,
        "uploaded_by": document.uploaded_by,
        "uploaded_at": document.uploaded_at,
    }


@router.get("/cases/{case_id}/notes", response=list[NoteOut], summary="The case's notes, newest first")
def note_list(request: HttpRequest, case_id: uuid.UUID) -> list[dict[str, Any]]:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="api: notes")
    return [_note(note) for note in notes_for(actor=request.user, case=case)]


@router.post("/cases/{case_id}/notes", response={201: NoteOut}, summary="Add a note (encrypted at rest)")
def note_create(request: HttpRequest, case_id: uuid.UUID, payload: NoteIn) -> Status[dict[str, Any]]:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="api: add a note")
    if not CasePolicy.can(request.user, CaseAction.EDIT, case):
        raise PermissionDenied
    try:
        note = note_add(actor=request.user, case=case, body=payload.body)
    except ValidationError as error:
        raise _invalid(error) from error
    created = next(item for item in notes_for(actor=request.user, case=case) if item.id == note.pk)
    return Status(201, _note(created))


@router.get("/cases/{case_id}/documents", response=list[DocumentOut], summary="The case's documents, newest first")
def document_list(request: HttpRequest, case_id: uuid.UUID) -> list[dict[str, Any]]:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="api: documents")
    return [_document(document) for document in documents_for(actor=request.user, case=case)]


@router.post(
    "/cases/{case_id}/documents",
    response={201: DocumentOut},
    summary="Upload a document (multipart/form-data)",
    description=(
        "Send the file as `file` (required) and its type as `kind`. Allowed: PDF, PNG, JPEG, plain text (UTF-8), "
        "DOCX and ODT, decided by the content, which must agree with the file name's extension; at most "
        "`CARNET_CASE_UPLOAD_MAX_BYTES` (10 MB by default). The file is stored encrypted."
    ),
)
def document_create(
    request: HttpRequest,
    case_id: uuid.UUID,
    file: File[UploadedFile],
    kind: Form[DocumentKind] = DocumentKind.OTHER,
) -> Status[dict[str, Any]]:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="api: upload a document")
    if not CasePolicy.can(request.user, CaseAction.EDIT, case):
        raise PermissionDenied
    try:
        document = document_upload(actor=request.user, case=case, file=file, filename=file.name or "", kind=kind)
    except ValidationError as error:
        raise _invalid(error) from error
    created = next(item for item in documents_for(actor=request.user, case=case) if item.id == document.pk)
    return Status(201, _document(created))


@router.get(
    "/cases/{case_id}/documents/{document_id}",
    summary="Download a document (its original bytes, as an attachment)",
    openapi_extra={
        "responses": {
            "200": {"description": "The document's content, with its own media type.", "content": {"application/octet-stream": {}}}
        }
    },
)
def document_download(request: HttpRequest, case_id: uuid.UUID, document_id: uuid.UUID) -> HttpResponse:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="api: download a document")
    try:
        document = document_read(actor=request.user, case=case, document_id=document_id)
    except CaseDocument.DoesNotExist:
        raise Http404 from None
    return document_response(document.content, filename=document.filename, media_type=document.media_type)
