"""The child's own pages: a reading on a one-time link (or a code typed on a phone), nothing else.

No account, no navigation, no case number, no name, no other reading: the pages extend a
minimal base with the skip link, landmarks and the language switch only. The child can stop
at any time (just close the page) and come back on the same link until it expires; once the
reading is finished the link no longer opens anything. Pages are never cached and send no
referrer, so the secret in the address stays between the child and carnet.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.views.decorators.http import require_http_methods, require_safe

from carnet.assessments.forms import AnswerForm, CodeForm, DomainText, instrument_content
from carnet.assessments.models import Answer, Reading, Respondent
from carnet.assessments.services_link import (
    LinkRefused,
    TooManyAttempts,
    child_answer,
    child_finish,
    code_resolve,
    link_expires_at,
    link_resolve,
    secret_for_code,
)
from carnet.assessments.views.readings import answer_rows
from carnet.audit.context import client_ip
from carnet.core.access import public
from carnet.core.errors import DomainError


def _private(response: HttpResponse) -> HttpResponse:
    """The child's pages: never cached, never indexed, no referrer outside carnet (the address holds the secret)."""
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    # same-origin, not no-referrer: the secret in the URL never leaves carnet, and Chromium then still sends
    # a real Origin with the forms (no-referrer makes it "null", which CSRF protection rightly refuses).
    response["Referrer-Policy"] = "same-origin"
    return response


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return _private(render(request, template, context, status=status))


def _refusal(request: HttpRequest, refusal: LinkRefused) -> HttpResponse:
    return _page(request, "assessments/child/refused.html", {"message": refusal.message}, status=refusal.status)


def _content(reading: Reading) -> list[DomainText]:
    """The statements in the language the child is reading the page in (the link opens in the reading's own)."""
    return instrument_content(reading.version, translation.get_language() or reading.language)


def _child_answers(reading: Reading) -> dict[int, Answer]:
    return {a.domain_id: a for a in Answer.objects.filter(reading=reading, respondent=Respondent.CHILD)}


def _step_url(secret: str, step: int) -> str:
    return reverse("assessments:child_step", args=[secret, step])


@public
@require_safe
def child_start(request: HttpRequest, secret: str) -> HttpResponse:
    try:
        reading = link_resolve(secret, audit=True)
    except LinkRefused as refusal:
        return _refusal(request, refusal)
    domains = _content(reading)
    answers = _child_answers(reading)
    first_open = next((i for i, d in enumerate(domains, start=1) if d.id not in answers), 1)
    context = {
        "total": len(domains),
        "answered": len(answers),
        "expires_at": link_expires_at(reading),
        "start_url": _step_url(secret, first_open),
        "review_url": reverse("assessments:child_review", args=[secret]),
    }
    return _page(request, "assessments/child/start.html", context)


@public
@require_http_methods(["GET", "HEAD", "POST"])
def child_step(request: HttpRequest, secret: str, step: int) -> HttpResponse:
    try:
        reading = link_resolve(secret)
    except LinkRefused as refusal:
        return _refusal(request, refusal)
    domains = _content(reading)
    if not 1 <= step <= len(domains):
        return redirect("assessments:child_start", secret)
    domain = domains[step - 1]
    status = 200
    if request.method == "POST":
        form = AnswerForm(request.POST, domain=domain)
        status = 400
        if form.is_valid():
            chosen = form.chosen()
            try:
                if chosen is not None:
                    child_answer(secret=secret, answer=chosen)
            except LinkRefused as refusal:
                return _refusal(request, refusal)
            except DomainError as error:
                form.add_error(None, error.message)
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                go = request.POST.get("go", "next")
                if go == "back":
                    return redirect(_step_url(secret, max(1, step - 1)))
                if go == "review" or step >= len(domains):
                    return redirect("assessments:child_review", secret)
                return redirect(_step_url(secret, step + 1))
    else:
        answer = _child_answers(reading).get(domain.id)
        initial = {}
        if answer is not None:
            initial = {"answer": "declined" if answer.declined else str(answer.level_id), "wished": str(answer.wished_level_id or "")}
        form = AnswerForm(initial=initial, domain=domain)
    context = {
        "domain": domain,
        "form": form,
        "step": step,
        "total": len(domains),
        "previous_url": _step_url(secret, step - 1) if step > 1 else None,
        "last": step == len(domains),
        "action": _step_url(secret, step),
    }
    return _page(request, "assessments/child/step.html", context, status=status)


def _review(request: HttpRequest, secret: str, reading: Reading, status: int = 200, error: str = "") -> HttpResponse:
    _columns, rows = answer_rows(reading, _content(reading), respondents=[Respondent.CHILD])
    for row in rows:
        row["url"] = _step_url(secret, row["step"])
    context = {
        "rows": rows,
        "missing": [row for row in rows if not row["answered"]],
        "error": error,
        "action": reverse("assessments:child_review", args=[secret]),
        "expires_at": link_expires_at(reading),
    }
    return _page(request, "assessments/child/review.html", context, status=status)


@public
@require_http_methods(["GET", "HEAD", "POST"])
def child_review(request: HttpRequest, secret: str) -> HttpResponse:
    """My answers on one page; finishing makes the reading count and closes the link."""
    try:
        reading = link_resolve(secret)
    except LinkRefused as refusal:
        return _refusal(request, refusal)
    if request.method != "POST":
        return _review(request, secret, reading)
    try:
        child_finish(secret=secret)
    except LinkRefused as refusal:
        return _refusal(request, refusal)
    except DomainError as error:
        return _review(request, secret, reading, status=400, error=error.message)
    return redirect("assessments:child_thanks")


@public
@require_safe
def child_thanks(request: HttpRequest) -> HttpResponse:
    return _page(request, "assessments/child/thanks.html", {})


@public
@require_http_methods(["GET", "HEAD", "POST"])
def child_code(request: HttpRequest) -> HttpResponse:
    """Type the code a worker read out; it leads to the same page as the link. Ten wrong codes per 15 minutes per address."""
    if request.method != "POST":
        return _page(request, "assessments/child/code.html", {"form": CodeForm()})
    form = CodeForm(request.POST)
    status = 400
    if form.is_valid():
        code = form.cleaned_data["code"]
        try:
            code_resolve(code, client=client_ip(request))
        except TooManyAttempts as error:
            form.add_error(None, error.message)
            status = error.status
        except LinkRefused as refusal:
            form.add_error("code", refusal.message)
        else:
            return redirect("assessments:child_start", secret_for_code(code))
    return _page(request, "assessments/child/code.html", {"form": form}, status=status)


urlpatterns = [
    path("code/", child_code, name="child_code"),
    path("r/thanks/", child_thanks, name="child_thanks"),
    path("r/<str:secret>/", child_start, name="child_start"),
    path("r/<str:secret>/finish/", child_review, name="child_review"),
    path("r/<str:secret>/<int:step>/", child_step, name="child_step"),
]
