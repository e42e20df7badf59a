"""Forms of the care plan: objectives under the four pillars, services, reviews."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.cases.forms import DATE, VersionedForm
from carnet.cases.models import CareObjective
from carnet.cases.models.codes import Pillar, ServiceStatus


class ObjectiveForm(forms.Form):
    pillar = forms.ChoiceField(label=_("Pillar"), choices=Pillar.choices)
    text = forms.CharField(label=_("Objective"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    target_on = forms.DateField(label=_("Target date"), required=False, widget=DATE)


class AchievedForm(VersionedForm):
    achieved_on = forms.DateField(label=_("Achieved on"), widget=DATE)


def _dates_in_order(form: forms.Form, data: dict[str, Any]) -> None:
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if starts and ends and ends < starts:
        form.add_error("ends_on", _("A service cannot end before it starts."))


class ServiceFields(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ServiceStatus.choices, initial=ServiceStatus.PLANNED)
    starts_on = forms.DateField(label=_("From"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("Until"), required=False, widget=DATE)
    referred = forms.BooleanField(label=_("Referred to another service in the country"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _dates_in_order(self, data)
        return data


class ServiceForm(ServiceFields):
    objective = forms.TypedChoiceField(label=_("For the objective"), coerce=int)
    kind = forms.CharField(
        label=_("Service"), max_length=100, help_text=_("For example: shelter, legal aid, psychological support, school.")
    )
    provider = forms.CharField(label=_("Provider"), max_length=200)

    field_order = ["objective", "kind", "provider", "status", "starts_on", "ends_on", "referred"]

    def __init__(self, *args: Any, objectives: list[CareObjective], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Pillar.choices)
        cast(forms.TypedChoiceField, self.fields["objective"]).choices = [
            (o.pk, f"{labels.get(o.pillar, o.pillar)}: {o.text[:80]}") for o in objectives
        ]


class ServiceUpdateForm(ServiceFields, VersionedForm):
    pass


class ReviewForm(forms.Form):
    reviewed_on = forms.DateField(label=_("Review date"), widget=DATE)
    summary = forms.CharField(
        label=_("Summary of the review"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}), help_text=_("Stored encrypted.")
    )
    next_review_on = forms.DateField(label=_("Next review"), required=False, widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reviewed, following = data.get("reviewed_on"), data.get("next_review_on")
        if reviewed and following and following <= reviewed:
            self.add_error("next_review_on", _("The next review must come after this review."))
        return data
