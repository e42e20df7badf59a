"""Taking a reading with a worker: the case's readings, starting one, one domain per screen, the summary, finishing.

Everything works without JavaScript: each screen is a form that saves its answer and moves
on (POST, then redirect). A reading stays a draft until it is finished; the worker may record
the child's and their own view of the same domain, and the summary shows them side by side.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from carnet.accounts.models import User
from carnet.assessments.forms import AnswerForm, DomainText, StartReadingForm, instrument_content, language_choices
from carnet.assessments.models import Answer, InstrumentVersion, Reading, ReadingLink, ReadingMode, ReadingStatus, Respondent, VersionStatus
from carnet.assessments.policies import AssessmentAction, AssessmentPolicy
from carnet.assessments.selectors import chart_context
from carnet.assessments.services import published_version, reading_start
from carnet.assessments.services_link import IssuedLink, answers_record, format_code, link_issue, reading_finish, secret_for_code
from carnet.cases.models import Case
from carnet.cases.policies import CasePolicy
from carnet.cases.selectors import case_get_for
from carnet.cases.views.common import render_case, run_on_form
from carnet.core.access import signed_in
from carnet.core.errors import DomainError

RESPONDENT_ORDER = [Respondent.CHILD, Respondent.WORKER, Respondent.TOGETHER]
SESSION_LINK = "assessments.link.{reading}"


def reading_get_for(*, actor: Any, reading_id: uuid.UUID, purpose: str) -> Reading:
    """A reading of a case the actor may see (else 404, like the case itself); opening it is audited as the case's."""
    visible = CasePolicy.visible(actor, Case.objects.all())
    case_id = Reading.objects.filter(pk=reading_id, case__in=visible).values_list("case_id", flat=True).first()
    if case_id is None:
        raise Http404
    case = case_get_for(actor=actor, case_ref=case_id, purpose=purpose)
    reading = Reading.objects.select_related("version__instrument").get(pk=reading_id, case=case)
    reading.case = case
    return reading


def _require_take(request: HttpRequest, case: Case) -> None:
    if not AssessmentPolicy.can(request.user, AssessmentAction.TAKE_READING, case):
        raise PermissionDenied


def answer_rows(
    reading: Reading, domains: list[DomainText], respondents: list[str] | None = None
) -> tuple[list[str], list[dict[str, Any]]]:
    """The reading as a table: a row per domain, a cell per respondent who answered (side by side when they differ)."""
    answers = list(Answer.objects.filter(reading=reading))
    present = {a.respondent for a in answers}
    columns = [r for r in RESPONDENT_ORDER if r in present and (respondents is None or r in respondents)]
    by_key = {(a.domain_id, a.respondent): a for a in answers}
    labels = {value: str(label) for value, label in Respondent.choices}
    rows: list[dict[str, Any]] = []
    for step, domain in enumerate(domains, start=1):
        cells: list[dict[str, Any]] = []
        for respondent in columns:
            answer = by_key.get((domain.id, respondent))
            cells.append(
                {
                    "respondent": respondent,
                    "label": labels[respondent],
                    "answer": answer,
                    "level": domain.level(answer.level_id) if answer else None,
                    "wished": domain.level(answer.wished_level_id) if answer else None,
                }
            )
        answered = any(cell["answer"] for cell in cells)
        levels = {cell["level"].id for cell in cells if cell["level"]}
        rows.append({"step": step, "domain": domain, "cells": cells, "answered": answered, "differ": len(levels) > 1})
    return [labels[c] for c in columns], rows


# --- the case's readings -------------------------------------------------------------------------------------------


def _readings_context(request: HttpRequest, case: Case, start_form: StartReadingForm | None = None) -> dict[str, Any]:
    readings = list(
        Reading.objects.filter(case=case)
        .exclude(status=ReadingStatus.CANCELLED)
        .select_related("version__instrument", "started_by")
        .prefetch_related("answers")
    )
    links = {link.reading_id: link for link in ReadingLink.objects.filter(reading__in=readings)}
    labels = {value: str(label) for value, label in Respondent.choices}
    now = timezone.now()
    rows: list[dict[str, Any]] = []
    for reading in readings:
        present = {answer.respondent for answer in reading.answers.all()}
        link = links.get(reading.pk)
        rows.append(
            {
                "reading": reading,
                "respondents": [labels[r] for r in RESPONDENT_ORDER if r in present],
                "link": link,
                "link_expired": bool(link and link.expires_at <= now),
            }
        )
    can_take = AssessmentPolicy.can(request.user, AssessmentAction.TAKE_READING, case)
    return {
        **chart_context(request.user, case),
        "rows": rows,
        "drafts": [row for row in rows if row["reading"].status == ReadingStatus.DRAFT],
        "complete": [row for row in rows if row["reading"].status == ReadingStatus.COMPLETE],
        "can_take": can_take,
        "start_form": start_form or (StartReadingForm(initial={"language": translation.get_language()}) if can_take else None),
        "published_versions": InstrumentVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("instrument"),
        "languages": language_choices(),
    }


