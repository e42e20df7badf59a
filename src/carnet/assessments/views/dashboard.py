"""The case owner's dashboard: open risk alerts (each asks for a safety note) and action-plan reviews due soon.

A risk alert is shown to the case owner only (the team member with the role "owner"); it is
handled by anyone who may edit the case by writing a safety note, here or on the case's chart
page. Nothing is decided automatically.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from carnet.accounts.models import User
from carnet.assessments.forms_plans import SafetyNoteForm
from carnet.assessments.selectors import alert_get_for, alert_view, open_alerts_for, reviews_due_for
from carnet.assessments.services_plans import alert_handle
from carnet.assessments.views.chart import TEMPLATE as CHART_TEMPLATE
from carnet.assessments.views.chart import chart_page_context
from carnet.audit.services import record
from carnet.cases.views.common import render_case, run_on_form
from carnet.core.access import signed_in


def _dashboard_context(request: HttpRequest, bound: dict[int, forms.Form] | None = None) -> dict[str, Any]:
    bound = bound or {}
    alerts = list(open_alerts_for(request.user))
    for case in {alert.case_id: alert.case for alert in alerts}.values():
        # The owner reads what the child answered: a view of the case's data, audited like opening the case.
        record(actor=request.user, action="case.view", obj=case, purpose="dashboard: risk alerts")
    return {
        "alerts": [
            {"view": alert_view(alert), "form": bound.get(alert.pk) or SafetyNoteForm(prefix=f"alert-{alert.pk}")} for alert in alerts
        ],
        "reviews": reviews_due_for(actor=request.user),
    }


@signed_in
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "assessments/dashboard.html", _dashboard_context(request))


@signed_in
@require_POST
def alert_handle_view(request: HttpRequest, alert_id: int) -> HttpResponse:
    """Write the safety note that handles a risk alert; back to the dashboard, or to the case's chart (``back=chart``)."""
    alert = alert_get_for(actor=request.user, alert_id=alert_id)
    back_to_chart = request.POST.get("back") == "chart"
    form = SafetyNoteForm(request.POST, prefix=f"alert-{alert.pk}")
    status = 400
    if form.is_valid():
        refused = run_on_form(form, lambda: alert_handle(actor=cast(User, request.user), alert=alert, note=form.cleaned_data["note"]))
        if refused is None:
            messages.success(request, _("The safety note is saved and the alert is closed."))
            if back_to_chart:
                return redirect(reverse("assessments:chart", args=[alert.case_id]) + "#risk-alerts")
            return redirect("assessments:dashboard")
        status = refused
    if back_to_chart:
        context = chart_page_context(request, alert.case, alert_forms={alert.pk: form})
        return render_case(request, alert.case, CHART_TEMPLATE, "readings", context, status=status)
    return render(request, "assessments/dashboard.html", _dashboard_context(request, {alert.pk: form}), status=status)


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("alerts/<int:alert_id>/handle/", alert_handle_view, name="alert_handle"),
]
