"""Pages after the reading: the star chart with its table and distance travelled, the action plan, the case's
risk alerts, and the export of the child's readings (CSV, XLSX) for the case team."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from carnet.accounts.models import User
from carnet.assessments.forms_plans import PlanDoneForm, PlanItemForm, SafetyNoteForm
from carnet.assessments.policies import AssessmentAction, AssessmentPolicy
from carnet.assessments.selectors import case_alerts, chart_of, plan_domain_choices, plan_item_get, plan_of
from carnet.assessments.services_plans import plan_item_add, plan_item_done, readings_export
from carnet.cases.models import Case
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.cases.selectors import case_get_for
from carnet.cases.views.common import render_case, run_on_form
from carnet.core.access import signed_in

TEMPLATE = "assessments/chart/page.html"


def chart_page_context(
    request: HttpRequest,
    case: Case,
    *,
    plan_form: forms.Form | None = None,
    done_forms: dict[int, forms.Form] | None = None,
    alert_forms: dict[int, forms.Form] | None = None,
) -> dict[str, Any]:
    """Everything the chart page shows; a bound form (with its errors) replaces the empty one it stands for."""
    done_forms, alert_forms = done_forms or {}, alert_forms or {}
    plan = [
        {
            "domain": domain,
            "items": [
                {"view": view, "form": done_forms.get(view.item.pk) or PlanDoneForm(prefix=f"item-{view.item.pk}")} for view in domain.items
            ],
        }
        for domain in plan_of(actor=request.user, case=case)
    ]
    alerts = [
        {"view": alert, "form": alert_forms.get(alert.alert.pk) or SafetyNoteForm(prefix=f"alert-{alert.alert.pk}")}
        for alert in case_alerts(actor=request.user, case=case)
    ]
    return {
        "chart": chart_of(actor=request.user, case=case),
        "plan": plan,
        "plan_form": plan_form or PlanItemForm(domains=plan_domain_choices(case)),
        "alerts": alerts,
        "can_export": CasePolicy.can(request.user, CaseAction.EXPORT, case),
    }


def _viewable_case(request: HttpRequest, case_id: uuid.UUID, purpose: str) -> Case:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose=purpose)
    if not AssessmentPolicy.can(request.user, AssessmentAction.VIEW_READINGS, case):
        raise PermissionDenied
    return case


def _editable_case(request: HttpRequest, case_id: uuid.UUID, purpose: str) -> Case:
    case = _viewable_case(request, case_id, purpose)
    if not AssessmentPolicy.can(request.user, AssessmentAction.TAKE_READING, case):
        raise PermissionDenied
    return case


@signed_in
@require_safe
def chart(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """The star chart of the child's readings, the table beside it, distance travelled, the action plan and risk alerts."""
    case = _viewable_case(request, case_id, "star chart")
    return render_case(request, case, TEMPLATE, "readings", chart_page_context(request, case))


@signed_in
@require_POST
def plan_add(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = _editable_case(request, case_id, "action plan: add")
    form = PlanItemForm(request.POST, domains=plan_domain_choices(case))
    status = 400
    if form.is_valid():
        refused = run_on_form(form, lambda: plan_item_add(actor=cast(User, request.user), case=case, **form.cleaned_data))
        if refused is None:
            messages.success(request, _("Added to the action plan."))
            return redirect(reverse("assessments:chart", args=[case.pk]) + f"#plan-{form.cleaned_data['domain_key']}")
        status = refused
    return render_case(request, case, TEMPLATE, "readings", chart_page_context(request, case, plan_form=form), status=status)


@signed_in
@require_POST
def plan_done(request: HttpRequest, case_id: uuid.UUID, item_id: int) -> HttpResponse:
    case = _editable_case(request, case_id, "action plan: done")
    item = plan_item_get(case, item_id)
    form = PlanDoneForm(request.POST, prefix=f"item-{item.pk}")
    status = 400
    if form.is_valid():
        refused = run_on_form(
            form, lambda: plan_item_done(actor=cast(User, request.user), case=case, item=item, done_on=form.cleaned_data["done_on"])
        )
        if refused is None:
            messages.success(request, _("Marked as done."))
            return redirect(reverse("assessments:chart", args=[case.pk]) + f"#plan-{item.domain_key}")
        status = refused
    context = chart_page_context(request, case, done_forms={item.pk: form})
    return render_case(request, case, TEMPLATE, "readings", context, status=status)


@signed_in
@require_safe
def export(request: HttpRequest, case_id: uuid.UUID, fmt: str) -> HttpResponse:
    """The child's readings as CSV or XLSX for the case team: case number and pseudonym only; audited."""
    case = _viewable_case(request, case_id, f"readings export ({fmt})")
    done = readings_export(actor=request.user, case=case, fmt=fmt)
    response = HttpResponse(done.content, content_type=done.content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=done.filename) or "attachment"
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("cases/<uuid:case_id>/chart/", chart, name="chart"),
    path("cases/<uuid:case_id>/chart/plan/", plan_add, name="plan_add"),
    path("cases/<uuid:case_id>/chart/plan/<int:item_id>/done/", plan_done, name="plan_done"),
    path("cases/<uuid:case_id>/export.csv", export, {"fmt": "csv"}, name="export_csv"),
    path("cases/<uuid:case_id>/export.xlsx", export, {"fmt": "xlsx"}, name="export_xlsx"),
]