def _render_readings(request: HttpRequest, case: Case, form: StartReadingForm | None = None, status: int = 200) -> HttpResponse:
    context = _readings_context(request, case, form)
    return render_case(request, case, "assessments/case_readings.html", "readings", context, status=status)


@signed_in
@require_safe
def case_readings(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="self-assessment")
    if not AssessmentPolicy.can(request.user, AssessmentAction.VIEW_READINGS, case):
        raise PermissionDenied
    return _render_readings(request, case)


def _keep_link(request: HttpRequest, reading: Reading, issued: IssuedLink) -> None:
    """The secret is never stored: it is shown once, on the page the worker is sent to next."""
    request.session[SESSION_LINK.format(reading=reading.pk)] = {"code": issued.code, "expires_at": issued.expires_at.isoformat()}


@signed_in
@require_POST
def start(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = case_get_for(actor=request.user, case_ref=case_id, purpose="self-assessment: start a reading")
    _require_take(request, case)
    form = StartReadingForm(request.POST)
    if not form.is_valid():
        return _render_readings(request, case, form, status=400)
    data = form.cleaned_data
    if data["mode"] == ReadingMode.PAPER:
        query = {"version": data["version"].pk, "language": data["language"]}
        if data["taken_on"]:
            query["taken_on"] = data["taken_on"].isoformat()
        return redirect(reverse("assessments:paper_entry", args=[case.pk]) + "?" + urlencode(query))
    started: list[Reading] = []

    def act() -> None:
        reading = reading_start(
            actor=request.user,
            case=case,
            version=published_version(data["version"].pk),
            mode=data["mode"],
            language=data["language"],
            taken_on=data["taken_on"],
        )
        started.append(reading)
        if reading.mode == ReadingMode.CHILD_ALONE:
            _keep_link(request, reading, link_issue(actor=request.user, reading=reading))

    refused = run_on_form(form, act)
    if refused is not None:
        return _render_readings(request, case, form, status=refused)
    reading = started[0]
    if reading.mode == ReadingMode.CHILD_ALONE:
        return redirect("assessments:reading_link", reading.pk)
    return redirect("assessments:reading_step", reading.pk, 1)


# --- handing over a link ------------------------------------------------------------------------------------------------


def child_link_path(reading: Reading, secret: str) -> str:
    """The path of the child's link, in the reading's language."""
    with translation.override(reading.language):
        return reverse("assessments:child_start", args=[secret])


def code_page_path(reading: Reading) -> str:
    with translation.override(reading.language):
        return reverse("assessments:child_code")


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def hand_over(request: HttpRequest, reading_id: uuid.UUID) -> HttpResponse:
    """GET: the link and code just issued, shown once. POST: issue a new one (the old one stops working)."""
    reading = reading_get_for(actor=request.user, reading_id=reading_id, purpose="self-assessment: child's link")
    _require_take(request, reading.case)
    if request.method == "POST":
        if reading.status != ReadingStatus.DRAFT:
            messages.error(request, _("This reading is already finished: it cannot be handed to the child."))
            return redirect("assessments:reading_summary", reading.pk)
        _keep_link(request, reading, link_issue(actor=request.user, reading=reading))
        return redirect("assessments:reading_link", reading.pk)
    shown = request.session.pop(SESSION_LINK.format(reading=reading.pk), None)
    context: dict[str, Any] = {"reading": reading}
    if shown and reading.status == ReadingStatus.DRAFT:
        context.update(
            url=request.build_absolute_uri(child_link_path(reading, secret_for_code(shown["code"]))),
            code=format_code(shown["code"]),
            code_url=request.build_absolute_uri(code_page_path(reading)),
            expires_at=cast(datetime, parse_datetime(shown["expires_at"])),
        )
    return render_case(request, reading.case, "assessments/take/link.html", "readings", context)


# --- one domain per screen ------------------------------------------------------------------------------------------


def _respondent(value: str | None) -> str:
    return value if value in Respondent.values else Respondent.TOGETHER


def _step_context(reading: Reading, domains: list[DomainText], step: int, form: AnswerForm, respondent: str) -> dict[str, Any]:
    domain = domains[step - 1]
    answers = {a.respondent: a for a in Answer.objects.filter(reading=reading, domain_id=domain.id)}
    labels = dict(Respondent.choices)
    recorded = [
        {
            "respondent": r,
            "label": labels[r],
            "answer": answers[r],
            "level": domain.level(answers[r].level_id),
            "wished": domain.level(answers[r].wished_level_id),
            "current": r == respondent,
        }
        for r in RESPONDENT_ORDER
        if r in answers
    ]
    answered = Answer.objects.filter(reading=reading).values("domain_id").distinct().count()
    return {
        "reading": reading,
        "domain": domain,
        "form": form,
        "step": step,
        "total": len(domains),
        "answered": answered,
        "recorded": recorded,
        "respondent": respondent,
        "respondent_label": labels[respondent],
        "previous": step - 1 if step > 1 else None,
        "next": step + 1 if step < len(domains) else None,
    }


def _initial(reading: Reading, domain: DomainText, respondent: str) -> dict[str, Any]:
    answer = Answer.objects.filter(reading=reading, domain_id=domain.id, respondent=respondent).first()
    initial: dict[str, Any] = {"respondent": respondent}
    if answer is not None:
        initial["answer"] = "declined" if answer.declined else str(answer.level_id)
        initial["wished"] = str(answer.wished_level_id or "")
    return initial


def _step_url(reading: Reading, step: int, respondent: str) -> str:
    return reverse("assessments:reading_step", args=[reading.pk, step]) + "?" + urlencode({"as": respondent})


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def take_step(request: HttpRequest, reading_id: uuid.UUID, step: int) -> HttpResponse:
    reading = reading_get_for(actor=request.user, reading_id=reading_id, purpose="self-assessment: take a reading")
    _require_take(request, reading.case)
    if reading.status != ReadingStatus.DRAFT:
        messages.info(request, _("This reading is finished: here is what was answered."))
        return redirect("assessments:reading_summary", reading.pk)
    domains = instrument_content(reading.version, reading.language)
    if not 1 <= step <= len(domains):
        raise Http404
    domain = domains[step - 1]
    if request.method != "POST":
        respondent = _respondent(request.GET.get("as"))
        form = AnswerForm(initial=_initial(reading, domain, respondent), domain=domain, with_respondent=True)
        context = _step_context(reading, domains, step, form, respondent)
        return render_case(request, reading.case, "assessments/take/step.html", "readings", context)
    form = AnswerForm(request.POST, domain=domain, with_respondent=True)
    status = 400
    if form.is_valid():
        chosen = form.chosen()
        respondent = _respondent(form.cleaned_data.get("respondent"))
        refused = None
        if chosen is not None:
            refused = run_on_form(form, lambda: answers_record(actor=request.user, reading=reading, answers=[chosen]))
        if refused is None:
            return _after_step(request, reading, step, len(domains), respondent)
        status = refused
    respondent = _respondent(request.POST.get("respondent"))
    context = _step_context(reading, domains, step, form, respondent)
    return render_case(request, reading.case, "assessments/take/step.html", "readings", context, status=status)


def _after_step(request: HttpRequest, reading: Reading, step: int, total: int, respondent: str) -> HttpResponse:
    go = request.POST.get("go", "next")
    if go == "pause":
        messages.success(request, _("The reading is paused. It stays a draft until it is finished; continue it from this page."))
        return redirect("assessments:case_readings", reading.case_id)
    if go == "summary":
        return redirect("assessments:reading_summary", reading.pk)
    if go == "another":
        other = Respondent.WORKER if respondent == Respondent.CHILD else Respondent.CHILD
        return redirect(_step_url(reading, step, other))
    if go == "back":
        return redirect(_step_url(reading, max(1, step - 1), respondent))
    if step >= total:
        return redirect("assessments:reading_summary", reading.pk)
    return redirect(_step_url(reading, step + 1, respondent))


# --- summary and finishing ------------------------------------------------------------------------------------------------


def _render_summary(request: HttpRequest, reading: Reading, status: int = 200, error: str = "") -> HttpResponse:
    domains = instrument_content(reading.version, reading.language)
    columns, rows = answer_rows(reading, domains)
    context = {
        "reading": reading,
        "columns": columns,
        "rows": rows,
        "missing": [row for row in rows if not row["answered"]],
        "error": error,
        "can_take": AssessmentPolicy.can(request.user, AssessmentAction.TAKE_READING, reading.case),
    }
    return render_case(request, reading.case, "assessments/take/summary.html", "readings", context, status=status)


@signed_in
@require_safe
def summary(request: HttpRequest, reading_id: uuid.UUID) -> HttpResponse:
    reading = reading_get_for(actor=request.user, reading_id=reading_id, purpose="self-assessment: a reading")
    return _render_summary(request, reading)


@signed_in
@require_POST
def finish(request: HttpRequest, reading_id: uuid.UUID) -> HttpResponse:
    reading = reading_get_for(actor=request.user, reading_id=reading_id, purpose="self-assessment: finish a reading")
    _require_take(request, reading.case)
    try:
        reading_finish(reading=reading, actor=cast(User, request.user))
    except ValidationError as error:
        return _render_summary(request, reading, status=400, error=" ".join(error.messages))
    except DomainError as error:
        reading.refresh_from_db()
        return _render_summary(request, reading, status=error.status, error=error.message)
    messages.success(request, _("The reading is complete."))
    return redirect("assessments:case_readings", reading.case_id)


urlpatterns = [
    path("cases/<uuid:case_id>/", case_readings, name="case_readings"),
    path("cases/<uuid:case_id>/readings/", start, name="reading_start"),
    path("readings/<uuid:reading_id>/", summary, name="reading_summary"),
    path("readings/<uuid:reading_id>/step/<int:step>/", take_step, name="reading_step"),
    path("readings/<uuid:reading_id>/finish/", finish, name="reading_finish"),
    path("readings/<uuid:reading_id>/link/", hand_over, name="reading_link"),
]
