"""Forms of the outcome pages: an item (a text per site language), making or linking an action, closing a meeting, filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from carnet.actionplan.forms import language_name
from carnet.core.models import Country, Priority
from carnet.directory.models import Organisation
from carnet.events.models import OutcomeKind


def text_field_name(language: str) -> str:
    return f"text_{language}"


class OutcomeForm(forms.Form):
    """One outcome item. The text fields are made per site language (a language is data, not code)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=OutcomeKind.choices)
    priority = forms.ModelChoiceField(label=_("Priority"), queryset=Priority.objects.none(), required=False, empty_label=_("None"))
    countries = forms.ModelMultipleChoiceField(
        label=_("Countries concerned"), queryset=Country.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    committed_by = forms.ModelChoiceField(
        label=_("Committed by (organisation)"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("For a commitment: the organisation, the state, or both."),
    )
    committed_country = forms.ModelChoiceField(
        label=_("Committed by (state)"), queryset=Country.objects.none(), required=False, empty_label=_("None")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, _name in settings.LANGUAGES:
            self.fields[text_field_name(code)] = forms.CharField(
                label=_("Text in %(language)s") % {"language": language_name(code)},
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 3, "lang": code}),
                help_text=_("English is recommended: every reader can fall back to it.") if code == "en" else "",
            )
        countries = Country.objects.prefetch_related("translations")
        self.fields["priority"].queryset = Priority.objects.prefetch_related("translations")  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["countries"].queryset = countries  # type: ignore[attr-defined]  # a ModelMultipleChoiceField
        self.fields["committed_country"].queryset = countries  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["committed_by"].queryset = Organisation.objects.prefetch_related("translations")  # type: ignore[attr-defined]  # a ModelChoiceField

    def text_fields(self) -> list[forms.BoundField]:
        return [self[text_field_name(code)] for code, _name in settings.LANGUAGES]

    def other_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("priority", "countries", "committed_by", "committed_country")]

    def texts(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(text_field_name(code), "") for code, _name in settings.LANGUAGES}


class MakeActionForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), required=False, max_length=20, help_text=_("Leave empty for the next free code (PoA-year-number).")
    )
    title = forms.CharField(label=_("Title"), required=False, max_length=300, help_text=_("Leave empty to use the item's text."))


class LinkActionForm(forms.Form):
    code = forms.CharField(label=_("Code of an existing action"), max_length=20)


class CloseForm(forms.Form):
    attendance_count = forms.IntegerField(label=_("Participants who attended"), min_value=0, max_value=100000)
    countries = forms.ModelMultipleChoiceField(
        label=_("Participating countries"), queryset=Country.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    organisations = forms.ModelMultipleChoiceField(
        label=_("Participating organisations"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["countries"].queryset = Country.objects.prefetch_related("translations")  # type: ignore[attr-defined]  # a ModelMultipleChoiceField
        self.fields["organisations"].queryset = Organisation.objects.prefetch_related("translations")  # type: ignore[attr-defined]  # a ModelMultipleChoiceField


class OutcomeFilterForm(forms.Form):
    priority = forms.TypedChoiceField(label=_("Priority"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["priority"].choices = everything + [  # type: ignore[attr-defined]  # a ChoiceField
            (p.number, str(p)) for p in Priority.objects.prefetch_related("translations")
        ]
        self.fields["kind"].choices = everything + list(OutcomeKind.choices)  # type: ignore[attr-defined]  # a ChoiceField
        self.fields["country"].choices = everything + [  # type: ignore[attr-defined]  # a ChoiceField
            (c.code, str(c)) for c in Country.objects.prefetch_related("translations")
        ]
