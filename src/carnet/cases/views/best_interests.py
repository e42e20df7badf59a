"""Best interests of the child: assessments, the panel's determination and its approval, the return plan."""

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
from carnet.cases.forms_best_interests import (
    ApproveForm,
    AssessmentForm,
    DeterminationForm,
    ReturnPlanForm,
    SendBackForm,
    VisitForm,
    VisitResultForm,
)
from carnet.cases.models import Case, Determination, FollowUpVisit, ReturnPlan
from carnet.cases.models.codes import DecisionStatus, DurableSolution
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.cases.selectors import case_get_for
from carnet.cases.services_best_interests import (
    assessment_record,
    best_interests_of,
    determination_approve,
    determination_record,
    determination_send_back,
    determination_submit,
    return_plan_create,
    visit_plan,
    visit_record,
)
from carnet.cases.views.common import render_case, run_on_form
from carnet.core.access import signed_in

Bound = dict[tuple[str, int], forms.Form]
TEMPLATE = "cases/sections/best_interests.html"


def _bi_context(request: HttpRequest, case: Case, *, bound: Bound | None = None, **forms_: Any) -> dict[str, Any]:
    """Assessments and determinations; each determination with the steps this user may take on it, and their forms."""
    bound = bound or {}
    user = request.user
    can_edit = CasePolicy.can(user, CaseAction.EDIT, case)
    can_approve = CasePolicy.can(user, CaseAction.APPROVE, case)
    data = best_interests_of(case)
    determinations = []
    for view in data.determinations:
        d = view.determination
        submitted = d.status == DecisionStatus.SUBMITTED
        own = d.submitted_by_id == user.pk
        item: dict[str, Any] = {
            "view": view,
            "may_submit": can_edit and d.status == DecisionStatus.DRAFT,
            "may_decide": can_approve and submitted and not own,
            "own_submission": can_approve and submitted and own,
            "may_plan_return": can_edit and view.current and d.decision == DurableSolution.RETURN and view.return_plan is None,
            "submit_form": bound.get(("submit", d.pk)),
            "approve_form": bound.get(("approve", d.pk)) or ApproveForm(prefix=f"approve-{d.pk}"),
            "send_back_form": bound.get(("send_back", d.pk)) or SendBackForm(prefix=f"send-back-{d.pk}"),
            "return_plan_form": bound.get(("return_plan", d.pk)) or ReturnPlanForm(prefix=f"return-plan-{d.pk}"),
        }
        if view.return_plan is not None:
            plan = view.return_plan
            item["visit_form"] = bound.get(("visit_plan", plan.pk)) or VisitForm(prefix=f"visit-plan-{plan.pk}")
            item["visits"] = [
                {
                    "view": visit,
                    "form": bound.get(("visit", visit.visit.pk))
                    or VisitResultForm(
                        prefix=f"visit-{visit.visit.pk}", initial={"visited_on": visit.visit.visited_on, "version": case.version}
                    ),
                }
                for visit in view.visits
            ]
        determinations.append(item)
    assessments = [view.assessment for view in data.assessments]
    context: dict[str, Any] = {
        "bi": data,
        "determinations": determinations,
        "assessment_form": AssessmentForm(),
        "determination_form": DeterminationForm(assessments=assessments),
    }
    context.update(forms_)
    return context


@signed_in
@require_safe
def best_interests(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="best interests")
    return render_case(request, case, TEMPLATE, "best_interests", _bi_context(request, case))


def _post(
    request: HttpRequest,
    case_id: uuid.UUID,
    key: str,
    make_form: Callable[[Case], forms.Form],
    act: Callable[[User, Case, forms.Form], object],
    done: str,
    *,
    action: CaseAction = CaseAction.EDIT,
    bound_key: tuple[str, int] | None = None,
    exists: Callable[[Case], bool] | None = None,
    anchor: str = "",
) -> HttpResponse:
    """Run one form of the section: success redirects back, a refused one re-renders the section with the errors.

    ``exists`` checks that the decision, plan or visit named in the URL belongs to this case (404 otherwise).
    """
    case = case_get_for(actor=request.user, case_ref=case_id, purpose=f"best interests: {key}")
    if not CasePolicy.can(request.user, action, case):
        raise PermissionDenied
    if exists is not None and not exists(case):
        raise Http404
    form = make_form(case)
    status = 400
    if form.is_valid():
        refused = run_on_form(form, lambda: act(cast(User, request.user), case, form))
        if refused is None:
            messages.success(request, done)
            return redirect(reverse("cases:best_interests", args=[case.pk]) + anchor)
        status = refused
    case.refresh_from_db()
    context = _bi_context(request, case, bound={bound_key: form} if bound_key else None)
    if bound_key is None:
        context[key] = form
    return render_case(request, case, TEMPLATE, "best_interests", context, status=status)


def _determination_exists(determination_id: int) -> Callable[[Case], bool]:
    return lambda case: Determination.objects.filter(pk=determination_id, case=case).exists()


