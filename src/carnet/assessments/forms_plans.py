"""Forms after the reading: an action-plan item, marking it done, the safety note that handles a risk alert."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carnet.cases.forms import DATE


class PlanItemForm(forms.Form):
    domain_key = forms.ChoiceField(label=_("Part of life"))
    wants_to_change = forms.CharField(
        label=_("What the child wants to change"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("In the child's own words where possible. Stored encrypted."),
    )
    next_steps = forms.CharField(
        label=_("Next steps"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Stored encrypted.")
    )
    who_helps = forms.CharField(label=_("Who helps"), max_length=200, required=False)
    review_on = forms.DateField(label=_("Review date"), required=False, widget=DATE, help_text=_("Today or later."))

    def __init__(self, *args: Any, domains: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["domain_key"]).choices = [("", _("Choose…")), *domains]

    def clean_review_on(self) -> date | None:
        value = cast(date | None, self.cleaned_data.get("review_on"))
        if value is not None and value < timezone.localdate():
            raise forms.ValidationError(_("A review date cannot be in the past."))
        return value


class PlanDoneForm(forms.Form):
    done_on = forms.DateField(label=_("Done on"), required=False, widget=DATE, help_text=_("Leave empty for today."))


class SafetyNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Safety note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done, or is planned, to keep the child safe. Stored encrypted."),
    )
