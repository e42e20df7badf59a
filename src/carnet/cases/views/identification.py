"""The identification section of a case: trafficking status, forms of exploitation, recruitment and control,
route, and the indicator checklist with its summary.

One page; each form posts to its own URL and comes back to the page (POST-redirect-GET), or
re-renders the page with the form's errors (400, or 409 for a stale edit).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from carnet.accounts.models import User
from carnet.cases.errors import StaleVersion
from carnet.cases.forms_identification import (
    ExploitationForm,
    IdentificationProfileForm,
    IndicatorChecklistForm,
    RouteLegForm,
    StatusDecisionForm,
)
from carnet.cases.models import Case, Exploitation, RouteLeg
from carnet.cases.models.codes import MeansOfControl
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.cases.selectors import case_get_for
from carnet.cases.services_identification import (
    IdentificationSection,
    checklist_of,
    exploitation_add,
    exploitation_remove,
    identification_section,
    identification_update,
    indicators_answer,
    route_leg_add,
    route_leg_remove,
    status_decision_add,
)
from carnet.cases.views.common import render_case
from carnet.core.access import signed_in
from carnet.core.errors import DomainError

PURPOSE = "identification"
TEMPLATE = "cases/sections/identification.html"


def _profile_initial(section: IdentificationSection) -> dict[str, Any]:
    profile = section.profile
    return {
        "recruitment": profile.recruitment,
        "relationship": profile.relationship,
        "means_of_control": list(profile.means_of_control),
        "version": profile.version,
    }


def _context(section: IdentificationSection, **forms: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "identification": section,
        "means_of_control": [MeansOfControl(code).label for code in section.profile.means_of_control if code in MeansOfControl.values],
        "status_form": StatusDecisionForm(),
        "exploitation_form": ExploitationForm(),
        "profile_form": IdentificationProfileForm(initial=_profile_initial(section)),
        "route_form": RouteLegForm(),
        "checklist_form": IndicatorChecklistForm(checklist=section.checklist),
    }
    context.update(forms)
    return context


def _editable_case(request: HttpRequest, case_id: uuid.UUID) -> Case:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose=PURPOSE)
    if not CasePolicy.can(request.user, CaseAction.EDIT, case):
        raise PermissionDenied
    return case


def _stale_message(stale: StaleVersion) -> str:
    if stale.changed_by:
        return _(
            "%(user)s saved this identification at %(time)s while you were editing. Your changes were not saved: "
            "the form now shows their version; make your change again."
        ) % {"user": stale.changed_by, "time": stale.changed_at[:16].replace("T", " ")}
    return str(stale.message)


def _render_section(request: HttpRequest, case: Case, status: int = 200, **forms: Any) -> HttpResponse:
    return render_case(request, case, TEMPLATE, "identification", _context(identification_section(case), **forms), status=status)


def _post(
    request: HttpRequest,
    case_id: uuid.UUID,
    key: str,
    make_form: Callable[[Case], Any],
    act: Callable[[User, Case, dict[str, Any]], object],
    done: str,
    anchor: str,
) -> HttpResponse:
    """Run one form of the section: success redirects back to the page, bad input re-renders it with the errors."""
    case = _editable_case(request, case_id)
    form = make_form(case)
    status = 400
    if form.is_valid():
        try:
            act(cast(User, request.user), case, form.cleaned_data)
        except StaleVersion as stale:
            # Somebody saved first: show their version (not the worker's) with the message, and change nothing.
            case.refresh_from_db()
            form = _current_profile_form(identification_section(case))
            form.add_error(None, _stale_message(stale))
            status = 409
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, done)
            return redirect(f"{_section_url(case)}#{anchor}")
    case.refresh_from_db()
    return _render_section(request, case, status=status, **{key: form})


def _section_url(case: Case) -> str:
    return reverse("cases:identification", args=[case.pk])


def _current_profile_form(section: IdentificationSection) -> IdentificationProfileForm:
    """A profile form bound to what is saved now, so that the worker sees the other person's change."""
    form = IdentificationProfileForm(data=_profile_initial(section))
    form.is_valid()
    return form


