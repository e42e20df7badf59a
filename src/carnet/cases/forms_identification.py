"""Forms of the identification section. They check the shape of the input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.cases.forms import DATE
from carnet.cases.models import Indicator
from carnet.cases.models.codes import (
    CriminalitySubtype,
    ExploitationType,
    IndicatorAnswer,
    MeansOfControl,
    Recruitment,
    Relationship,
    RouteStage,
    TraffickingStatus,
)
from carnet.cases.services_identification import ChecklistItem

COUNTRY_HELP = _("Two-letter code (ISO 3166-1), for example SE or LT.")


class CountryField(forms.CharField):
    """A two-letter country code, upper-cased."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 2)
        kwargs.setdefault("min_length", 2)
        kwargs.setdefault("help_text", COUNTRY_HELP)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocapitalize": "characters", "size": "3", "pattern": "[A-Za-z]{2}"})

    def clean(self, value: Any) -> str:
        code = str(super().clean(value) or "").strip().upper()
        if code and not (code.isascii() and code.isalpha()):
            raise forms.ValidationError(_("A country is a two-letter code (ISO 3166-1), for example SE."))
        return code


class _SectionForm(forms.Form):
    """The section's forms share one page: each gets its own prefix for element ids (names stay plain)."""

    id_prefix = "identification"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class StatusDecisionForm(_SectionForm):
    id_prefix = "status"
    status = forms.ChoiceField(label=_("Trafficking status"), choices=TraffickingStatus.choices)
    deciding_organisation = forms.CharField(
        label=_("Deciding organisation"), max_length=200, help_text=_("The authority or organisation that took the decision.")
    )
    decided_on = forms.DateField(label=_("Date of decision"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ExploitationForm(_SectionForm):
    id_prefix = "exploitation"
    kind = forms.ChoiceField(label=_("Form of exploitation"), choices=ExploitationType.choices)
    criminality_subtype = forms.ChoiceField(
        label=_("Criminal activity"),
        choices=[("", _("— (only for exploitation in criminal activities)"))] + CriminalitySubtype.choices,
        required=False,
        help_text=_("Required for exploitation in criminal activities."),
    )
    country = CountryField(label=_("Country of exploitation"), required=False)
    started_on = forms.DateField(label=_("From"), required=False, widget=DATE)
    ended_on = forms.DateField(label=_("Until"), required=False, widget=DATE)
    non_punishment_considered = forms.BooleanField(
        label=_("The non-punishment principle was considered"),
        required=False,
        help_text=_("A child forced to commit offences is a victim: record that the police or prosecutor were reminded of it."),
    )
    non_punishment_note = forms.CharField(
        label=_("How it was considered"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, subtype = data.get("kind"), data.get("criminality_subtype")
        if kind == ExploitationType.CRIMINALITY and not subtype:
            self.add_error(
                "criminality_subtype", _("For exploitation in criminal activities, say which activity the child was forced into.")
            )
        elif kind and kind != ExploitationType.CRIMINALITY and subtype:
            self.add_error("criminality_subtype", _("Only exploitation in criminal activities has a criminal activity: leave it empty."))
        started, ended = data.get("started_on"), data.get("ended_on")
        if started and ended and started > ended:
            self.add_error("ended_on", _("The end of the exploitation cannot be before its start."))
        return data


class IdentificationProfileForm(_SectionForm):
    id_prefix = "profile"
    recruitment = forms.ChoiceField(label=_("Recruitment"), choices=Recruitment.choices, initial=Recruitment.UNKNOWN)
    relationship = forms.ChoiceField(label=_("Relationship to the trafficker"), choices=Relationship.choices, initial=Relationship.UNKNOWN)
    means_of_control = forms.MultipleChoiceField(
        label=_("Means of control"), choices=MeansOfControl.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RouteLegForm(_SectionForm):
    id_prefix = "route"
    stage = forms.ChoiceField(label=_("Stage"), choices=RouteStage.choices)
    country = CountryField(label=_("Country"))
    city = forms.CharField(label=_("City or place"), max_length=100, required=False)
    on = forms.DateField(label=_("Date"), required=False, widget=DATE)


class IndicatorChecklistForm(_SectionForm):
    """One question per indicator (present / not present / not known), grouped by dimension for the page."""

    id_prefix = "checklist"

    PREFIX = "indicator-"

    def __init__(self, *args: Any, checklist: list[ChecklistItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        for item in checklist:
            self.fields[self.PREFIX + item.indicator.code] = forms.ChoiceField(
                label=str(item.indicator),
                choices=IndicatorAnswer.choices,
                initial=item.answer,
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict[str, str]:
        return {name.removeprefix(self.PREFIX): str(value) for name, value in self.cleaned_data.items() if name.startswith(self.PREFIX)}

    def groups(self) -> list[dict[str, Any]]:
        """The bound questions per dimension, in checklist order, each with the indicator's strength."""
        groups: list[dict[str, Any]] = []
        for dimension, label in Indicator.Dimension.choices:
            questions = [
                {
                    "field": self[self.PREFIX + item.indicator.code],
                    "indicator": item.indicator,
                    "answer": item.answer,
                    "answer_label": IndicatorAnswer(item.answer).label,
                }
                for item in self.checklist
                if item.indicator.dimension == dimension
            ]
            if questions:
                groups.append({"dimension": dimension, "label": label, "questions": questions})
        return groups
