"""Forms of the best-interests section: assessment, determination, approval, return plan, follow-up visits."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.cases.forms import DATE, VersionedForm
from carnet.cases.models import BestInterestsAssessment
from carnet.cases.models.codes import DurableSolution
from carnet.cases.services_best_interests import ASSESSMENT_TEXTS, RE_TRAFFICKING_RISKS, AssessmentTexts


def _text(label: Any, *, required: bool = False, rows: int = 3, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=10000, widget=forms.Textarea(attrs={"rows": rows}), help_text=help_text
    )


class AssessmentForm(forms.Form):
    assessed_on = forms.DateField(label=_("Date of assessment"), widget=DATE)
    child_views = _text(
        ASSESSMENT_TEXTS["child_views"][1],
        required=True,
        rows=5,
        help_text=_("Write what the child said, as they said it. If they chose not to give their views, say so."),
    )
    family = _text(ASSESSMENT_TEXTS["family"][1])
    safety = _text(ASSESSMENT_TEXTS["safety"][1])
    re_trafficking_risk = forms.ChoiceField(
        label=_("Risk of re-trafficking in the country of origin"), required=False, choices=[("", _("Not assessed")), *RE_TRAFFICKING_RISKS]
    )
    care_at_origin = _text(ASSESSMENT_TEXTS["care_at_origin"][1])
    education_health = _text(ASSESSMENT_TEXTS["education_health"][1])
    guardian_opinion = _text(ASSESSMENT_TEXTS["guardian_opinion"][1])

    def texts(self) -> AssessmentTexts:
        return AssessmentTexts(**{name: self.cleaned_data[name] for name in ASSESSMENT_TEXTS})


class DeterminationForm(forms.Form):
    assessment = forms.TypedChoiceField(label=_("Assessment it rests on"), coerce=int)
    panel = forms.CharField(label=_("Panel members"), max_length=500, help_text=_("Names and roles, separated by commas."))
    options_weighed = forms.MultipleChoiceField(
        label=_("Options weighed"), choices=DurableSolution.choices, widget=forms.CheckboxSelectMultiple
    )
    decision = forms.ChoiceField(label=_("Decision"), choices=DurableSolution.choices)
    reasons = _text(_("Reasons"), required=True, rows=5, help_text=_("Stored encrypted."))
    decided_on = forms.DateField(label=_("Date of decision"), widget=DATE)
    review_on = forms.DateField(label=_("Review date"), required=False, widget=DATE)
    appeal = forms.CharField(
        label=_("Appeal"), max_length=500, required=False, help_text=_("How and by when the decision can be appealed, or an appeal lodged.")
    )

    def __init__(self, *args: Any, assessments: list[BestInterestsAssessment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["assessment"]).choices = [(a.pk, a.assessed_on.isoformat()) for a in assessments]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision, options = data.get("decision"), data.get("options_weighed")
        if decision and options is not None and decision not in options:
            self.add_error("options_weighed", _("The options weighed must include the option decided on."))
        decided, review = data.get("decided_on"), data.get("review_on")
        if decided and review and review <= decided:
            self.add_error("review_on", _("The review date must come after the decision."))
        return data


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("Comment (optional)"), max_length=300, required=False)


class SendBackForm(forms.Form):
    reason = forms.CharField(label=_("Why it is sent back"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ReturnPlanForm(forms.Form):
    receiving_country = forms.CharField(
        label=_("Country of return"), min_length=2, max_length=2, help_text=_("Two-letter country code, for example LT.")
    )
    receiving_agency = forms.CharField(label=_("Receiving agency"), max_length=200)
    escort = forms.CharField(label=_("Travel escort"), max_length=200, required=False)
    travel_on = forms.DateField(label=_("Travel date"), required=False, widget=DATE)

    def clean_receiving_country(self) -> str:
        code = str(self.cleaned_data["receiving_country"]).strip().upper()
        if len(code) != 2 or not code.isascii() or not code.isalpha():
            raise forms.ValidationError(_("Use a two-letter country code (ISO 3166-1), for example LT."))
        return code


class VisitForm(forms.Form):
    planned_on = forms.DateField(label=_("Planned for"), widget=DATE)


class VisitResultForm(VersionedForm):
    visited_on = forms.DateField(label=_("Visited on"), widget=DATE)
    result = _text(_("What the visit found"), required=True, help_text=_("Stored encrypted."))
