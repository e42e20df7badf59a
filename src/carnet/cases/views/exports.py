"""Exports: the case file as PDF (for a court or a receiving authority) and a CSV of the caseload.

The PDF is rendered by WeasyPrint from the same template as the print-ready HTML view
(``format=html``), which also serves as an accessible preview. WeasyPrint fetches nothing:
every URL in the document is refused (carnet.core.pdf). See docs/decisions/0005.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from carnet.cases.forms_records import ExportForm
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.cases.selectors import case_get_for
from carnet.cases.services_exports import case_export_print, caseload_export_csv
from carnet.cases.views.common import render_case
from carnet.core.access import signed_in
from carnet.core.pdf import inline_stylesheet, render_pdf

PRINT_CSS = "cases/exports/print.css"


def _print_stylesheet() -> tuple[str, str]:
    return inline_stylesheet(PRINT_CSS)


@signed_in
@require_safe
def export_pdf(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Without a purpose: the form to choose one. With a valid purpose: the printable case file, audited."""
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="export")
    if not CasePolicy.can(request.user, CaseAction.EXPORT, case):
        raise PermissionDenied
    if "purpose" not in request.GET:
        return render_case(request, case, "cases/exports/case_choose.html", "exports", {"form": ExportForm()})
    form = ExportForm(request.GET)
    if not form.is_valid():
        return render_case(request, case, "cases/exports/case_choose.html", "exports", {"form": form}, status=400)
    try:
        export = case_export_print(actor=request.user, case=case, purpose=form.cleaned_data["purpose"])
    except ValidationError as error:
        form.add_error("purpose", error.message_dict.get("purpose", []))
        return render_case(request, case, "cases/exports/case_choose.html", "exports", {"form": form}, status=400)
    css, css_hash = _print_stylesheet()
    context = {"export": export, "case": case, "show": export.show, "print_css": css}
    if request.GET.get("format") != "html":
        html = render_to_string("cases/exports/case_print.html", context, request=request)
        response = HttpResponse(render_pdf(html), content_type="application/pdf")
        disposition = content_disposition_header(as_attachment=True, filename=f"{case.number}-{export.purpose.value}.pdf")
        response["Content-Disposition"] = disposition or "attachment"
        response["Cache-Control"] = "no-store"
        return response
    response = render(request, "cases/exports/case_print.html", context)
    filename = f"{case.number}-{export.purpose.value}.html"
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename) or "inline"
    response._csp_update = {"style-src": [css_hash]}  # type: ignore[attr-defined]  # read by django-csp's middleware
    return response


@signed_in
@require_safe
def export_csv(request: HttpRequest) -> HttpResponse:
    """Without a purpose: the form to choose one. With a valid purpose: the caseload as CSV, audited."""
    if not CasePolicy.can(request.user, CaseAction.OPEN, None):
        raise PermissionDenied
    if "purpose" not in request.GET:
        return render(request, "cases/exports/caseload_choose.html", {"form": ExportForm()})
    form = ExportForm(request.GET)
    if not form.is_valid():
        return render(request, "cases/exports/caseload_choose.html", {"form": form}, status=400)
    export = caseload_export_csv(actor=request.user, purpose=form.cleaned_data["purpose"])
    # A byte-order mark so that spreadsheets read the UTF-8 (Cyrillic, diacritics) correctly.
    response = HttpResponse("\ufeff" + export.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=export.filename) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("<uuid:case_id>/export/", export_pdf, name="export_pdf"),
    path("export/caseload/", export_csv, name="export_csv"),
]
