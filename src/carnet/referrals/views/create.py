"""Referrals from a case: the case's Referrals section, the form to refer the child, the possible-match check.

The section is a page of the case file (same header and section navigation), seen by whoever
may see the case. A referral starts as a draft; the sending country's NCP sends it from the
referral's own page.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from carnet.accounts.models import User
from carnet.cases.models import Case
from carnet.cases.selectors import case_get_for
from carnet.cases.views.common import render_case
from carnet.core.access import signed_in
from carnet.referrals.forms import MatchForm, ReferralForm
from carnet.referrals.policies import ReferralAction, ReferralPolicy
from carnet.referrals.presenting import all_profiles
from carnet.referrals.profiles import PURPOSE_DEFAULT_PROFILE, LegalBasis, Purpose, Urgency
from carnet.referrals.selectors import case_referrals_for
from carnet.referrals.services import MatchAnswer, NewReferral, match_check, referral_draft
from carnet.referrals.views.common import attempt, is_htmx, is_overdue

SECTION = "referrals"


def _new_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "can_draft": ReferralPolicy.can(request.user, ReferralAction.DRAFT, case),
        "can_match": ReferralPolicy.can(request.user, ReferralAction.MATCH, case),
        "form": ReferralForm(case=case),
        "match_form": MatchForm(case=case),
        "profiles": all_profiles(),
        "legal_bases": LegalBasis.choices,
        "suggested": [{"purpose": Purpose(p).label, "profile": name} for p, name in PURPOSE_DEFAULT_PROFILE.items()],
    }
    context.update(extra)
    return context


@signed_in
@require_safe
def case_referrals(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """The referrals a case was sent in or opened from."""
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="referrals")
    referrals = list(case_referrals_for(actor=request.user, case_id=case.pk))
    rows = [{"referral": r, "sent": r.source_case_id == case.pk, "overdue": is_overdue(r)} for r in referrals]
    context = {
        "rows": rows,
        "can_draft": ReferralPolicy.can(request.user, ReferralAction.DRAFT, case),
        "can_match": ReferralPolicy.can(request.user, ReferralAction.MATCH, case),
    }
    return render_case(request, case, "referrals/case_referrals.html", SECTION, context)


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def new(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """The form to refer the child to another country's national contact point; saving makes a draft."""
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="referrals: new referral")
    if not ReferralPolicy.can(request.user, ReferralAction.DRAFT, case):
        raise PermissionDenied
    if request.method != "POST":
        initial = {"purpose": request.GET.get("purpose", "")} if request.GET.get("purpose") in Purpose.values else {}
        return render_case(
            request, case, "referrals/new.html", SECTION, _new_context(request, case, form=ReferralForm(case=case, initial=initial))
        )
    form = ReferralForm(request.POST, case=case)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        new_referral = NewReferral(
            to_country=data["to_country"],
            purpose=data["purpose"],
            urgency=data["urgency"] or Urgency.ROUTINE,
            respond_by=data["respond_by"],
            legal_basis=data["legal_basis"],
            legal_basis_decided_by=data["legal_basis_decided_by"],
            legal_basis_decided_on=data["legal_basis_decided_on"],
            profile=data["profile"],
            note=data["note"],
        )
        created: list[Any] = []
        refused = attempt(form, lambda: created.append(referral_draft(actor=cast(User, request.user), case=case, new=new_referral)))
        if refused is None:
            referral = created[0]
            messages.success(
                request, _("Draft referral %(reference)s saved. It is sent from its own page.") % {"reference": referral.reference}
            )
            return redirect("referrals:detail", referral.pk)
        status = refused
    return render_case(request, case, "referrals/new.html", SECTION, _new_context(request, case, form=form), status=status)


@signed_in
@require_POST
def match(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Ask whether another country's cases know this child (keyed hashes only); the answer is shown on the form page."""
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="referrals: possible-match check")
    if not ReferralPolicy.can(request.user, ReferralAction.MATCH, case):
        raise PermissionDenied
    form = MatchForm(request.POST, case=case)
    answers: list[MatchAnswer] = []
    status = 400
    if form.is_valid():
        country = form.cleaned_data["country"]
        refused = attempt(
            form,
            lambda: answers.append(match_check(actor=cast(User, request.user), case=case, country_code=country)),
            {"to_country": "country"},
        )
        status = refused or 200
    context = {"match_form": form, "match_answer": answers[0] if answers else None}
    if is_htmx(request):
        # htmx swaps in only a successful answer: a refusal is part of the fragment, so the fragment is always a 200
        return render(request, "referrals/partials/match.html", {**context, "case": case})
    return render_case(request, case, "referrals/new.html", SECTION, _new_context(request, case, **context), status=status)


urlpatterns = [
    path("case/<uuid:case_id>/", case_referrals, name="case_referrals"),
    path("case/<uuid:case_id>/new/", new, name="new"),
    path("case/<uuid:case_id>/match/", match, name="match_check"),
]
