"""The aggregate outcomes page: change per domain by organisation, country and quarter, small cells protected.

For supervisors, NCPs and national coordinators, their own countries only
(``AssessmentPolicy`` VIEW_AGGREGATES). Never by worker. The numbers come from
:mod:`carnet.assessments.outcomes`; this page only parses the filters and renders.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from carnet.assessments.outcomes import OutcomeFilters, Quarter, outcomes_for, versions_with_outcomes
from carnet.assessments.policies import AssessmentAction, AssessmentPolicy, aggregate_countries
from carnet.core.access import allowed
from carnet.core.models import Country

QUARTER_HELP = _("For example 2026-Q1.")


class OutcomeFilterForm(forms.Form):
    version = forms.TypedChoiceField(label=_("Instrument version"), coerce=int, required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    quarter_from = forms.CharField(label=_("From quarter"), required=False, max_length=7, help_text=QUARTER_HELP)
    quarter_to = forms.CharField(label=_("To quarter"), required=False, max_length=7, help_text=QUARTER_HELP)

    def __init__(self, *args: Any, countries: list[tuple[str, str]], versions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["version"]).choices = versions
        cast(forms.ChoiceField, self.fields["country"]).choices = (
            [("", _("All my countries")), *countries] if len(countries) > 1 else countries
        )
        for name in ("quarter_from", "quarter_to"):
            self.fields[name].widget.attrs.update({"pattern": r"\d{4}-[Qq][1-4]", "inputmode": "text", "autocomplete": "off", "size": 8})

    def _quarter(self, name: str) -> Quarter | None:
        text = self.cleaned_data.get(name, "").strip()
        if not text:
            return None
        try:
            return Quarter.parse(text)
        except ValueError:
            raise ValidationError(_("Write a quarter as a year and a quarter number, for example 2026-Q1.")) from None

    def clean_quarter_from(self) -> Quarter | None:
        return self._quarter("quarter_from")

    def clean_quarter_to(self) -> Quarter | None:
        return self._quarter("quarter_to")

    def filters(self) -> OutcomeFilters:
        data = self.cleaned_data
        return OutcomeFilters(
            version_id=data.get("version") or None,
            country=data.get("country") or "",
            quarter_from=data.get("quarter_from"),
            quarter_to=data.get("quarter_to"),
        )


@allowed(AssessmentPolicy, AssessmentAction.VIEW_AGGREGATES)
@require_safe
def outcomes(request: HttpRequest) -> HttpResponse:
    codes = aggregate_countries(request.user)
    countries = [(c.code, str(c)) for c in Country.objects.filter(code__in=codes).prefetch_related("translations")]
    versions = [(v.pk, f"{v.instrument} · v{v.number}") for v in versions_with_outcomes()]
    form = OutcomeFilterForm(request.GET or None, countries=countries, versions=versions)
    result, status, problems = None, 200, []
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        try:
            result = outcomes_for(actor=request.user, filters=form.filters() if form.is_bound else OutcomeFilters())
        except ValidationError as error:
            status = 400
            if form.is_bound:
                for field, messages in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
            else:
                problems = error.messages
    context = {"form": form, "result": result, "problems": problems}
    return render(request, "assessments/outcomes/page.html", context, status=status)


urlpatterns = [path("outcomes/", outcomes, name="outcomes")]
