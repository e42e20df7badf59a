"""Instrument pages: the list and each version (read-only for whoever works with readings), import, publish, retire, download.

Managing is for the secretariat (``AssessmentPolicy`` MANAGE_INSTRUMENTS). "Editing" an
instrument is importing a new version; a published version is never changed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from carnet.assessments.instruments import (
    MAX_FILE_BYTES,
    InstrumentFileInvalid,
    can_manage,
    can_read,
    export_text,
    instrument_import,
    read_instrument_file,
    translations_of,
    version_document,
    version_get_for,
    version_publish,
    version_retire,
    versions_for,
)
from carnet.assessments.models import InstrumentVersion, TranslationStatus
from carnet.assessments.policies import AssessmentAction, AssessmentPolicy
from carnet.core.access import allowed, signed_in
from carnet.core.errors import DomainError

CONTENT_TYPES = {"yaml": "application/yaml; charset=utf-8", "json": "application/json; charset=utf-8"}


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Instrument file"),
        help_text=gettext_lazy("JSON or YAML, following docs/instrument.schema.json; at most 1 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.yaml,.yml,application/json,application/yaml"}),
    )
    publish = forms.BooleanField(
        label=gettext_lazy("Publish it at once"),
        required=False,
        help_text=gettext_lazy("Otherwise it is a draft: check it here, then publish it."),
    )


def _require_read(request: HttpRequest) -> None:
    if not can_read(request.user):
        raise PermissionDenied


@signed_in
@require_safe
def instrument_list(request: HttpRequest) -> HttpResponse:
    _require_read(request)
    versions = list(versions_for(request.user).prefetch_related("domains"))
    instruments: dict[int, dict[str, Any]] = {}
    for version in versions:
        entry = instruments.setdefault(version.instrument_id, {"instrument": version.instrument, "versions": []})
        entry["versions"].append(version)
    manage = can_manage(request.user)
    return render(
        request,
        "assessments/instruments/list.html",
        {"instruments": list(instruments.values()), "can_manage": manage, "form": ImportForm() if manage else None},
    )


def _texts(obj: Any, field: str, languages: list[str]) -> list[dict[str, Any]]:
    found = translations_of(obj)
    return [
        {
            "language": code,
            "text": getattr(found[code], field) if code in found else "",
            "status": TranslationStatus(found[code].status).label if code in found else "",
            "status_code": found[code].status if code in found else "missing",
        }
        for code in languages
    ]


def _version_context(version: InstrumentVersion) -> dict[str, Any]:
    present = {t.language_code for d in version.domains.all() for t in d.translations.all()}
    languages = [code for code, _name in settings.LANGUAGES if code in present] + sorted(present - {c for c, _n in settings.LANGUAGES})
    domains = [
        {
            "domain": domain,
            "names": _texts(domain, "name", languages),
            "levels": [{"level": level, "statements": _texts(level, "statement", languages)} for level in domain.levels.all()],
        }
        for domain in version.domains.all()
    ]
    return {"version": version, "languages": languages, "domains": domains}


@signed_in
@require_safe
def instrument_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    _require_read(request)
    version = version_get_for(request.user, slug, number)
    context = _version_context(version)
    context["can_manage"] = can_manage(request.user)
    return render(request, "assessments/instruments/detail.html", context)


@signed_in
@require_safe
def instrument_export(request: HttpRequest, slug: str, number: int, fmt: str) -> HttpResponse:
    _require_read(request)
    if fmt not in CONTENT_TYPES:
        raise Http404
    version = version_get_for(request.user, slug, number)
    response = HttpResponse(export_text(version_document(version), fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{version.instrument.slug}-v{version.number}.{fmt}"'
    return response


@allowed(AssessmentPolicy, AssessmentAction.MANAGE_INSTRUMENTS)
@require_http_methods(["GET", "HEAD", "POST"])
def instrument_import_view(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_FILE_BYTES:
                form.add_error("file", _("The file is larger than 1 MB."))
            else:
                try:
                    document = read_instrument_file(upload.read(), upload.name or "")
                    version = instrument_import(actor=request.user, document=document, publish=form.cleaned_data["publish"])
                except InstrumentFileInvalid as invalid:
                    problems = [str(problem) for problem in invalid.problems]
                    form.add_error("file", _("Nothing was imported: the file has problems, listed below."))
                except DomainError as error:
                    form.add_error(None, error.message)
                else:
                    messages.success(
                        request,
                        _("Version %(number)s of %(instrument)s imported (%(status)s).")
                        % {"number": version.number, "instrument": version.instrument, "status": version.get_status_display()},
                    )
                    return redirect("assessments:instrument_detail", version.instrument.slug, version.number)
    return render(request, "assessments/instruments/import.html", {"form": form, "problems": problems}, status=status)


def _change_status(request: HttpRequest, slug: str, number: int, *, publish: bool) -> HttpResponse:
    version = version_get_for(request.user, slug, number)
    try:
        if publish:
            version_publish(actor=request.user, version=version)
            messages.success(
                request,
                _("Version %(number)s is published: it can be used for new readings, and it will never change.") % {"number": number},
            )
        else:
            version_retire(actor=request.user, version=version)
            messages.success(
                request,
                _("Version %(number)s is retired: new readings cannot use it; readings taken with it keep it.") % {"number": number},
            )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(reverse("assessments:instrument_detail", args=[slug, number]))


@allowed(AssessmentPolicy, AssessmentAction.MANAGE_INSTRUMENTS)
@require_POST
def instrument_publish(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _change_status(request, slug, number, publish=True)


@allowed(AssessmentPolicy, AssessmentAction.MANAGE_INSTRUMENTS)
@require_POST
def instrument_retire(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _change_status(request, slug, number, publish=False)


urlpatterns = [
    path("instruments/", instrument_list, name="instruments"),
    path("instruments/import/", instrument_import_view, name="instrument_import"),
    path("instruments/<slug:slug>/<int:number>/", instrument_detail, name="instrument_detail"),
    path("instruments/<slug:slug>/<int:number>/export.<str:fmt>", instrument_export, name="instrument_export"),
    path("instruments/<slug:slug>/<int:number>/publish/", instrument_publish, name="instrument_publish"),
    path("instruments/<slug:slug>/<int:number>/retire/", instrument_retire, name="instrument_retire"),
]
