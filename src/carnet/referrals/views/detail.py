"""The referral's own page: what it is, what was shared, its timeline and thread, and the steps the reader may take.

Both sides read the same page. The child's data comes only from the delivered message
(``shared_subject_for``), so the receiving side sees exactly the disclosure profile. Each step
is a POST to its own address that calls one service: success redirects back with a message; a
refusal (invalid input 400, a step the status does not allow 409, a rule of referrals 422)
re-renders the page with the message and changes nothing. Forms are shown only to those the
policy allows, in the statuses that allow them; the services check both again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from carnet.cases.models import Case
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.core.access import signed_in
from carnet.core.errors import Conflict
from carnet.core.pdf import inline_stylesheet, render_pdf
from carnet.referrals.forms import (
    AcceptForm,
    AnswerForm,
    AssignForm,
    CompleteForm,
    EmptyForm,
    FollowUpForm,
    MessageForm,
    QuestionForm,
    ReasonForm,
    receiving_staff,
)
from carnet.referrals.models import AWAITING_ANSWER, CLOSED, Referral, Side, Status
from carnet.referrals.policies import ReferralAction, ReferralPolicy, side_of
from carnet.referrals.presenting import label, profile_view, subject_view
from carnet.referrals.printing import referral_print_for
from carnet.referrals.profiles import DocumentKind, Purpose
from carnet.referrals.selectors import (
    attachment_for,
    covering_note_for,
    follow_ups_for,
    referral_get_for,
    shared_subject_for,
    thread_for,
    timeline_for,
)
from carnet.referrals.services import (
    Upload,
    follow_up_report,
    note_post,
    referral_accept,
    referral_acknowledge,
    referral_assign,
    referral_complete,
    referral_decline,
    referral_provide_information,
    referral_request_approval,
    referral_request_information,
    referral_send,
    referral_start,
    referral_withdraw,
)
from carnet.referrals.views.common import attempt, is_overdue

TEMPLATE = "referrals/detail.html"
PRINT_CSS = "cases/exports/print.css"  # the same print stylesheet as the printable case file


# --- The steps ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    make_form: Callable[..., forms.Form]  # (data, files, referral=...) -> form
    run: Callable[[Any, Referral, dict[str, Any]], Any]  # (actor, referral, cleaned data) -> the service's result
    done: Promise  # the success message: %(reference)s, %(to)s, %(from)s, %(case)s, %(user)s
    precheck: ReferralAction | None = None  # a permission that does not depend on the status: refused before the form
    anchor: str = ""


def _plain(form_class: type[forms.Form]) -> Callable[..., forms.Form]:
    def make(data: Any = None, files: Any = None, *, referral: Referral, key: str) -> forms.Form:
        return form_class(data, files, auto_id=f"id_{key}_%s")

    return make


def _with_staff(form_class: type[AcceptForm] | type[AssignForm]) -> Callable[..., forms.Form]:
    def make(data: Any = None, files: Any = None, *, referral: Referral, key: str) -> forms.Form:
        return form_class(data, files, staff=receiving_staff(referral), auto_id=f"id_{key}_%s")

    return make


def _message_form(data: Any = None, files: Any = None, *, referral: Referral, key: str) -> forms.Form:
    return MessageForm(data, files, profile=referral.profile, auto_id=f"id_{key}_%s")


def _uploads(data: dict[str, Any]) -> list[Upload]:
    upload = data.get("file")
    if not upload:
        return []
    return [Upload(kind=data["kind"], filename=upload.name or "", content=upload.read())]


STEPS: dict[str, Step] = {
    "send": Step(
        _plain(EmptyForm),
        lambda actor, referral, data: referral_send(actor=actor, referral=referral),
        _("Referral %(reference)s was sent to the national contact point of %(to)s."),
    ),
    "request_approval": Step(
        _plain(EmptyForm),
        lambda actor, referral, data: referral_request_approval(actor=actor, referral=referral),
        _("The national contact point has been asked to approve and send referral %(reference)s."),
    ),
    "acknowledge": Step(
        _plain(EmptyForm),
        lambda actor, referral, data: referral_acknowledge(actor=actor, referral=referral),
        _("Referral %(reference)s acknowledged. %(from)s sees it on the timeline."),
        ReferralAction.ANSWER,
    ),
    "request_information": Step(
        _plain(QuestionForm),
        lambda actor, referral, data: referral_request_information(actor=actor, referral=referral, question=data["question"]),
        _("Your question on referral %(reference)s was sent to %(from)s."),
        ReferralAction.ANSWER,
    ),
    "provide_information": Step(
        _plain(AnswerForm),
        lambda actor, referral, data: referral_provide_information(actor=actor, referral=referral, answer=data["answer"]),
        _("The information was sent to %(to)s."),
        ReferralAction.PROVIDE,
    ),
    "accept": Step(
        _with_staff(AcceptForm),
        lambda actor, referral, data: referral_accept(
            actor=actor, referral=referral, assign_to=data["assign_to"], existing_case=data["existing_case"].strip()
        ),
        _("Referral %(reference)s accepted. The child's case in your country is %(case)s."),
        ReferralAction.ANSWER,
    ),
    "decline": Step(
        _plain(ReasonForm),
        lambda actor, referral, data: referral_decline(actor=actor, referral=referral, reason=data["reason"]),
        _("Referral %(reference)s declined. %(from)s sees your reason."),
        ReferralAction.ANSWER,
    ),
    "assign": Step(
        _with_staff(AssignForm),
        lambda actor, referral, data: referral_assign(actor=actor, referral=referral, username=data["username"]),
        _("Referral %(reference)s assigned to %(user)s."),
        ReferralAction.ANSWER,
    ),
    "start": Step(
        _plain(EmptyForm),
        lambda actor, referral, data: referral_start(actor=actor, referral=referral),
        _("Work on referral %(reference)s has started."),
        ReferralAction.WORK,
    ),
    "complete": Step(
        _plain(CompleteForm),
        lambda actor, referral, data: referral_complete(actor=actor, referral=referral, outcome=data["outcome"], note=data["note"]),
        _("Referral %(reference)s completed. %(from)s sees the outcome."),
        ReferralAction.WORK,
    ),
    "withdraw": Step(
        _plain(ReasonForm),
        lambda actor, referral, data: referral_withdraw(actor=actor, referral=referral, reason=data["reason"]),
        _("Referral %(reference)s withdrawn."),
    ),
    "note_post": Step(
        _message_form,
        lambda actor, referral, data: note_post(actor=actor, referral=referral, body=data["body"], uploads=_uploads(data)),
        _("Your message on referral %(reference)s was sent."),
        ReferralAction.MESSAGE,
        anchor="thread-heading",
    ),
    "follow_up": Step(
        _plain(FollowUpForm),
        lambda actor, referral, data: follow_up_report(
            actor=actor, referral=referral, visited_on=data["visited_on"], result=data["result"], planned_on=data["planned_on"]
        ),
        _("The follow-up visit was reported to %(from)s."),
        ReferralAction.WORK,
        anchor="follow-ups-heading",
    ),
}


def _may(request: HttpRequest, referral: Referral, side: Side | None) -> dict[str, bool]:
    """Which steps this reader is offered now (the policy and the referral's status both allow them)."""
    user = request.user
    status = referral.status

    def can(action: ReferralAction) -> bool:
        return ReferralPolicy.can(user, action, referral)

    answer = side == Side.RECEIVER and can(ReferralAction.ANSWER)
    work = side == Side.RECEIVER and can(ReferralAction.WORK)
    send = can(ReferralAction.SEND)
    return {
        "send": send,
        "request_approval": status == Status.DRAFT
        and side == Side.SENDER
        and referral.created_by_id == user.pk
        and not send
        and referral.approval_requested_at is None,
        "acknowledge": answer and status == Status.SENT,
        "request_information": answer and status in (Status.SENT, Status.ACKNOWLEDGED),
        "accept": answer and status in (Status.SENT, Status.ACKNOWLEDGED),
        "decline": answer and status in AWAITING_ANSWER,
        "assign": answer and (status in AWAITING_ANSWER or status in (Status.ACCEPTED, Status.IN_PROGRESS)),
        "provide_information": status == Status.INFO_REQUESTED and can(ReferralAction.PROVIDE),
        "start": work and status == Status.ACCEPTED,
        "complete": work and status in (Status.ACCEPTED, Status.IN_PROGRESS),
        "withdraw": can(ReferralAction.WITHDRAW),
        "note_post": status not in CLOSED and can(ReferralAction.MESSAGE),
        "follow_up": work
        and referral.purpose == Purpose.RETURN_PREPARATION
        and status in (Status.ACCEPTED, Status.IN_PROGRESS, Status.COMPLETED),
    }


def _case_link(request: HttpRequest, case: Case | None) -> Case | None:
    return case if case is not None and CasePolicy.can(request.user, CaseAction.VIEW, case) else None


def _page_context(request: HttpRequest, referral: Referral, bound: dict[str, forms.Form] | None = None) -> dict[str, Any]:
    side = side_of(request.user, referral)
    message = shared_subject_for(actor=request.user, referral=referral)
    may = _may(request, referral, side)
    step_forms = {key: STEPS[key].make_form(referral=referral, key=key) for key, allowed in may.items() if allowed}
    step_forms.update(bound or {})
    problems = [str(error) for form in (bound or {}).values() for errors in form.errors.values() for error in errors]
    return {
        "referral": referral,
        "side": side,
        "sender_side": side == Side.SENDER,
        "message": message,
        "subject": subject_view(message.subject) if message is not None else None,
        "profile": profile_view(referral.profile),
        "overdue": is_overdue(referral),
        "covering_note": covering_note_for(actor=request.user, referral=referral),
        "timeline": timeline_for(actor=request.user, referral=referral),
        "thread": [
            {"note": e.note, "body": e.body, "files": [{"attachment": a, "kind": label(DocumentKind, a.kind)} for a in e.attachments]}
            for e in thread_for(actor=request.user, referral=referral)
        ],
        "follow_ups": follow_ups_for(actor=request.user, referral=referral),
        "is_return": referral.purpose == Purpose.RETURN_PREPARATION,
        "source_case": _case_link(request, referral.source_case) if side == Side.SENDER else None,
        "receiving_case": _case_link(request, referral.receiving_case) if side == Side.RECEIVER else None,
        "may": may,
        "forms": step_forms,
        "problems": problems,
        "send_is_approval": may["send"] and referral.created_by_id != request.user.pk,
    }


@signed_in
@require_safe
def detail(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    referral = referral_get_for(actor=request.user, ref=referral_id)
    return render(request, TEMPLATE, _page_context(request, referral))


def _params(referral: Referral, result: Any, data: dict[str, Any]) -> dict[str, str]:
    receiving_case = getattr(result, "receiving_case", None) if isinstance(result, Referral) else None
    return {
        "reference": referral.reference,
        "to": str(referral.to_country),
        "from": str(referral.from_country),
        "case": receiving_case.number if receiving_case is not None else "",
        "user": str(data.get("username", "")),
    }


def _take(request: HttpRequest, referral_id: uuid.UUID, key: str) -> HttpResponse:
    """Take one step: the services check the permission and the status under a row lock and audit the step."""
    step = STEPS[key]
    referral = referral_get_for(actor=request.user, ref=referral_id, purpose=f"referral: {key}", audit=False)
    if step.precheck is not None and not ReferralPolicy.can(request.user, step.precheck, referral):
        raise PermissionDenied
    form = step.make_form(request.POST, request.FILES, referral=referral, key=key)
    status = 400
    if form.is_valid():
        results: list[Any] = []
        refused = attempt(form, lambda: results.append(step.run(request.user, referral, form.cleaned_data)))
        if refused is None:
            messages.success(request, str(step.done) % _params(referral, results[0], form.cleaned_data))
            url = reverse("referrals:detail", args=[referral.pk])
            return redirect(f"{url}#{step.anchor}" if step.anchor else url)
        status = refused
    # Nothing changed: the page as it is now, with the refused form and its message.
    referral = referral_get_for(actor=request.user, ref=referral.pk, audit=False)
    return render(request, TEMPLATE, _page_context(request, referral, bound={key: form}), status=status)


@signed_in
@require_POST
def send(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    """Send a draft, or approve and send a caseworker's draft (the sending country's NCP)."""
    return _take(request, referral_id, "send")


@signed_in
@require_POST
def request_approval(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    """Ask the sending country's NCP to approve and send one's own draft."""
    return _take(request, referral_id, "request_approval")


@signed_in
@require_POST
def acknowledge(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    return _take(request, referral_id, "acknowledge")


@signed_in
@require_POST
def request_information(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    return _take(request, referral_id, "request_information")


@signed_in
@require_POST
def provide_information(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    return _take(request, referral_id, "provide_information")


@signed_in
@require_POST
def accept(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    return _take(request, referral_id, "accept")


@signed_in
@require_POST
def decline(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    return _take(request, referral_id, "decline")


@signed_in
@require_POST
def assign(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    return _take(request, referral_id, "assign")


@signed_in
@require_POST
def start(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    return _take(request, referral_id, "start")


@signed_in
@require_POST
def complete(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    return _take(request, referral_id, "complete")


@signed_in
@require_POST
def withdraw(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    return _take(request, referral_id, "withdraw")


@signed_in
@require_POST
def message_post(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    return _take(request, referral_id, "note_post")


@signed_in
@require_POST
def follow_up(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    return _take(request, referral_id, "follow_up")


# --- Downloads -----------------------------------------------------------------------------------


@signed_in
@require_safe
def attachment(request: HttpRequest, referral_id: uuid.UUID, attachment_id: uuid.UUID) -> HttpResponse:
    """An attachment of the thread, for either side: saved by the browser, never rendered or sniffed; audited."""
    referral = referral_get_for(actor=request.user, ref=referral_id, purpose="download an attachment", audit=False)
    try:
        found, content = attachment_for(actor=request.user, referral=referral, attachment_id=attachment_id)
    except Conflict as damaged:  # the stored file is not the one that was sent: say so, never hand it out
        messages.error(request, damaged.message)
        return redirect("referrals:detail", referral.pk)
    media_type = found.content_type or "application/octet-stream"
    response = HttpResponse(content, content_type=f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=found.filename) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Length"] = str(len(content))
    response["Cache-Control"] = "no-store"
    return response


def _print_stylesheet() -> tuple[str, str]:
    return inline_stylesheet(PRINT_CSS)


@signed_in
@require_safe
def pdf(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    """The referral as a PDF (``?format=html``: the same document as a page), watermarked and audited as an export."""
    referral = referral_get_for(actor=request.user, ref=referral_id, purpose="print referral", audit=False)
    printout = referral_print_for(actor=request.user, referral=referral)
    css, css_hash = _print_stylesheet()
    context = {
        "printout": printout,
        "referral": referral,
        "sender_side": printout.side == Side.SENDER,
        "message": printout.message,
        "subject": subject_view(printout.message.subject) if printout.message is not None else None,
        "profile": profile_view(referral.profile),
        "timeline": printout.timeline,
        "overdue": is_overdue(referral),
        "print_css": css,
    }
    if request.GET.get("format") == "html":
        response = render(request, "referrals/print.html", context)
        response._csp_update = {"style-src": [css_hash]}  # type: ignore[attr-defined]  # read by django-csp's middleware
        return response
    html = render_to_string("referrals/print.html", context, request=request)
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=f"{referral.reference}.pdf") or "attachment"
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("<uuid:referral_id>/", detail, name="detail"),
    path("<uuid:referral_id>/send/", send, name="send"),
    path("<uuid:referral_id>/request-approval/", request_approval, name="request_approval"),
    path("<uuid:referral_id>/acknowledge/", acknowledge, name="acknowledge"),
    path("<uuid:referral_id>/request-information/", request_information, name="request_information"),
    path("<uuid:referral_id>/provide-information/", provide_information, name="provide_information"),
    path("<uuid:referral_id>/accept/", accept, name="accept"),
    path("<uuid:referral_id>/decline/", decline, name="decline"),
    path("<uuid:referral_id>/assign/", assign, name="assign"),
    path("<uuid:referral_id>/start/", start, name="start"),
    path("<uuid:referral_id>/complete/", complete, name="complete"),
    path("<uuid:referral_id>/withdraw/", withdraw, name="withdraw"),
    path("<uuid:referral_id>/messages/", message_post, name="note_post"),
    path("<uuid:referral_id>/follow-ups/", follow_up, name="follow_up"),
    path("<uuid:referral_id>/attachments/<uuid:attachment_id>/", attachment, name="attachment"),
    path("<uuid:referral_id>/pdf/", pdf, name="pdf"),
]
