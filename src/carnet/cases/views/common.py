"""What every case page needs: the case (through the selector, audited), its header, the sections."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from carnet.cases.models import Case
from carnet.cases.policies import CaseAction, CasePolicy

SECTIONS = [
    ("overview", _("Overview"), "cases:detail"),
    ("identification", _("Identification"), "cases:identification"),
    ("care", _("Care plan"), "cases:care"),
    ("best_interests", _("Best interests"), "cases:best_interests"),
    ("records", _("Notes and documents"), "cases:records"),
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
