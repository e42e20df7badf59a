"""Contact sharing pages: asking for a person's contacts, answering requests, one's own contacts and consents.

Each form posts to its own address and calls one service from
:mod:`carnet.directory.services_contacts`. Success redirects with a message; a refusal re-renders
the page with the message and changes nothing: 400 for invalid input, 409 for a step the request's
status does not allow (or a request that is already pending), 403 when the policy says no, 404 for
what the reader may not know about. Contact values come only from :mod:`carnet.directory.visibility`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from carnet.core.access import allowed
from carnet.core.forms import run_service
from carnet.directory import selectors as reads
from carnet.directory import services_contacts as contacts
from carnet.directory.models import ContactRequest, Person, Visibility
from carnet.directory.policies import DirectoryAction, DirectoryPolicy
from carnet.directory.selectors import person_get_for
from carnet.directory.visibility import card_for

BROWSE = allowed(DirectoryPolicy, DirectoryAction.BROWSE)


# --- Forms ------------------------------------------------------------------------------------------


class RequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need these contact details?"),
        max_length=contacts.REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The person and the national contact point of their country read this when they decide."),
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("decline", _("Decline"))])
    reason = forms.CharField(
        label=_("Reason (optional)"), required=False, max_length=contacts.DECLINE_REASON_MAX_CHARS, widget=forms.TextInput()
    )


class BackForm(forms.Form):
    back = forms.ChoiceField(choices=[("contact_requests", "contact_requests"), ("my_contacts", "my_contacts")], required=False)


class VisibilityForm(forms.Form):
    field = forms.ChoiceField(choices=[(name, label) for name, label in contacts.FIELD_LABELS.items()])
    visibility = forms.ChoiceField(choices=Visibility.choices)


class ConsentForm(forms.Form):
    contact_fields = forms.MultipleChoiceField(
        label=_("Contact fields"),
        choices=[(name, label) for name, label in contacts.FIELD_LABELS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    audience = forms.ChoiceField(
        label=_("Who may see them"),
        choices=[(Visibility.MEMBERS.value, Visibility.MEMBERS.label), (Visibility.PUBLIC.value, Visibility.PUBLIC.label)],
        widget=forms.RadioSelect,
    )
    valid_until = forms.DateField(
        label=_("Until (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a consent that lasts until you withdraw it."),
    )


def _attempt(form: forms.Form, act: Callable[[], Any], aliases: dict[str, str] | None = None) -> int | None:
    return run_service(form, act, aliases=aliases)


def _problems(form: forms.Form | None) -> list[str]:
    if form is None:
        return []
    return [str(error) for errors in form.errors.values() for error in errors]


# --- Asking ------------------------------------------------------------------------------------------


def _request_page(request: HttpRequest, person: Person, form: RequestForm, status: int = 200) -> HttpResponse:
    card = card_for(request.user, person)
    context = {
        "person": person,
        "hidden": [contacts.FIELD_LABELS[name] for name in card.hidden],
        "form": form,
        "problems": _problems(form) if form.is_bound else [],
    }
    return render(request, "directory/contacts/request_new.html", context, status=status)


@BROWSE
@require_http_methods(["GET", "HEAD", "POST"])
def contact_request_new(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """Ask to see a person's hidden contact details, saying why."""
    person = person_get_for(actor=request.user, person_id=person_id)
    if not DirectoryPolicy.can(request.user, DirectoryAction.REQUEST_CONTACT, person):
        raise PermissionDenied
    if request.method != "POST":
        return _request_page(request, person, RequestForm())
    form = RequestForm(request.POST)
    status = 400
    if form.is_valid():
        refused = _attempt(
            form, lambda: contacts.contact_request_create(actor=request.user, person=person, reason=form.cleaned_data["reason"])
        )
        if refused is None:
            messages.success(
                request,
                str(_("Your request was sent. %(person)s or the national contact point of their country will answer it."))
                % {"person": person.full_name},
            )
            return redirect("directory:contact_requests")
        status = refused
    return _request_page(request, person, form, status)


# --- The requests ------------------------------------------------------------------------------------


