"""The care plan of a case: objectives under the four pillars, their services, and the plan's reviews."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from carnet.accounts.models import User
from carnet.cases.forms_care import AchievedForm, ObjectiveForm, ReviewForm, ServiceForm, ServiceUpdateForm
from carnet.cases.models import CareService, Case
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.cases.selectors import case_get_for
from carnet.cases.services_care import care_plan_of, objective_add, objective_set_achieved, review_record, service_add, service_update
from carnet.cases.views.common import render_case, run_on_form
from carnet.core.access import signed_in

Bound = dict[tuple[str, int], forms.Form]


def _care_context(case: Case, *, bound: Bound | None = None, **forms_: Any) -> dict[str, Any]:
    """The plan grouped by pillar, each objective and service with its own small form (the bound one if it had errors)."""
    bound = bound or {}
    plan = care_plan_of(case)
    pillars = []
    for pillar in plan.pillars:
        objectives = []
        for objective in pillar.objectives:
            services = [
                {
                    "service": service,
                    "form": bound.get(("service", service.pk))
                    or ServiceUpdateForm(
                        prefix=f"service-{service.pk}",
                        initial={
                            "status": service.status, "starts_on": service.starts_on, "ends_on": service.ends_on,
                            "referred": service.referred, "version": case.version,
                        },
                    ),
                }
                for service in objective.services.all()
            ]  # fmt: skip
            achieved_form = bound.get(("achieved", objective.pk)) or AchievedForm(
                prefix=f"objective-{objective.pk}", initial={"achieved_on": objective.achieved_on, "version": case.version}
            )
            objectives.append({"objective": objective, "services": services, "achieved_form": achieved_form})
        pillars.append({"key": pillar.pillar, "label": pillar.label, "objectives": objectives})
    context: dict[str, Any] = {
        "plan": plan,
        "pillars": pillars,
        "objective_form": ObjectiveForm(),
        "service_form": ServiceForm(objectives=plan.objectives),
        "review_form": ReviewForm(),
    }
    context.update(forms_)
    return context


@signed_in
@require_safe
def care(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="care plan")
    return render_case(request, case, "cases/sections/care.html", "care", _care_context(case))


def _post(
    request: HttpRequest,
    case_id: uuid.UUID,
    key: str,
    make_form: Callable[[Case], forms.Form],
    act: Callable[[User, Case, forms.Form], object],
    done: str,
    anchor: Callable[[forms.Form], str],
    bound_key: tuple[str, int] | None = None,
) -> HttpResponse:
    """Run one form of the care plan: success redirects back to the plan, a refused one re-renders it with the errors.

    ``bound_key`` names the objective or service a small form belongs to: one of another case is not found (404).
    """
    case = case_get_for(actor=request.user, case_ref=case_id, purpose=f"care plan: {key}")
    if not CasePolicy.can(request.user, CaseAction.EDIT, case):
        raise PermissionDenied
    if bound_key is not None:
        kind, pk = bound_key
        if kind == "achieved":
            found = case.objectives.filter(pk=pk).exists()
        else:
            found = CareService.objects.filter(pk=pk, objective__case=case).exists()
        if not found:
            raise Http404
    form = make_form(case)
    status = 400
    if form.is_valid():
        refused = run_on_form(form, lambda: act(cast(User, request.user), case, form))
        if refused is None:
            messages.success(request, done)
            return redirect(reverse("cases:care", args=[case.pk]) + anchor(form))
        status = refused
    case.refresh_from_db()
    context = _care_context(case, bound={bound_key: form} if bound_key else None)
    if bound_key is None:
        context[key] = form
    return render_case(request, case, "cases/sections/care.html", "care", context, status=status)


@signed_in
@require_POST
def objective_create(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _post(
        request, case_id, "objective_form", lambda case: ObjectiveForm(request.POST),
        lambda user, case, form: objective_add(actor=user, case=case, **form.cleaned_data),
        _("Objective added."),
        lambda form: f"#pillar-{form.cleaned_data['pillar']}",
    )  # fmt: skip


@signed_in
@require_POST
def objective_achieved(request: HttpRequest, case_id: uuid.UUID, objective_id: int) -> HttpResponse:
    return _post(
        request, case_id, "achieved_form", lambda case: AchievedForm(request.POST, prefix=f"objective-{objective_id}"),
        lambda user, case, form: objective_set_achieved(
            actor=user, case=case, objective=objective_id, achieved_on=form.cleaned_data["achieved_on"],
            expected_version=form.cleaned_data["version"],
        ),
        _("Objective marked as achieved."),
        lambda form: f"#objective-{objective_id}",
        bound_key=("achieved", objective_id),
    )  # fmt: skip


@signed_in
@require_POST
def service_create(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _post(
        request, case_id, "service_form", lambda case: ServiceForm(request.POST, objectives=list(case.objectives.all())),
        lambda user, case, form: service_add(actor=user, case=case, **form.cleaned_data),
        _("Service added."),
        lambda form: f"#objective-{form.cleaned_data['objective']}",
    )  # fmt: skip


@signed_in
@require_POST
def service_change(request: HttpRequest, case_id: uuid.UUID, service_id: int) -> HttpResponse:
    def act(user: User, case: Case, form: forms.Form) -> object:
        data = form.cleaned_data
        return service_update(
            actor=user, case=case, service=service_id, status=data["status"], starts_on=data["starts_on"], ends_on=data["ends_on"],
            referred=data["referred"], expected_version=data["version"],
        )  # fmt: skip

    return _post(
        request, case_id, "service_update_form", lambda case: ServiceUpdateForm(request.POST, prefix=f"service-{service_id}"), act,
        _("Service updated."), lambda form: f"#service-{service_id}", bound_key=("service", service_id),
    )  # fmt: skip


@signed_in
@require_POST
def review_create(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _post(
        request, case_id, "review_form", lambda case: ReviewForm(request.POST),
        lambda user, case, form: review_record(actor=user, case=case, **form.cleaned_data),
        _("Review recorded."),
        lambda form: "#reviews",
    )  # fmt: skip


urlpatterns = [
    path("<uuid:case_id>/care/", care, name="care"),
    path("<uuid:case_id>/care/objectives/", objective_create, name="care_objective_add"),
    path("<uuid:case_id>/care/objectives/<int:objective_id>/achieved/", objective_achieved, name="care_objective_achieved"),
    path("<uuid:case_id>/care/services/", service_create, name="care_service_add"),
    path("<uuid:case_id>/care/services/<int:service_id>/", service_change, name="care_service_update"),
    path("<uuid:case_id>/care/reviews/", review_create, name="care_review_add"),
]
