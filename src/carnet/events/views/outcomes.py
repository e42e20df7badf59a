"""Outcome pages: recording a meeting's outcomes, closing it, the outcomes of all meetings, and the printable report.

The editing page is one address: every change is a POST to it naming what to do (add,
update, delete, move, make or link an action), each calling one service; a refusal
re-renders the page with the message on the form and changes nothing (400 for invalid
input, the domain error's status otherwise: 409 for an item already linked). Without
JavaScript everything works: editing an item is ``?edit=<item>``.

``/events/outcomes/`` is a fixed address: events/urls.py lists these patterns before the
``/events/<slug>/`` ones, so it never reads as a meeting called "outcomes".
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
from django.template.loader import render_to_string
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from carnet.actionplan.models import Action
from carnet.actionplan.policies import ActionPlanAction, ActionPlanPolicy
from carnet.actionplan.selectors import text_in
from carnet.core.access import allowed, public
from carnet.core.forms import run_service
from carnet.core.pdf import inline_stylesheet, render_pdf
from carnet.events.forms_outcomes import CloseForm, LinkActionForm, MakeActionForm, OutcomeFilterForm, OutcomeForm, text_field_name
from carnet.events.models import Event, Outcome, OutcomeKind
from carnet.events.policies import EventAction, EventPolicy
from carnet.events.selectors_outcomes import (
    OutcomeFilters,
    event_for_outcomes,
    grouped_by_kind,
    item_of,
    outcome_for_manager,
    outcome_list_for,
    outcomes_for_event,
)
from carnet.events.services_outcomes import (
    attendance_from_registrations,
    event_close,
    event_has_ended,
    outcome_add,
    outcome_delete,
    outcome_link_action,
    outcome_make_action,
    outcome_move,
    outcome_update,
    texts_of,
)

PRINT_CSS = "events/outcomes/print.css"
PAGE_SIZE = 50
NO_ENGLISH = _("This item has no English text yet: readers whose language it is not written in will see it untranslated.")
# A service names the field it refuses; on the forms some are called otherwise ("texts" is every text field).
ALIASES = {"titles": "title", "texts": ""}
NO_SUCH_ACTION = _("There is no action with this code.")


def _language() -> str:
    return get_language() or "en"


def _attempt(form: forms.Form, act: Callable[[], Any]) -> int | None:
    return run_service(form, act, aliases=ALIASES)


def _managed_event(request: HttpRequest, slug: str) -> Event:
    event = event_for_outcomes(actor=request.user, slug=slug)
    if not EventPolicy.can(request.user, EventAction.MANAGE, event):
        raise PermissionDenied
    return event


def _title(event: Event) -> str:
    title, _lang = text_in(event, "title", _language())
    return title or event.slug


def _may_link(request: HttpRequest, event: Event) -> bool:
    return EventPolicy.can(request.user, EventAction.LINK_ACTION, event) and ActionPlanPolicy.can(request.user, ActionPlanAction.CREATE)


def _item_form(outcome: Outcome) -> OutcomeForm:
    initial: dict[str, Any] = {
        "kind": outcome.kind,
        "priority": outcome.priority_id,
        "countries": list(outcome.countries.values_list("pk", flat=True)),
        "committed_by": outcome.committed_by_id,
        "committed_country": outcome.committed_country_id,
    }
    initial.update({text_field_name(language): text for language, text in texts_of(outcome).items()})
    return OutcomeForm(initial=initial, prefix=f"item{outcome.pk}")


def _edit_page(request: HttpRequest, event: Event, *, status: int = 200, **forms_: Any) -> HttpResponse:
    language = _language()
    items = outcomes_for_event(actor=request.user, event=event, language=language)
    editing = forms_.get("edit_form")
    edit_pk = forms_.get("edit_pk")
    if editing is None and request.method == "GET" and request.GET.get("edit", "").isdigit():
        outcome = outcome_for_manager(actor=request.user, event=event, pk=int(request.GET["edit"]))
        editing, edit_pk = _item_form(outcome), outcome.pk
    context = {
        "event": event,
        "event_title": _title(event),
        "items": items,
        "language": language,
        "add_form": forms_.get("add_form") or OutcomeForm(prefix="new"),
        "edit_form": editing,
        "edit_pk": edit_pk,
        "make_form": forms_.get("make_form") or MakeActionForm(),
        "link_form": forms_.get("link_form") or LinkActionForm(),
        "failed_pk": forms_.get("failed_pk"),
        "error_form": forms_.get("error_form"),
        "can_link": _may_link(request, event),
        "action_area": OutcomeKind.ACTION_AREA.value,
    }
    response = render(request, "events/outcomes/edit.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _warn_without_english(request: HttpRequest, texts: dict[str, str]) -> None:
    if not (texts.get("en") or "").strip():
        messages.warning(request, NO_ENGLISH)


def _service_kwargs(form: OutcomeForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "kind": data["kind"],
        "texts": form.texts(),
        "priority": data.get("priority"),
        "countries": list(data.get("countries") or []),
        "committed_by": data.get("committed_by"),
        "committed_country": data.get("committed_country"),
    }


@allowed(EventPolicy, EventAction.MANAGE)
@require_http_methods(["GET", "HEAD", "POST"])
def outcomes_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Record a meeting's outcomes: add, edit (per language), reorder, delete; make or link actions."""
    event = _managed_event(request, slug)
    if request.method != "POST":
        return _edit_page(request, event)
    todo = request.POST.get("do", "")
    here = redirect("events:outcomes_edit", event.slug)
    if todo == "add":
        form = OutcomeForm(request.POST, prefix="new")
        if not form.is_valid():
            return _edit_page(request, event, status=400, add_form=form)
        status = _attempt(form, lambda: outcome_add(actor=request.user, event=event, **_service_kwargs(form)))
        if status is not None:
            return _edit_page(request, event, status=status, add_form=form)
        messages.success(request, _("The item was added."))
        _warn_without_english(request, form.texts())
        return here
    if not request.POST.get("item", "").isdigit():
        refused = forms.Form(request.POST)
        refused.add_error(None, _("Choose an item of this meeting."))
        return _edit_page(request, event, status=400, error_form=refused)
    outcome = outcome_for_manager(actor=request.user, event=event, pk=int(request.POST["item"]))
    if todo == "update":
        form = OutcomeForm(request.POST, prefix=f"item{outcome.pk}")
        if not form.is_valid():
            return _edit_page(request, event, status=400, edit_form=form, edit_pk=outcome.pk)
        kwargs = _service_kwargs(form)
        status = _attempt(form, lambda: outcome_update(actor=request.user, outcome=outcome, **kwargs))
        if status is not None:
            return _edit_page(request, event, status=status, edit_form=form, edit_pk=outcome.pk)
        messages.success(request, _("The item was saved."))
        _warn_without_english(request, form.texts())
        return here
    if todo in ("up", "down"):
        outcome_move(actor=request.user, outcome=outcome, up=todo == "up")
        return here
    if todo == "delete":
        outcome_delete(actor=request.user, outcome=outcome)
        messages.success(request, _("The item was deleted."))
        return here
    if todo in ("make_action", "link_action"):
        if not _may_link(request, event):
            raise PermissionDenied
        return _link(request, event, outcome, todo)
    unknown = forms.Form(request.POST)
    unknown.add_error(None, _("Unknown request."))
    return _edit_page(request, event, status=400, error_form=unknown)


