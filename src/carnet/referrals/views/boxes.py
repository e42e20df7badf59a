"""The inbox (referrals received) and the outbox (referrals sent from cases one may see), with counts and filters.

Anyone signed in may open them: the selectors decide what is in them, so someone with no
referrals sees an empty box, not a refusal. Neither box shows a case number: the receiving side
never learns the sender's, and the reference is the name both sides use.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_safe

from carnet.core.access import signed_in
from carnet.referrals.forms import FilterForm
from carnet.referrals.models import AWAITING_ANSWER, ReferralEvent, Status
from carnet.referrals.selectors import Box, ReferralFilters, box_counts_for, referral_list_for

PER_PAGE = 25

# When the referral last moved: one small lookup per row shown (not an aggregate over the whole box before paging).
_LATEST_EVENT = ReferralEvent.objects.filter(referral=OuterRef("pk")).order_by("-at").values("at")[:1]


def _filters(box: str, form: FilterForm) -> ReferralFilters:
    """The filters from the valid fields of the form (an invalid one is shown with its error and ignored)."""
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    return ReferralFilters(
        box=box,
        status=data.get("status", ""),
        purpose=data.get("purpose", ""),
        country=data.get("country", ""),
        overdue=bool(data.get("overdue")),
        query=data.get("q", ""),
    )


def _box(request: HttpRequest, box: str) -> HttpResponse:
    form = FilterForm(request.GET or None)
    filters = _filters(box, form)
    referrals = referral_list_for(actor=request.user, filters=filters).annotate(last_change=Subquery(_LATEST_EVENT))
    page = Paginator(referrals, PER_PAGE).get_page(request.GET.get("page"))
    counts = box_counts_for(actor=request.user, box=box)
    context: dict[str, Any] = {
        "box": box,
        "form": form if request.GET else FilterForm(),
        "filters": filters,
        "filtered": any((filters.status, filters.purpose, filters.country, filters.overdue, filters.query)),
        "page": page,
        "status_counts": [{"value": s.value, "label": s.label, "count": counts.get(s.value, 0)} for s in Status if counts.get(s.value)],
        "overdue_count": counts.get("overdue", 0),
        "total": sum(n for key, n in counts.items() if key != "overdue"),
        "today": timezone.localdate(),
        "awaiting": sorted(AWAITING_ANSWER),
    }
    return render(request, "referrals/box.html", context)


@signed_in
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    """Referrals received by the actor's country (NCP), assigned to them, or linked to a case they work on."""
    return _box(request, Box.INBOX)


@signed_in
@require_safe
def outbox(request: HttpRequest) -> HttpResponse:
    """Referrals sent (or drafted) from cases the actor may see."""
    return _box(request, Box.OUTBOX)


urlpatterns = [
    path("", inbox, name="inbox"),
    path("sent/", outbox, name="outbox"),
]
