"""The case overview: identity, risk, flags, team, guardian, legal basis, age, status, access history."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from carnet.accounts.models import User
from carnet.audit.models import AuditEntry
from carnet.cases.errors import StaleVersion
from carnet.cases.forms import (
    AgeAssessmentForm,
    FlagForm,
    FlagRemoveForm,
    GuardianForm,
    IdentityDocumentForm,
    IdentityEditForm,
    LegalBasisForm,
    PhotoForm,
    RiskForm,
    StatusForm,
    TeamForm,
)
from carnet.cases.identity import read_document_number
from carnet.cases.models import Case
from carnet.cases.models.codes import CaseStatus
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.cases.selectors import case_get_for, case_identity_for, case_photo_for, case_team
from carnet.cases.services import (
    PHOTO_MAX_BYTES,
    age_assessment_record,
    case_close,
    case_set_risk,
    case_set_status,
    case_update_identity,
    child_photo_set,
    flag_raise,
    flag_remove,
    guardian_appoint,
    identity_document_add,
    legal_basis_override_approve,
    legal_basis_record,
    team_add,
)
from carnet.cases.views.common import render_case, run_on_form, stale_message
from carnet.core.access import signed_in
from carnet.core.errors import DomainError


def _overview_context(request: HttpRequest, case: Case, **forms: Any) -> dict[str, Any]:
    identity = case_identity_for(actor=request.user, case=case, purpose="overview")
    access = AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk), action="case.break_glass").order_by("-seq")[:20]
    context = {
        "identity": identity,
        "team": case_team(case),
        "risk_history": case.risk_history.select_related("changed_by")[:10],
        "age_assessments": case.child.age_assessments.all(),
        "guardians": case.guardians.all(),
        "legal_bases": case.legal_bases.select_related("override_approved_by"),
        "break_glass_entries": access,
        "risk_form": RiskForm(initial={"level": case.risk_level, "version": case.version}),
        "flag_form": FlagForm(),
        "team_form": TeamForm(),
        "status_form": StatusForm(initial={"status": case.status, "version": case.version}),
        "age_form": AgeAssessmentForm(),
        "guardian_form": GuardianForm(),
        "remove_form": FlagRemoveForm(),
        "legal_basis_form": LegalBasisForm(),
        "document_form": IdentityDocumentForm(),
        "photo_form": PhotoForm(),
        "has_photo": case.child.photo_enc is not None,
        "identity_documents": [
            {"document": document, "number": read_document_number(document)}
            for document in case.child.documents_of_identity.select_related("child__data_key").order_by("created_at")
        ],
    }
    context.update(forms)
    return context


@signed_in
@require_safe
def detail(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="overview")
    return render_case(request, case, "cases/sections/overview.html", "overview", _overview_context(request, case))


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def identity(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="edit identity")
    if not CasePolicy.can(request.user, CaseAction.EDIT, case):
        raise PermissionDenied
    current = case_identity_for(actor=request.user, case=case, purpose="edit identity")
    form = IdentityEditForm(
        request.POST or None, initial={**IdentityEditForm.initial_from(current, case.child.sex), "version": case.version}
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            case_update_identity(
                actor=cast(User, request.user),
                case=case,
                identity=form.identity(),
                sex=form.cleaned_data["sex"],
                expected_version=form.cleaned_data["version"],
            )
        except StaleVersion as stale:
            form.add_error(None, stale_message(stale))
            status = 409
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Identity saved."))
            return redirect("cases:detail", case.pk)
    return render_case(request, case, "cases/sections/identity_form.html", "overview", {"form": form}, status=status)


def _post_action(
    request: HttpRequest, case_id: uuid.UUID, form_class: type, key: str, act: Callable[[User, Case, dict[str, Any]], object], done: str
) -> HttpResponse:
    """Run a small form on the overview: success redirects back, a bad form re-renders the overview with the errors."""
    case = case_get_for(actor=request.user, case_ref=case_id, purpose=f"overview: {key}")
    if not CasePolicy.can(request.user, CaseAction.EDIT, case):
        raise PermissionDenied
    form = form_class(request.POST)
    if form.is_valid() and run_on_form(form, lambda: act(cast(User, request.user), case, form.cleaned_data)) is None:
        messages.success(request, done)
        return redirect("cases:detail", case.pk)
    case.refresh_from_db()
    return render_case(
        request, case, "cases/sections/overview.html", "overview", _overview_context(request, case, **{key: form}), status=400
    )


@signed_in
@require_POST
def risk(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    def act(user: User, case: Case, data: dict[str, Any]) -> object:
        return case_set_risk(actor=user, case=case, level=data["level"], reason=data["reason"], expected_version=data["version"])

    return _post_action(request, case_id, RiskForm, "risk_form", act, _("Risk level changed."))


@signed_in
@require_POST
def flag_add(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _post_action(
        request, case_id, FlagForm, "flag_form",
        lambda user, case, data: flag_raise(actor=user, case=case, kind=data["kind"], reason=data["reason"]),
        _("Flag raised."),
    )  # fmt: skip


@signed_in
@require_POST
def flag_drop(request: HttpRequest, case_id: uuid.UUID, flag_id: int) -> HttpResponse:
    def act(user: User, case: Case, data: dict[str, Any]) -> object:
        flag = case.flags.filter(pk=flag_id).first()
        if flag is None:
            raise ValidationError({"reason": _("This flag is not on this case.")})
        return flag_remove(actor=user, case=case, flag=flag, reason=data["reason"])

    return _post_action(
        request, case_id, FlagRemoveForm, "remove_form", act, _("Done. A protective flag is removed once a second person confirms.")
    )


@signed_in
@require_POST
def team(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    def act(user: User, case: Case, data: dict[str, Any]) -> object:
        if not CasePolicy.can(user, CaseAction.MANAGE, case):
            raise PermissionDenied
        member = User.objects.filter(username=data["username"], is_active=True).first()
        if member is None:
            raise ValidationError({"username": _("No active user has this name.")})
        return team_add(actor=user, case=case, user=member, role=data["role"])

    return _post_action(request, case_id, TeamForm, "team_form", act, _("Team updated."))


@signed_in
@require_POST
def status(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    def act(user: User, case: Case, data: dict[str, Any]) -> object:
        if data["status"] in (CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED):
            return case_close(
                actor=user,
                case=case,
                reason=data["reason"],
                referred=data["status"] == CaseStatus.CLOSED_REFERRED,
                expected_version=data["version"],
            )
        return case_set_status(actor=user, case=case, status=data["status"], expected_version=data["version"])

    return _post_action(request, case_id, StatusForm, "status_form", act, _("Status changed."))


@signed_in
@require_POST
def age(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _post_action(
        request, case_id, AgeAssessmentForm, "age_form",
        lambda user, case, data: age_assessment_record(actor=user, case=case, **data),
        _("Age assessment recorded."),
    )  # fmt: skip


@signed_in
@require_POST
def guardian(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _post_action(
        request, case_id, GuardianForm, "guardian_form",
        lambda user, case, data: guardian_appoint(actor=user, case=case, **data),
        _("Guardian recorded."),
    )  # fmt: skip


@signed_in
@require_POST
def legal_basis(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _post_action(
        request, case_id, LegalBasisForm, "legal_basis_form",
        lambda user, case, data: legal_basis_record(actor=user, case=case, **data),
        _("Legal basis recorded."),
    )  # fmt: skip


@signed_in
@require_POST
def legal_basis_approve(request: HttpRequest, case_id: uuid.UUID, entry_id: int) -> HttpResponse:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="overview: approve override")
    entry = case.legal_bases.filter(pk=entry_id).first()
    if entry is None:
        raise Http404
    try:
        legal_basis_override_approve(actor=cast(User, request.user), case=case, entry=entry)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Override approved."))
    return redirect("cases:detail", case.pk)


@signed_in
@require_POST
def identity_document(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    return _post_action(
        request, case_id, IdentityDocumentForm, "document_form",
        lambda user, case, data: identity_document_add(actor=user, case=case, **data),
        _("Identity document recorded."),
    )  # fmt: skip


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def photo(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """GET: the photo itself (no-store, audited); POST: replace it (multipart)."""
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="photo")
    if request.method != "POST":
        content = case_photo_for(actor=request.user, case=case)
        if content is None:
            raise Http404
        response = HttpResponse(content, content_type="image/png" if content.startswith(b"\x89PNG") else "image/jpeg")
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
    if not CasePolicy.can(request.user, CaseAction.EDIT, case):
        raise PermissionDenied
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["photo"]
        content = upload.read(PHOTO_MAX_BYTES + 1)
        if run_on_form(form, lambda: child_photo_set(actor=cast(User, request.user), case=case, content=content)) is None:
            messages.success(request, _("Photo saved."))
            return redirect("cases:detail", case.pk)
    case.refresh_from_db()
    return render_case(
        request, case, "cases/sections/overview.html", "overview", _overview_context(request, case, photo_form=form), status=400
    )


urlpatterns = [
    path("<uuid:case_id>/", detail, name="detail"),
    path("<uuid:case_id>/identity/", identity, name="identity"),
    path("<uuid:case_id>/risk/", risk, name="risk"),
    path("<uuid:case_id>/flags/", flag_add, name="flag_add"),
    path("<uuid:case_id>/flags/<int:flag_id>/remove/", flag_drop, name="flag_remove"),
    path("<uuid:case_id>/team/", team, name="team"),
    path("<uuid:case_id>/status/", status, name="status"),
    path("<uuid:case_id>/age/", age, name="age"),
    path("<uuid:case_id>/guardian/", guardian, name="guardian"),
    path("<uuid:case_id>/legal-basis/", legal_basis, name="legal_basis"),
    path("<uuid:case_id>/legal-basis/<int:entry_id>/approve/", legal_basis_approve, name="legal_basis_approve"),
    path("<uuid:case_id>/identity-documents/", identity_document, name="identity_document"),
    path("<uuid:case_id>/photo/", photo, name="photo"),
]
