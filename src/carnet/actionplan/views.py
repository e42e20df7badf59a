"""Plan of Action pages: the list (with a chart of actions by status), one action, a new action, a status update.

Everyone reads the Plan of Action; the secretariat adds actions; the secretariat and the
NCPs and national coordinators of a country an action names record its progress. A
refusal re-renders the page with the message and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from carnet.actionplan.charts import status_bars_svg
from carnet.actionplan.forms import ActionFilterForm, ActionForm, StatusUpdateForm
from carnet.actionplan.models import Action, ActionStatus
from carnet.actionplan.policies import ActionPlanAction, ActionPlanPolicy
from carnet.actionplan.selectors import (
    ActionFilters,
    action_get_for,
    action_history,
    action_list_for,
    action_origins_for,
    status_counts,
    text_in,
)
from carnet.actionplan.services import action_create, action_update_status
from carnet.core.access import allowed, public, signed_in
from carnet.core.forms import run_service
from carnet.library.models import Resource
from carnet.library.policies import LibraryPolicy

PAGE_SIZE = 50
NO_RESOURCE = _("Choose a library resource that you can see.")


def _language() -> str:
    return get_language() or "en"


def _attempt(form: forms.Form, act: Callable[[], Any], aliases: dict[str, str] | None = None) -> int | None:
    return run_service(form, act, aliases=aliases)


def _chart(counts: dict[str, int]) -> str:
    bars = [(status.value, str(status.label), counts[status.value]) for status in ActionStatus]
    return mark_safe(status_bars_svg(bars, title=str(_("Actions by status"))))  # noqa: S308  (built from escaped parts)


@public
@require_safe
def action_list(request: HttpRequest) -> HttpResponse:
    """The actions of the Plan of Action: status, accountable, due; filters; a chart of actions by status."""
    form = ActionFilterForm(request.GET or None)
    filters = ActionFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = ActionFilters(
            status=data.get("status") or "",
            priority=data.get("priority"),
            country=data.get("country") or "",
            accountable=data.get("accountable") or "",
        )
    actions = action_list_for(actor=request.user, filters=filters)
    counts = status_counts(actions)
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    language = _language()
    rows = [(action, text_in(action, "title", language)) for action in page.object_list]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "counts": [(status.value, status.label, counts[status.value]) for status in ActionStatus],
        "chart": _chart(counts),
        "filtered": bool(filters.status or filters.priority or filters.country or filters.accountable),
        "can_create": ActionPlanPolicy.can(request.user, ActionPlanAction.CREATE),
        "language": language,
    }
    return render(request, "actionplan/list.html", context)


def _detail_page(request: HttpRequest, action: Action, *, form: StatusUpdateForm | None = None, status: int = 200) -> HttpResponse:
    language = _language()
    may_update = ActionPlanPolicy.can(request.user, ActionPlanAction.UPDATE, action)
    origins = [
        (outcome, text_in(outcome, "text", language), text_in(outcome.event, "title", language)[0])
        for outcome in action_origins_for(actor=request.user, action=action)
    ]
    context = {
        "action": action,
        "title": text_in(action, "title", language),
        "description": text_in(action, "description", language),
        "history": action_history(action),
        "origins": origins,
        "may_update": may_update,
        "form": form or (StatusUpdateForm(initial={"status": action.status}) if may_update else None),
        "language": language,
    }
    return render(request, "actionplan/detail.html", context, status=status)


@public
@require_safe
def action_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One action: description, accountable, countries, due, its history, and the meeting outcomes it came from."""
    return _detail_page(request, action_get_for(actor=request.user, code=code))


@allowed(ActionPlanPolicy, ActionPlanAction.CREATE)
@require_http_methods(["GET", "HEAD", "POST"])
def action_new(request: HttpRequest) -> HttpResponse:
    """A new action of the Plan of Action (the secretariat's)."""
    status = 200
    if request.method == "POST":
        form = ActionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            made: list[Action] = []
            failed = _attempt(
                form,
                lambda: made.append(
                    action_create(
                        actor=request.user,
                        code=data["code"] or None,
                        titles=form.texts("title"),
                        descriptions=form.texts("description"),
                        priority=data["priority"],
                        responsible=list(data["responsible"]),
                        countries=list(data["countries"]),
                        due=data["due"],
                        status=data["status"],
                    )
                ),
                aliases={"titles": "title_en", "descriptions": "description_en"},
            )
            if failed is None:
                messages.success(request, _("The action %(code)s was added to the Plan of Action.") % {"code": made[0].code})
                return redirect("actionplan:detail", made[0].code)
            status = failed
        else:
            status = 400
    else:
        form = ActionForm()
    return render(request, "actionplan/new.html", {"form": form}, status=status)


@signed_in
@require_POST
def action_update(request: HttpRequest, code: str) -> HttpResponse:
    """Record a status update with what happened and the evidence (secretariat; NCP or coordinator of a named country)."""
    action = action_get_for(actor=request.user, code=code)
    if not ActionPlanPolicy.can(request.user, ActionPlanAction.UPDATE, action):
        raise PermissionDenied
    form = StatusUpdateForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, action, form=form, status=400)
    data = form.cleaned_data
    evidence = None
    if data["evidence"]:
        evidence = LibraryPolicy.visible(request.user, Resource.objects.all()).filter(slug=data["evidence"]).first()
        if evidence is None:  # missing and not visible read the same
            form.add_error("evidence", NO_RESOURCE)
            return _detail_page(request, action, form=form, status=400)
    failed = _attempt(
        form,
        lambda: action_update_status(
            actor=request.user,
            action=action,
            status=data["status"],
            note=data["note"],
            evidence_url=data["evidence_url"],
            evidence=evidence,
        ),
    )
    if failed is not None:
        return _detail_page(request, action, form=form, status=failed)
    messages.success(request, _("The update was recorded."))
    return redirect("actionplan:detail", action.code)


urlpatterns = [
    path("", action_list, name="list"),
    path("new/", action_new, name="new"),
    path("<str:code>/", action_detail, name="detail"),
    path("<str:code>/update/", action_update, name="update"),
]
