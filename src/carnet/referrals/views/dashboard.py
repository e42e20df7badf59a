"""The regional dashboard: referrals by country pair and purpose, times to answer and deadlines; counts only.

For the secretariat, national coordinators and NCPs (``ReferralAction.DASHBOARD``). The
numbers come from :mod:`carnet.referrals.statistics`, already protected; this page parses
the period, renders the tables and draws the bar chart of referrals by purpose on the
server (SVG, no script). Not audited: it reads no protected data.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from carnet.core.access import allowed
from carnet.core.disclosure import Suppression
from carnet.referrals.policies import ReferralAction, ReferralPolicy
from carnet.referrals.statistics import PurposeTotal, ReferralStatistics, referral_statistics

SVG_NS = "http://www.w3.org/2000/svg"
CHART_WIDTH = 640.0
ROW_HEIGHT = 48.0  # a label line, then the bar
BAR_HEIGHT = 18.0
BAR_MAX = 540.0  # the longest bar; the number goes after it
BAR_FILL = "#174a7c"
DATE_MESSAGE = gettext_lazy("Write the date as year, month and day, for example 2026-01-31.")


class PeriodForm(forms.Form):
    since = forms.DateField(
        label=gettext_lazy("Sent from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": DATE_MESSAGE},
    )
    until = forms.DateField(
        label=gettext_lazy("Sent until"),
        required=False,
        help_text=gettext_lazy("Counted in whole calendar months: each date stands for its month."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": DATE_MESSAGE},
    )


def _num(value: float) -> str:
    return f"{value:.1f}"


def _shown(total: PurposeTotal, threshold: int) -> str:
    """The number of a bar as the page says it (the same words as the tables)."""
    if total.cell.suppressed == Suppression.SMALL:
        return f"<{threshold}"
    if total.cell.suppressed is not None:
        return _("hidden")
    return str(total.cell.count)


def _spoken(total: PurposeTotal, threshold: int) -> str:
    if total.cell.suppressed == Suppression.SMALL:
        return _("%(purpose)s: fewer than %(threshold)s") % {"purpose": total.label, "threshold": threshold}
    if total.cell.suppressed is not None:
        return _("%(purpose)s: hidden to protect a small number") % {"purpose": total.label}
    return _("%(purpose)s: %(count)s") % {"purpose": total.label, "count": total.cell.count}


def purpose_chart_svg(totals: Sequence[PurposeTotal], *, threshold: int, title: str, id_prefix: str = "purpose-chart") -> str:
    """Horizontal bars of referrals sent per purpose; a hidden number gets its text ("<5", "hidden") and no bar.

    Pure: labels in, markup out (escaped here; the caller marks it safe). Drawn with
    presentation attributes only (the content security policy forbids ``style=""``).
    """
    largest = max((t.cell.count or 0 for t in totals if not t.cell.hidden), default=0)
    height = ROW_HEIGHT * len(totals) + 8
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    description = "; ".join(_spoken(t, threshold) for t in totals) + "."
    out = [
        f'<svg xmlns="{SVG_NS}" class="bar-chart" viewBox="0 0 {_num(CHART_WIDTH)} {_num(height)}" width="100%"'
        f' role="img" aria-labelledby="{title_id} {desc_id}" focusable="false">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
        '<g aria-hidden="true">',
    ]
    for index, total in enumerate(totals):
        top = ROW_HEIGHT * index
        out.append(f'<text class="bar-label" x="0" y="{_num(top + 15)}" font-size="15" fill="#1f2933">{escape(total.label)}</text>')
        bar_top = top + 22
        count = total.cell.count or 0
        length = BAR_MAX * count / largest if largest and not total.cell.hidden else 0.0
        if length > 0:
            out.append(
                f'<rect class="bar" data-purpose={quoteattr(total.key)} x="0" y="{_num(bar_top)}" width="{_num(length)}"'
                f' height="{_num(BAR_HEIGHT)}" fill="{BAR_FILL}"/>'
            )
        css, italic = ("bar-value bar-suppressed", ' font-style="italic"') if total.cell.hidden else ("bar-value", "")
        out.append(
            f'<text class="{css}" x="{_num(length + 6)}" y="{_num(bar_top + 14)}" font-size="15" fill="#1f2933"{italic}>'
            f"{escape(_shown(total, threshold))}</text>"
        )
    out.append("</g></svg>")
    return "".join(out)


def _chart(result: ReferralStatistics) -> SafeString:
    svg = purpose_chart_svg(result.purpose_totals, threshold=result.threshold, title=_("Referrals sent, by purpose"))
    return mark_safe(svg)  # noqa: S308  (markup we drew; every label escaped in purpose_chart_svg)


@allowed(ReferralPolicy, ReferralAction.DASHBOARD)
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    result, status = None, 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        try:
            result = referral_statistics(actor=request.user, since=data.get("since"), until=data.get("until"))
        except ValidationError as error:
            status = 400
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
    context = {
        "form": form,
        "result": result,
        "chart": _chart(result) if result is not None else "",
        "filtered": bool(result is not None and (result.since or result.until)),
    }
    return render(request, "referrals/dashboard.html", context, status=status)


urlpatterns = [path("dashboard/", dashboard, name="dashboard")]
