"""Notes and documents of a case: read by whoever may see the case, written by whoever may edit it."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from carnet.cases.forms_records import DocumentForm, ExportForm, NoteForm
from carnet.cases.models import Case, CaseDocument
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.cases.selectors import case_get_for
from carnet.cases.services_records import (
    DocumentDamaged,
    document_read,
    document_upload,
    documents_for,
    note_add,
    notes_for,
)
from carnet.cases.views.common import render_case
from carnet.core.access import signed_in
from carnet.core.errors import DomainError

SECTION = "records"
TEMPLATE = "cases/sections/records.html"


def _context(request: HttpRequest, case: Case, **forms: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "notes": notes_for(actor=request.user, case=case),
        "documents": documents_for(actor=request.user, case=case),
        "note_form": NoteForm(),
        "document_form": DocumentForm(),
        "export_form": ExportForm(),
    }
    context.update(forms)
    return context


def _editable_case(request: HttpRequest, case_id: uuid.UUID, purpose: str) -> Case:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose=purpose)
    if not CasePolicy.can(request.user, CaseAction.EDIT, case):
        raise PermissionDenied
    return case


def _add_errors(form: Any, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


@signed_in
@require_safe
def records(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="notes and documents")
    return render_case(request, case, TEMPLATE, SECTION, _context(request, case))


@signed_in
@require_POST
def note_create(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = _editable_case(request, case_id, "notes and documents: add a note")
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            note_add(actor=request.user, case=case, body=form.cleaned_data["body"])
        except ValidationError as error:
            _add_errors(form, error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Note saved."))
            return redirect("cases:records", case.pk)
    case.refresh_from_db()
    return render_case(request, case, TEMPLATE, SECTION, _context(request, case, note_form=form), status=400)


@signed_in
@require_POST
def document_create(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = _editable_case(request, case_id, "notes and documents: upload a document")
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            document_upload(actor=request.user, case=case, file=upload, filename=upload.name or "", kind=form.cleaned_data["kind"])
        except ValidationError as error:
            _add_errors(form, error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Document uploaded. It is stored encrypted."))
            return redirect("cases:records", case.pk)
    case.refresh_from_db()
    return render_case(request, case, TEMPLATE, SECTION, _context(request, case, document_form=form), status=400)


def document_response(content: bytes, *, filename: str, media_type: str) -> HttpResponse:
    """A download that the browser saves and never renders or sniffs."""
    content_type = f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Length"] = str(len(content))
    return response


@signed_in
@require_safe
def document_download(request: HttpRequest, case_id: uuid.UUID, document_id: uuid.UUID) -> HttpResponse:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="download a document")
    try:
        document = document_read(actor=request.user, case=case, document_id=document_id)
    except CaseDocument.DoesNotExist:
        raise Http404 from None
    except DocumentDamaged as error:
        messages.error(request, error.message)
        return redirect("cases:records", case.pk)
    return document_response(document.content, filename=document.filename, media_type=document.media_type)


urlpatterns = [
    path("<uuid:case_id>/records/", records, name="records"),
    path("<uuid:case_id>/records/notes/", note_create, name="note_add"),
    path("<uuid:case_id>/records/documents/", document_create, name="document_upload"),
    path("<uuid:case_id>/records/documents/<uuid:document_id>/", document_download, name="document_download"),
]
