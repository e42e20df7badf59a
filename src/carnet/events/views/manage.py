"""Pages that change events: create and edit, announce and cancel, register, the participant list, documents.

Thin: each parses a form, calls one service from :mod:`carnet.events.services`, and shows
its refusal as a message (nothing is written then). Managing needs the policy's MANAGE
(the secretariat; a national contact point or coordinator for their own events); an
event one may not see answers 404, one one may see but not manage 403.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from carnet.core.access import allowed, signed_in
from carnet.core.errors import DomainError
from carnet.events import selectors, services
from carnet.events.forms import (
    CancelForm,
    DecisionForm,
    DocumentAttachForm,
    DocumentUploadForm,
    EventForm,
    InviteForm,
    PublishForm,
    RegistrationForm,
    add_service_errors,
)
from carnet.events.models import Event
from carnet.events.policies import EventAction, EventPolicy


def _detail(event: Event) -> HttpResponseRedirect:
    return redirect("events:detail", slug=event.slug)


def _refused(request: HttpRequest, error: Exception) -> None:
    """Show a service's refusal as an error message."""
    if isinstance(error, ValidationError):
        for text in error.messages:
            messages.error(request, text)
    elif isinstance(error, DomainError):
        messages.error(request, error.message)
    else:
        messages.error(request, str(error) or _("You may not do this."))