@signed_in
@require_safe
def identification(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose=PURPOSE)
    return _render_section(request, case)


@signed_in
@require_POST
def status_add(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _post(
        request, case_id, "status_form", lambda case: StatusDecisionForm(request.POST),
        lambda user, case, data: status_decision_add(actor=user, case=case, **data),
        _("Trafficking status recorded."), "status-heading",
    )  # fmt: skip


@signed_in
@require_POST
def exploitation_create(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _post(
        request, case_id, "exploitation_form", lambda case: ExploitationForm(request.POST),
        lambda user, case, data: exploitation_add(actor=user, case=case, **data),
        _("Form of exploitation recorded."), "exploitation-heading",
    )  # fmt: skip


@signed_in
@require_POST
def exploitation_delete(request: HttpRequest, case_id: uuid.UUID, exploitation_id: int) -> HttpResponse:
    case = _editable_case(request, case_id)
    try:
        exploitation_remove(actor=cast(User, request.user), case=case, exploitation_id=exploitation_id)
    except Exploitation.DoesNotExist as missing:
        raise Http404 from missing
    messages.success(request, _("Form of exploitation removed."))
    return redirect(f"{_section_url(case)}#exploitation-heading")


@signed_in
@require_POST
def profile(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _post(
        request, case_id, "profile_form", lambda case: IdentificationProfileForm(request.POST),
        lambda user, case, data: identification_update(
            actor=user, case=case, recruitment=data["recruitment"], relationship=data["relationship"],
            means_of_control=data["means_of_control"], expected_version=data["version"],
        ),
        _("Recruitment and control saved."), "profile-heading",
    )  # fmt: skip


@signed_in
@require_POST
def route_add(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _post(
        request, case_id, "route_form", lambda case: RouteLegForm(request.POST),
        lambda user, case, data: route_leg_add(actor=user, case=case, **data),
        _("Place added to the route."), "route-heading",
    )  # fmt: skip


@signed_in
@require_POST
def route_delete(request: HttpRequest, case_id: uuid.UUID, leg_id: int) -> HttpResponse:
    case = _editable_case(request, case_id)
    try:
        route_leg_remove(actor=cast(User, request.user), case=case, leg_id=leg_id)
    except RouteLeg.DoesNotExist as missing:
        raise Http404 from missing
    messages.success(request, _("Place removed from the route."))
    return redirect(f"{_section_url(case)}#route-heading")


@signed_in
@require_POST
def indicators(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _post(
        request, case_id, "checklist_form",
        lambda case: IndicatorChecklistForm(request.POST, checklist=checklist_of(case)),
        lambda user, case, data: indicators_answer(
            actor=user, case=case, answers={k.removeprefix(IndicatorChecklistForm.PREFIX): v for k, v in data.items()}
        ),
        _("Indicator checklist saved."), "indicators-heading",
    )  # fmt: skip


urlpatterns = [
    path("<uuid:case_id>/identification/", identification, name="identification"),
    path("<uuid:case_id>/identification/status/", status_add, name="identification_status"),
    path("<uuid:case_id>/identification/exploitations/", exploitation_create, name="identification_exploitation_add"),
    path(
        "<uuid:case_id>/identification/exploitations/<int:exploitation_id>/remove/",
        exploitation_delete,
        name="identification_exploitation_remove",
    ),
    path("<uuid:case_id>/identification/profile/", profile, name="identification_profile"),
    path("<uuid:case_id>/identification/route/", route_add, name="identification_route_add"),
    path("<uuid:case_id>/identification/route/<int:leg_id>/remove/", route_delete, name="identification_route_remove"),
    path("<uuid:case_id>/identification/indicators/", indicators, name="identification_indicators"),
]