def _requests_page(request: HttpRequest, bound: tuple[uuid.UUID, forms.Form] | None = None, status: int = 200) -> HttpResponse:
    actor = request.user
    now = timezone.now()
    asked = [{"request": r, "active": reads.grant_active(r, now)} for r in reads.requests_asked_by(actor)]
    context = {
        "asked": asked,
        "to_decide": list(reads.requests_to_decide(actor)),
        "grants": list(reads.grants_to_manage(actor)),
        "refused_id": bound[0] if bound else None,
        "problems": _problems(bound[1]) if bound else [],
        "pending": ContactRequest.Status.PENDING,
        "decline_max": contacts.DECLINE_REASON_MAX_CHARS,
    }
    return render(request, "directory/contacts/requests.html", context, status=status)


@BROWSE
@require_safe
def contact_requests(request: HttpRequest) -> HttpResponse:
    """What I asked for (status, access until), and the requests I may answer (about me, or people of my NCP country)."""
    return _requests_page(request)


def _back(request: HttpRequest) -> str:
    form = BackForm(request.POST)
    target = form.cleaned_data.get("back") if form.is_valid() else ""
    return "directory:my_contacts" if target == "my_contacts" else "directory:contact_requests"


@BROWSE
@require_POST
def contact_request_decide(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """Approve or decline a pending request (the person, or the NCP of their country)."""
    asked = reads.request_for(actor=request.user, request_id=request_id)
    if not DirectoryPolicy.can(request.user, DirectoryAction.DECIDE_REQUEST, asked):
        raise PermissionDenied
    form = DecideForm(request.POST)
    status = 400
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        refused = _attempt(
            form,
            lambda: contacts.contact_request_decide(actor=request.user, request=asked, approve=approve, reason=form.cleaned_data["reason"]),
        )
        if refused is None:
            done = (
                _("Approved: %(requester)s can see the contact details of %(person)s for %(days)d days.")
                if approve
                else _("Declined: %(requester)s cannot see the contact details of %(person)s.")
            )
            params = {"requester": contacts.display_name(asked.requester), "person": asked.person.full_name, "days": contacts.grant_days()}
            messages.success(request, str(done) % params)
            return redirect(_back(request))
        status = refused
    return _requests_page(request, (asked.pk, form), status)


@BROWSE
@require_POST
def contact_request_withdraw(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """The requester takes back a request that has not been answered."""
    asked = reads.request_for(actor=request.user, request_id=request_id)
    if asked.requester_id != request.user.pk:
        raise PermissionDenied
    form = forms.Form(request.POST)
    refused = _attempt(form, lambda: contacts.contact_request_withdraw(actor=request.user, request=asked))
    if refused is None:
        messages.success(
            request, str(_("Your request for the contact details of %(person)s was withdrawn.")) % {"person": asked.person.full_name}
        )
        return redirect("directory:contact_requests")
    return _requests_page(request, (asked.pk, form), refused)


@BROWSE
@require_POST
def contact_grant_revoke(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """End an approved grant now (the person, or the NCP of their country)."""
    asked = reads.request_for(actor=request.user, request_id=request_id)
    if not DirectoryPolicy.can(request.user, DirectoryAction.DECIDE_REQUEST, asked):
        raise PermissionDenied
    form = forms.Form(request.POST)
    refused = _attempt(form, lambda: contacts.contact_grant_revoke(actor=request.user, request=asked))
    if refused is None:
        messages.success(
            request,
            str(_("%(requester)s can no longer see the contact details of %(person)s."))
            % {"requester": contacts.display_name(asked.requester), "person": asked.person.full_name},
        )
        return redirect(_back(request))
    if _back(request) == "directory:my_contacts":
        return _mine_page(request, bound=("grants", form), status=refused)
    return _requests_page(request, (asked.pk, form), refused)


# --- My contacts ----------------------------------------------------------------------------------------


VISIBILITY_EXPLANATIONS = {
    Visibility.PUBLIC: _("Anyone on the public site."),
    Visibility.MEMBERS: _("Anyone signed in to carnet as a network member."),
    Visibility.RESTRICTED: _(
        "Only national contact points, national coordinators, the task-force expert group "
        "and people you (or your national contact point) approve."
    ),
}


def _mine_page(request: HttpRequest, bound: tuple[str, forms.Form] | None = None, status: int = 200) -> HttpResponse:
    person = reads.own_person(request.user)
    if person is None:
        return render(request, "directory/contacts/mine.html", {"person": None}, status=status)
    card = card_for(request.user, person)
    allowed_now = contacts.allowed_visibilities(person)
    labels = dict(Visibility.choices)
    rows = []
    for name in Person.CONTACT_FIELDS:
        stored = getattr(person, f"{name}_visibility")
        rows.append(
            {
                "name": name,
                "label": contacts.FIELD_LABELS[name],
                "value": card.values()[name],
                "stored": stored,
                "stored_label": labels[stored],
                "options": [
                    {"value": v, "label": labels[v], "explanation": VISIBILITY_EXPLANATIONS[Visibility(v)]} for v in allowed_now[name]
                ],
                "widest": allowed_now[name][-1],
            }
        )
    today = timezone.localdate()
    consents = [
        {"consent": c, "current": reads.is_current(c, today), "fields": [contacts.FIELD_LABELS.get(f, f) for f in c.fields]}
        for c in person.consents.all()
    ]
    consent_form = bound[1] if bound and bound[0] == "consent" else ConsentForm()
    context = {
        "person": person,
        "rows": rows,
        "consents": consents,
        "consent_form": consent_form,
        "grants": list(reads.grants_to_manage(request.user).filter(person=person)),
        "problems": _problems(bound[1]) if bound else [],
        "refused": bound[0] if bound else "",
        "explanations": VISIBILITY_EXPLANATIONS,
    }
    return render(request, "directory/contacts/mine.html", context, status=status)


@BROWSE
@require_safe
def my_contacts(request: HttpRequest) -> HttpResponse:
    """My contact fields and who sees each, my consents, and who currently holds a grant to see my contacts."""
    return _mine_page(request)


def _own(request: HttpRequest) -> Person:
    person = reads.own_person(request.user)
    if person is None:
        raise Http404
    return person


@BROWSE
@require_POST
def my_visibility(request: HttpRequest) -> HttpResponse:
    """Set who sees one of my contact fields (wider than restricted only as far as my consent goes)."""
    person = _own(request)
    form = VisibilityForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        refused = _attempt(
            form, lambda: contacts.visibility_set(actor=request.user, person=person, field=data["field"], visibility=data["visibility"])
        )
        if refused is None:
            messages.success(
                request,
                str(_("%(field)s is now shown to %(audience)s."))
                % {"field": contacts.FIELD_LABELS[data["field"]], "audience": contacts.AUDIENCE_PHRASES[data["visibility"]]},
            )
            return redirect("directory:my_contacts")
        status = refused
    return _mine_page(request, bound=("visibility", form), status=status)


@BROWSE
@require_POST
def my_consent_new(request: HttpRequest) -> HttpResponse:
    """Give consent to show some of my contact fields more widely."""
    person = _own(request)
    form = ConsentForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        refused = _attempt(
            form,
            lambda: contacts.consent_record(
                actor=request.user,
                person=person,
                fields=data["contact_fields"],
                audience=data["audience"],
                given_on=timezone.localdate(),
                valid_until=data["valid_until"],
            ),
            {"fields": "contact_fields"},
        )
        if refused is None:
            messages.success(request, str(_("Your consent was recorded. You can now choose a wider visibility for these fields.")))
            return redirect("directory:my_contacts")
        status = refused
    return _mine_page(request, bound=("consent", form), status=status)


@BROWSE
@require_POST
def my_consent_withdraw(request: HttpRequest, consent_id: int) -> HttpResponse:
    """Withdraw one of my consents; what it no longer covers is narrowed at once."""
    consent = reads.consent_for(actor=request.user, consent_id=consent_id)
    form = forms.Form(request.POST)
    results: list[contacts.Withdrawal] = []
    refused = _attempt(form, lambda: results.append(contacts.consent_withdraw(actor=request.user, consent=consent)))
    if refused is None:
        messages.success(request, results[0].message())
        return redirect("directory:my_contacts")
    return _mine_page(request, bound=("withdraw", form), status=refused)


urlpatterns: list[URLPattern] = [
    path("people/<uuid:person_id>/contact-request/", contact_request_new, name="contact_request_new"),
    path("contact-requests/", contact_requests, name="contact_requests"),
    path("contact-requests/<uuid:request_id>/decide/", contact_request_decide, name="contact_request_decide"),
    path("contact-requests/<uuid:request_id>/withdraw/", contact_request_withdraw, name="contact_request_withdraw"),
    path("contact-requests/<uuid:request_id>/revoke/", contact_grant_revoke, name="contact_grant_revoke"),
    path("me/contacts/", my_contacts, name="my_contacts"),
    path("me/contacts/visibility/", my_visibility, name="my_visibility"),
    path("me/contacts/consents/", my_consent_new, name="my_consent_new"),
    path("me/contacts/consents/<int:consent_id>/withdraw/", my_consent_withdraw, name="my_consent_withdraw"),
]