@signed_in
@require_POST
def assessment_add(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _post(
        request, case_id, "assessment_form", lambda case: AssessmentForm(request.POST),
        lambda user, case, form: assessment_record(
            actor=user, case=case, assessed_on=form.cleaned_data["assessed_on"], texts=cast(AssessmentForm, form).texts(),
            re_trafficking_risk=form.cleaned_data["re_trafficking_risk"],
        ),
        _("Assessment recorded."),
        anchor="#assessments",
    )  # fmt: skip


@signed_in
@require_POST
def determination_add(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _post(
        request, case_id, "determination_form",
        lambda case: DeterminationForm(request.POST, assessments=list(case.assessments.all())),
        lambda user, case, form: determination_record(actor=user, case=case, **form.cleaned_data),
        _("Decision recorded as a draft. Submit it for approval when the panel's record is complete."),
        anchor="#determinations",
    )  # fmt: skip


@signed_in
@require_POST
def submit(request: HttpRequest, case_id: uuid.UUID, determination_id: int) -> HttpResponse:
    return _post(
        request, case_id, "submit_form", lambda case: forms.Form(request.POST),
        lambda user, case, form: determination_submit(actor=user, case=case, determination=determination_id),
        _("Decision submitted. A supervisor of the case other than you must approve it."),
        exists=_determination_exists(determination_id), anchor=f"#determination-{determination_id}",
        bound_key=("submit", determination_id),
    )  # fmt: skip


@signed_in
@require_POST
def approve(request: HttpRequest, case_id: uuid.UUID, determination_id: int) -> HttpResponse:
    return _post(
        request, case_id, "approve_form", lambda case: ApproveForm(request.POST, prefix=f"approve-{determination_id}"),
        lambda user, case, form: determination_approve(
            actor=user, case=case, determination=determination_id, note=form.cleaned_data["note"]
        ),
        _("Decision approved. It is now the case's current decision."),
        action=CaseAction.APPROVE, exists=_determination_exists(determination_id), anchor=f"#determination-{determination_id}",
        bound_key=("approve", determination_id),
    )  # fmt: skip


@signed_in
@require_POST
def send_back(request: HttpRequest, case_id: uuid.UUID, determination_id: int) -> HttpResponse:
    return _post(
        request, case_id, "send_back_form", lambda case: SendBackForm(request.POST, prefix=f"send-back-{determination_id}"),
        lambda user, case, form: determination_send_back(
            actor=user, case=case, determination=determination_id, reason=form.cleaned_data["reason"]
        ),
        _("Decision sent back with your reason."),
        action=CaseAction.APPROVE, exists=_determination_exists(determination_id), anchor=f"#determination-{determination_id}",
        bound_key=("send_back", determination_id),
    )  # fmt: skip


@signed_in
@require_POST
def return_plan(request: HttpRequest, case_id: uuid.UUID, determination_id: int) -> HttpResponse:
    return _post(
        request, case_id, "return_plan_form", lambda case: ReturnPlanForm(request.POST, prefix=f"return-plan-{determination_id}"),
        lambda user, case, form: return_plan_create(actor=user, case=case, determination=determination_id, **form.cleaned_data),
        _("Return plan recorded."),
        exists=_determination_exists(determination_id), anchor=f"#determination-{determination_id}",
        bound_key=("return_plan", determination_id),
    )  # fmt: skip


@signed_in
@require_POST
def visit_add(request: HttpRequest, case_id: uuid.UUID, plan_id: int) -> HttpResponse:
    return _post(
        request, case_id, "visit_form", lambda case: VisitForm(request.POST, prefix=f"visit-plan-{plan_id}"),
        lambda user, case, form: visit_plan(actor=user, case=case, plan=plan_id, planned_on=form.cleaned_data["planned_on"]),
        _("Follow-up visit planned."),
        exists=lambda case: ReturnPlan.objects.filter(pk=plan_id, determination__case=case).exists(), anchor=f"#return-plan-{plan_id}",
        bound_key=("visit_plan", plan_id),
    )  # fmt: skip


@signed_in
@require_POST
def visit_result(request: HttpRequest, case_id: uuid.UUID, visit_id: int) -> HttpResponse:
    def act(user: User, case: Case, form: forms.Form) -> object:
        data = form.cleaned_data
        return visit_record(
            actor=user, case=case, visit=visit_id, visited_on=data["visited_on"], result=data["result"], expected_version=data["version"]
        )

    return _post(
        request, case_id, "visit_result_form", lambda case: VisitResultForm(request.POST, prefix=f"visit-{visit_id}"), act,
        _("Visit recorded."),
        exists=lambda case: FollowUpVisit.objects.filter(pk=visit_id, return_plan__determination__case=case).exists(),
        anchor=f"#visit-{visit_id}", bound_key=("visit", visit_id),
    )  # fmt: skip


urlpatterns = [
    path("<uuid:case_id>/best-interests/", best_interests, name="best_interests"),
    path("<uuid:case_id>/best-interests/assessments/", assessment_add, name="best_interests_assessment_add"),
    path("<uuid:case_id>/best-interests/determinations/", determination_add, name="best_interests_determination_add"),
    path("<uuid:case_id>/best-interests/determinations/<int:determination_id>/submit/", submit, name="best_interests_submit"),
    path("<uuid:case_id>/best-interests/determinations/<int:determination_id>/approve/", approve, name="best_interests_approve"),
    path("<uuid:case_id>/best-interests/determinations/<int:determination_id>/send-back/", send_back, name="best_interests_send_back"),
    path(
        "<uuid:case_id>/best-interests/determinations/<int:determination_id>/return-plan/", return_plan, name="best_interests_return_plan"
    ),
    path("<uuid:case_id>/best-interests/return-plans/<int:plan_id>/visits/", visit_add, name="best_interests_visit_add"),
    path("<uuid:case_id>/best-interests/visits/<int:visit_id>/", visit_result, name="best_interests_visit_record"),
]
