"""Paper: a printable A4 sheet of an instrument version in either language, and typing a filled-in sheet in afterwards.

The sheet is a PDF rendered by WeasyPrint from the same template as its HTML preview
(``format=html``), as the case file export does (see carnet.cases.views.exports): the print
stylesheet is carried inline (allowed by its CSP hash) and WeasyPrint fetches no URL. The
sheet carries no case data: the child's pseudonym and the date are written on it by hand.

Paper entry shows every domain on one screen and stores the reading at once, marked as
entered from paper (mode "paper"), complete, or nothing at all.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import path
from django.utils import translation
from django.utils.dateparse import parse_date
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from carnet.accounts.models import User
from carnet.assessments.forms import PaperEntryForm, instrument_content
from carnet.assessments.models import InstrumentVersion, VersionStatus
from carnet.assessments.policies import AssessmentAction, AssessmentPolicy
from carnet.assessments.services import published_version
from carnet.assessments.services_link import reading_enter_from_paper
from carnet.cases.selectors import case_get_for
from carnet.cases.views.common import render_case, run_on_form
from carnet.core.access import signed_in
from carnet.core.pdf import inline_stylesheet, render_pdf

PRINT_CSS = "assessments/paper/print_css.html"


def _print_stylesheet() -> tuple[str, str]:
    return inline_stylesheet(PRINT_CSS)


def _language(value: str | None) -> str:
    codes = [code for code, _name in settings.LANGUAGES]
    return value if value in codes else (translation.get_language() or settings.LANGUAGE_CODE)


@signed_in
@require_safe
def sheet(request: HttpRequest, version_id: int) -> HttpResponse:
    """The blank sheet of a published version: a PDF, or with ``format=html`` the same page to preview or print."""
    version = InstrumentVersion.objects.select_related("instrument").filter(pk=version_id, status=VersionStatus.PUBLISHED).first()
    if version is None:
        raise Http404
    language = _language(request.GET.get("lang"))
    css, css_hash = _print_stylesheet()
    with translation.override(language):
        context = {
            "version": version,
            "instrument_name": version.instrument.safe_translation_getter("name", language_code=language, any_language=True),
            "domains": instrument_content(version, language),
            "sheet_language": language,
            "print_css": css,
        }
        html = render_to_string("assessments/paper/sheet.html", context, request=request)
    filename = f"{version.instrument.slug}-v{version.number}-{language}"
    if request.GET.get("format") == "html":
        response = HttpResponse(html)
        response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=f"{filename}.html") or "inline"
        response._csp_update = {"style-src": [css_hash]}  # type: ignore[attr-defined]  # read by django-csp's middleware
        return response
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=f"{filename}.pdf") or "attachment"
    return response


def _entry_version(request: HttpRequest) -> InstrumentVersion:
    raw = request.GET.get("version", "")
    if not raw.isdigit():
        published = InstrumentVersion.objects.filter(status=VersionStatus.PUBLISHED).order_by("instrument_id", "-number").first()
        if published is None:
            raise ValidationError({"version": _("There is no published instrument yet.")})
        return published
    return published_version(int(raw))


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def entry(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Type in a sheet filled in on paper: every domain on one screen; stored complete and marked as from paper."""
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="self-assessment: enter a paper sheet")
    if not AssessmentPolicy.can(request.user, AssessmentAction.TAKE_READING, case):
        raise PermissionDenied
    try:
        version = _entry_version(request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("assessments:case_readings", case.pk)
    language = _language(request.POST.get("language") or request.GET.get("language"))
    domains = instrument_content(version, language)
    status = 200
    if request.method == "POST":
        form = PaperEntryForm(request.POST, domains=domains)
        status = 400
        if form.is_valid():
            data = form.cleaned_data

            def act() -> object:
                return reading_enter_from_paper(
                    actor=cast(User, request.user),
                    case=case,
                    version=version,
                    language=data["language"],
                    taken_on=data["taken_on"],
                    answers=form.answers(),
                )

            refused = run_on_form(form, act)
            if refused is None:
                messages.success(request, _("The reading from paper is stored and complete."))
                return redirect("assessments:case_readings", case.pk)
            status = refused
    else:
        initial: dict[str, Any] = {"language": language}
        try:
            taken_on: date | None = parse_date(request.GET.get("taken_on") or "")
        except ValueError:
            taken_on = None
        if taken_on:
            initial["taken_on"] = taken_on
        form = PaperEntryForm(initial=initial, domains=domains)
    context = {"form": form, "version": version, "language": language}
    return render_case(request, case, "assessments/paper/entry.html", "readings", context, status=status)


urlpatterns = [
    path("paper/<int:version_id>/", sheet, name="paper_sheet"),
    path("cases/<uuid:case_id>/paper/", entry, name="paper_entry"),
]