def _link(request: HttpRequest, event: Event, outcome: Outcome, todo: str) -> HttpResponse:
    if todo == "make_action":
        make = MakeActionForm(request.POST)
        if not make.is_valid():
            return _edit_page(request, event, status=400, make_form=make, failed_pk=outcome.pk)
        made: list[Action] = []
        status = _attempt(
            make,
            lambda: made.append(
                outcome_make_action(
                    actor=request.user, outcome=outcome, code=make.cleaned_data["code"] or None, title=make.cleaned_data["title"] or None
                )
            ),
        )
        if status is not None:
            return _edit_page(request, event, status=status, make_form=make, failed_pk=outcome.pk)
        messages.success(request, _("The action %(code)s was added to the Plan of Action.") % {"code": made[0].code})
        return redirect("events:outcomes_edit", event.slug)
    link = LinkActionForm(request.POST)
    if not link.is_valid():
        return _edit_page(request, event, status=400, link_form=link, failed_pk=outcome.pk)
    action = ActionPlanPolicy.visible(request.user, Action.objects.all()).filter(code=link.cleaned_data["code"].strip()).first()
    if action is None:
        link.add_error("code", NO_SUCH_ACTION)
        return _edit_page(request, event, status=400, link_form=link, failed_pk=outcome.pk)
    status = _attempt(link, lambda: outcome_link_action(actor=request.user, outcome=outcome, action=action))
    if status is not None:
        return _edit_page(request, event, status=status, link_form=link, failed_pk=outcome.pk)
    messages.success(request, _("The item is linked to the action %(code)s.") % {"code": action.code})
    return redirect("events:outcomes_edit", event.slug)