@require_http_methods(["GET", "POST"])
@allowed(EventPolicy, EventAction.CREATE)
def event_new(request: HttpRequest) -> HttpResponse:
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(actor=request.user, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The event was created."))
            return _detail(event)
    return render(request, "events/form.html", {"form": form, "event": None})


@require_http_methods(["GET", "POST"])
@allowed(EventPolicy, EventAction.MANAGE)
def event_edit(request: HttpRequest, slug: str) -> HttpResponse:
    event = selectors.event_for_manager(actor=request.user, slug=slug)
    form = EventForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_update(actor=request.user, event=event, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The event was saved."))
            return _detail(event)
    return render(request, "events/form.html", {"form": form, "event": event})


@require_POST
@allowed(EventPolicy, EventAction.MANAGE)
def event_publish(request: HttpRequest, slug: str) -> HttpResponse:
    event = selectors.event_for_manager(actor=request.user, slug=slug)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how to announce the event."))
        return _detail(event)
    try:
        services.event_publish(actor=request.user, event=event, status=form.cleaned_data["status"])
    except (ValidationError, DomainError) as error:
        _refused(request, error)
    else:
        messages.success(request, _("The event is announced."))
    return _detail(event)


@require_http_methods(["GET", "POST"])
@allowed(EventPolicy, EventAction.MANAGE)
def event_cancel(request: HttpRequest, slug: str) -> HttpResponse:
    event = selectors.event_for_manager(actor=request.user, slug=slug)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_cancel(actor=request.user, event=event, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The event is cancelled. The registered participants are told by e-mail."))
            return _detail(event)
    return render(request, "events/cancel.html", {"form": form, "event": event})


# --- Registration ---------------------------------------------------------------------------------------------


@require_POST
@signed_in
def register(request: HttpRequest, slug: str) -> HttpResponse:
    event = selectors.event_get_for(actor=request.user, slug=slug)
    form = RegistrationForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, str(text))
        return _detail(event)
    try:
        registration = services.registration_create(
            actor=request.user,
            event=event,
            organisation=form.cleaned_data.get("organisation"),
            country=form.cleaned_data.get("country"),
            note=form.cleaned_data.get("note") or "",
        )
    except (ValidationError, DomainError, PermissionDenied) as error:
        _refused(request, error)
    else:
        if registration.status == "approved":
            messages.success(request, _("You are registered."))
        else:
            messages.success(request, _("You are registered. The organisers will approve your registration."))
    return _detail(event)


@require_POST
@signed_in
def unregister(request: HttpRequest, slug: str) -> HttpResponse:
    event = selectors.event_get_for(actor=request.user, slug=slug)
    mine = selectors.registration_of(request.user, event)
    if mine is None:
        messages.error(request, _("You are not registered for this event."))
        return _detail(event)
    try:
        services.registration_cancel(actor=request.user, registration=mine)
    except (ValidationError, DomainError) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Your registration is cancelled."))
    return _detail(event)


# --- The participant list ---------------------------------------------------------------------------------


def _participants_url(event: Event) -> str:
    return reverse("events:participants", kwargs={"slug": event.slug})


@require_safe
@allowed(EventPolicy, EventAction.MANAGE)
def participants(request: HttpRequest, slug: str) -> HttpResponse:
    event = selectors.event_for_manager(actor=request.user, slug=slug)
    registrations = list(selectors.participants_for(actor=request.user, event=event))
    context = {
        "event": event,
        "registrations": registrations,
        "counts": selectors.participant_counts(registrations),
        "invite_form": InviteForm(),
    }
    return render(request, "events/participants.html", context)


@require_safe
@allowed(EventPolicy, EventAction.MANAGE)
def participants_csv(request: HttpRequest, slug: str) -> HttpResponse:
    event = selectors.event_for_manager(actor=request.user, slug=slug)
    rows = services.participants_export(actor=request.user, event=event)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheet programs read UTF-8
    csv.writer(buffer).writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="participants-{event.slug}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@allowed(EventPolicy, EventAction.MANAGE)
def decide(request: HttpRequest, slug: str, registration: int) -> HttpResponse:
    event = selectors.event_for_manager(actor=request.user, slug=slug)
    row = selectors.registration_for_manager(actor=request.user, event=event, registration_id=registration)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or decline."))
        return redirect(_participants_url(event))
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.registration_decide(actor=request.user, registration=row, approve=approve, reason=form.cleaned_data.get("reason") or "")
    except (ValidationError, DomainError) as error:
        _refused(request, error)
    else:
        messages.success(request, _("The registration is approved.") if approve else _("The registration is declined."))
    return redirect(_participants_url(event))


@require_POST
@allowed(EventPolicy, EventAction.MANAGE)
def attendance(request: HttpRequest, slug: str) -> HttpResponse:
    """The attendance form: one checkbox per approved registration (``attended`` lists the ticked ids)."""
    event = selectors.event_for_manager(actor=request.user, slug=slug)
    approved = [r.pk for r in selectors.participants_for(actor=request.user, event=event) if r.status == "approved"]
    ticked = set(request.POST.getlist("attended"))
    marks: dict[int, bool | None] = {pk: str(pk) in ticked for pk in approved}
    try:
        changed = services.attendance_record(actor=request.user, event=event, attended=marks)
    except (ValidationError, DomainError) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Attendance is recorded (%(count)s changed).") % {"count": changed})
    return redirect(_participants_url(event))


@require_POST
@allowed(EventPolicy, EventAction.MANAGE)
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    event = selectors.event_for_manager(actor=request.user, slug=slug)
    form = InviteForm(request.POST)
    user = selectors.active_user_by_username(form.cleaned_data["username"]) if form.is_valid() else None
    if user is None:
        messages.error(request, _("There is no active account with this username."))
        return redirect(_participants_url(event))
    try:
        services.registration_invite(actor=request.user, event=event, user=user)
    except (ValidationError, DomainError) as error:
        _refused(request, error)
    else:
        messages.success(request, _("%(name)s is registered and approved.") % {"name": user.get_username()})
    return redirect(_participants_url(event))


# --- Documents -------------------------------------------------------------------------------------------------


def _documents_page(request: HttpRequest, event: Event, **forms: Any) -> HttpResponse:
    context = {
        "event": event,
        "documents": selectors.document_rows(request.user, event, get_language() or "en", unpublished=True),
        "attach_form": forms.get("attach_form") or DocumentAttachForm(),
        "upload_form": forms.get("upload_form") or DocumentUploadForm(),
    }
    return render(request, "events/documents.html", context)


@require_http_methods(["GET", "POST"])
@allowed(EventPolicy, EventAction.MANAGE)
def documents(request: HttpRequest, slug: str) -> HttpResponse:
    """The event's documents; POST attaches a library resource named by its web address."""
    from carnet.library.models import Resource
    from carnet.library.policies import LibraryPolicy

    event = selectors.event_for_manager(actor=request.user, slug=slug)
    if request.method != "POST":
        return _documents_page(request, event)
    form = DocumentAttachForm(request.POST)
    if form.is_valid():
        resource = LibraryPolicy.visible(request.user, Resource.objects.filter(slug=form.cleaned_data["resource"].strip())).first()
        if resource is None:
            form.add_error("resource", _("There is no library resource you can see at this address."))
        else:
            try:
                services.document_attach(actor=request.user, event=event, resource=resource, kind=form.cleaned_data["kind"])
            except ValidationError as error:
                add_service_errors(form, error)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The document is attached."))
                return redirect("events:documents", slug=event.slug)
    return _documents_page(request, event, attach_form=form)


@require_POST
@allowed(EventPolicy, EventAction.MANAGE)
def document_upload(request: HttpRequest, slug: str) -> HttpResponse:
    event = selectors.event_for_manager(actor=request.user, slug=slug)
    form = DocumentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.document_upload(
                actor=request.user,
                event=event,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
                language=form.cleaned_data["language"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The document is filed in the library and attached."))
            return redirect("events:documents", slug=event.slug)
    return _documents_page(request, event, upload_form=form)


@require_POST
@allowed(EventPolicy, EventAction.MANAGE)
def document_detach(request: HttpRequest, slug: str, document: int) -> HttpResponse:
    event = selectors.event_for_manager(actor=request.user, slug=slug)
    row = selectors.document_for_manager(actor=request.user, event=event, document_id=document)
    if row is None:
        messages.error(request, _("This document is no longer attached."))
    else:
        try:
            services.document_detach(actor=request.user, document=row)
        except DomainError as error:
            _refused(request, error)
        else:
            messages.success(request, _("The document is no longer attached (it stays in the library)."))
    return redirect("events:documents", slug=event.slug)


urlpatterns: list[URLPattern] = [
    path("new/", event_new, name="new"),
    path("<slug:slug>/edit/", event_edit, name="edit"),
    path("<slug:slug>/publish/", event_publish, name="publish"),
    path("<slug:slug>/cancel/", event_cancel, name="cancel"),
    path("<slug:slug>/register/", register, name="register"),
    path("<slug:slug>/unregister/", unregister, name="unregister"),
    path("<slug:slug>/participants/", participants, name="participants"),
    path("<slug:slug>/participants.csv", participants_csv, name="participants_csv"),
    path("<slug:slug>/participants/<int:registration>/decide/", decide, name="decide"),
    path("<slug:slug>/attendance/", attendance, name="attendance"),
    path("<slug:slug>/invite/", invite, name="invite"),
    path("<slug:slug>/documents/", documents, name="documents"),
    path("<slug:slug>/documents/upload/", document_upload, name="document_upload"),
    path("<slug:slug>/documents/<int:document>/detach/", document_detach, name="document_detach"),
]
