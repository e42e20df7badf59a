"""The caseload, opening a case, and break-glass access."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from carnet.accounts.models import User
from carnet.cases.forms import BreakGlassForm, CaseFilterForm, OpenCaseForm
from carnet.cases.models import Case
from carnet.cases.policies import CaseAction, CasePolicy, countries_where_can_open
from carnet.cases.selectors import CaseFilters, case_list_for
from carnet.cases.services import NewCase, break_glass_open, case_open
from carnet.core.access import signed_in
from carnet.core.models import Country

PAGE_SIZE = 25


def _is_case_number(text: str) -> bool:
    parts = text.strip().split("-")
    return len(parts) == 3 and len(parts[0]) == 2 and parts[1].isdigit() and parts[2].isdigit()


@signed_in
@require_safe
def caseload(request: HttpRequest) -> HttpResponse:
    """The cases the user may see. A name is searched by exact match through the blind index, never by decrypting."""
    form = CaseFilterForm(request.GET or None)
    filters = CaseFilters()
    if form.is_valid():
        data = form.cleaned_data
        query = data.pop("q", "").strip()
        filters = CaseFilters(**data, number=query if _is_case_number(query) else "", name="" if _is_case_number(query) else query)
    page = Paginator(case_list_for(actor=request.user, filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "cases/caseload.html",
        {"form": form, "page": page, "params": params.urlencode(), "can_open": bool(countries_where_can_open(request.user))},
    )


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def open_case(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    codes = countries_where_can_open(user)
    if not codes:
        raise PermissionDenied
    countries = [(c.code, str(c)) for c in Country.objects.filter(code__in=codes).prefetch_related("translations")]
    form = OpenCaseForm(request.POST or None, countries=countries)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new = NewCase(
            country=Country.objects.get(code=data["country"]),
            identity=form.identity(),
            opened_on=data["opened_on"],
            identified_on=data["identified_on"],
            sex=data["sex"],
            risk_level=data["risk_level"],
            legal_basis=data["legal_basis"],
            legal_basis_given_by=data["legal_basis_given_by"],
            pseudonym=data["pseudonym"],
        )
        try:
            case = case_open(actor=user, new=new)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
            return redirect("cases:detail", case.pk)
    return render(request, "cases/open.html", {"form": form})


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def break_glass(request: HttpRequest) -> HttpResponse:
    """Emergency access to a case of one's own country that one is not entitled to. Reasoned, 4 hours, audited, shown to the owner."""
    user = cast(User, request.user)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Looked up without the visibility filter on purpose; the same answer whether it is missing or not allowed.
        case = Case.objects.select_related("country").filter(number__iexact=form.cleaned_data["number"].strip()).first()
        if case is None or not CasePolicy.can(user, CaseAction.BREAK_GLASS, case):
            form.add_error("number", _("There is no case with this number that you may open in an emergency."))
        else:
            try:
                break_glass_open(actor=user, case=case, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                form.add_error("reason", error.message_dict.get("reason", error.messages))
            else:
                messages.warning(request, _("Emergency access granted for 4 hours. The case owner will see that you opened it, and why."))
                return redirect("cases:detail", case.pk)
    return render(request, "cases/break_glass.html", {"form": form})


urlpatterns = [
    path("", caseload, name="list"),
    path("new/", open_case, name="open"),
    path("break-glass/", break_glass, name="break_glass"),
]
