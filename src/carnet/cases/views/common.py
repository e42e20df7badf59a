"""What every case page needs: the case (through the selector, audited), its header, the sections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from carnet.cases.errors import StaleVersion
from carnet.cases.models import Case
from carnet.cases.policies import CaseAction, CasePolicy
from carnet.core.errors import DomainError

SECTIONS = [
    ("overview", _("Overview"), "cases:detail"),
    ("identification", _("Identification"), "cases:identification"),
    ("care", _("Care plan"), "cases:care"),
    ("best_interests", _("Best interests"), "cases:best_interests"),
    ("records", _("Notes and documents"), "cases:records"),
    ("readings", _("Self-assessment"), "assessments:case_readings"),
    ("referrals", _("Referrals"), "referrals:case_referrals"),
]


def section_links(case: Case, current: str) -> list[dict[str, Any]]:
    links = []
    for key, label, name in SECTIONS:
        try:
            url = reverse(name, args=[case.pk])
        except Exception:  # noqa: BLE001,S112  (a section whose pages are not built yet is left out)
            continue
        links.append({"key": key, "label": label, "url": url, "current": key == current})
    return links


def render_case(
    request: HttpRequest, case: Case, template: str, section: str, context: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    """Render a section of the case page: header, section navigation, the section's own content."""
    active_flags = list(case.flags.filter(removed_at__isnull=True).order_by("-raised_at"))
    full = {
        "case": case,
        "section": section,
        "sections": section_links(case, section),
        "active_flags": active_flags,
        "can_edit": CasePolicy.can(request.user, CaseAction.EDIT, case),
        "can_manage": CasePolicy.can(request.user, CaseAction.MANAGE, case),
        "can_approve": CasePolicy.can(request.user, CaseAction.APPROVE, case),
        "can_export": CasePolicy.can(request.user, CaseAction.EXPORT, case),
        **(context or {}),
    }
    return render(request, template, full, status=status)


def stale_message(stale: StaleVersion) -> str:
    """What a user whose save was refused as stale reads: who saved first, and what to do."""
    if stale.changed_by:
        return gettext(
            "%(user)s saved this case at %(time)s while you were editing. Your changes were not saved: reload, review theirs and try again."
        ) % {"user": stale.changed_by, "time": stale.changed_at[:16].replace("T", " ")}
    return str(stale.message)


def run_on_form(form: forms.Form, act: Callable[[], object]) -> int | None:
    """Run a service for a valid form. ``None`` when it succeeded; otherwise its refusal is on the form and
    the HTTP status to answer with is returned (409 stale, 400 invalid, the domain error's own status)."""
    try:
        act()
    except StaleVersion as stale:
        form.add_error(None, stale_message(stale))
        return 409
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
        return 400
    except DomainError as error:
        form.add_error(None, error.message)
        return error.status
    return None