@allowed(EventPolicy, EventAction.MANAGE)
@require_http_methods(["GET", "HEAD", "POST"])
def close(request: HttpRequest, slug: str) -> HttpResponse:
    """Close a meeting that has ended: attendance and participating countries and organisations, pre-filled from attendance."""
    event = _managed_event(request, slug)
    status = 200
    if request.method == "POST":
        form = CloseForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            failed = _attempt(
                form,
                lambda: event_close(
                    actor=request.user,
                    event=event,
                    attendance_count=data["attendance_count"],
                    countries=list(data["countries"]),
                    organisations=list(data["organisations"]),
                ),
            )
            if failed is None:
                messages.success(request, _("The meeting is closed."))
                return redirect("events:outcomes_edit", event.slug)
            status = failed
        else:
            status = 400
    else:
        found = attendance_from_registrations(event)
        form = CloseForm(
            initial={
                "attendance_count": found.count,
                "countries": [c.pk for c in found.countries],
                "organisations": [o.pk for o in found.organisations],
            }
        )
    context = {
        "event": event,
        "event_title": _title(event),
        "form": form,
        "ended": event_has_ended(event),
        "closed": event.closed_at is not None,
    }
    response = render(request, "events/outcomes/close.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@public
@require_safe
def outcomes_list(request: HttpRequest) -> HttpResponse:
    """Outcomes of every meeting the reader may see, filterable by priority, kind and country, with what became of each."""
    form = OutcomeFilterForm(request.GET or None)
    filters = OutcomeFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = OutcomeFilters(priority=data.get("priority"), kind=data.get("kind") or "", country=data.get("country") or "")
    page = Paginator(outcome_list_for(actor=request.user, filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    language = _language()
    rows = []
    for outcome in page.object_list:
        item = item_of(outcome, language, with_event=True)
        rows.append((item, _title(outcome.event)))
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "language": language,
        "filtered": bool(filters.priority or filters.kind or filters.country),
    }
    return render(request, "events/outcomes/list.html", context)


@public
@require_safe
def outcomes_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The printable outcomes report of one meeting (``?format=html``: the same document as a page)."""
    event = event_for_outcomes(actor=request.user, slug=slug)
    language = _language()
    items = outcomes_for_event(actor=request.user, event=event, language=language)
    css, css_hash = inline_stylesheet(PRINT_CSS)
    venue, _lang = text_in(event, "venue", language)
    city, _lang = text_in(event, "city", language)
    context = {
        "event": event,
        "event_title": _title(event),
        "venue": venue,
        "city": city,
        "organisers": [(link.organisation, link.get_role_display()) for link in event.organiser_links.all()],
        "countries": list(event.participating_countries.all()),
        "organisations": list(event.participating_organisations.all()),
        "groups": grouped_by_kind(items),
        "language": language,
        "print_css": css,
    }
    if request.GET.get("format") == "html":
        response = render(request, "events/outcomes/report.html", context)
        response._csp_update = {"style-src": [css_hash]}  # type: ignore[attr-defined]  # read by django-csp's middleware
        return response
    html = render_to_string("events/outcomes/report.html", context, request=request)
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    filename = f"{event.slug}-outcomes.pdf"
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename) or "inline"
    return response


urlpatterns = [
    path("outcomes/", outcomes_list, name="outcomes"),
    path("<slug:slug>/outcomes/", outcomes_edit, name="outcomes_edit"),
    path("<slug:slug>/close/", close, name="close"),
    path("<slug:slug>/outcomes.pdf", outcomes_pdf, name="outcomes_pdf"),
]
