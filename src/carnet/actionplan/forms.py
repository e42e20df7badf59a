"""Forms of the Plan of Action pages: a new action, a status update, the list's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _

from carnet.actionplan.models import ActionStatus
from carnet.core.models import Country, Priority
from carnet.directory.models import Organisation


def language_name(code: str) -> str:
    """The language's own name ("русский"), for the per-language fields."""
    info = LANG_INFO.get(code, {})
    return str(info.get("name_local") or dict(settings.LANGUAGES).get(code, code))


class ActionForm(forms.Form):
    """A new action; a title and a description field per site language."""

    code = forms.CharField(
        label=_("Code"), required=False, max_length=20, help_text=_("Leave empty for the next free code (PoA-year-number).")
    )
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices, initial=ActionStatus.PROPOSED)
    priority = forms.ModelChoiceField(label=_("Priority"), queryset=Priority.objects.none(), required=False, empty_label=_("None"))
    responsible = forms.ModelMultipleChoiceField(
        label=_("Accountable organisations"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    countries = forms.ModelMultipleChoiceField(
        label=_("Countries"), queryset=Country.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    due = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, _name in settings.LANGUAGES:
            name = language_name(code)
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("Title in %(language)s") % {"language": name},
                required=False,
                max_length=300,
                widget=forms.TextInput(attrs={"lang": code}),
            )
            self.fields[f"description_{code}"] = forms.CharField(
                label=_("Description in %(language)s") % {"language": name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 3, "lang": code}),
            )
        self.fields["priority"].queryset = Priority.objects.prefetch_related("translations")  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["responsible"].queryset = Organisation.objects.prefetch_related("translations")  # type: ignore[attr-defined]  # a ModelMultipleChoiceField
        self.fields["countries"].queryset = Country.objects.prefetch_related("translations")  # type: ignore[attr-defined]  # a ModelMultipleChoiceField

    def language_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"title_{code}"], self[f"description_{code}"]) for code, _name in settings.LANGUAGES]

    def other_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("code", "status", "priority", "responsible", "countries", "due")]

    def texts(self, prefix: str) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"{prefix}_{code}", "") for code, _name in settings.LANGUAGES}


class StatusUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    note = forms.CharField(label=_("What happened"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    evidence_url = forms.CharField(label=_("Evidence (link)"), required=False, max_length=200, widget=forms.URLInput)
    evidence = forms.SlugField(
        label=_("Evidence (library resource)"),
        required=False,
        max_length=120,
        help_text=_("The resource's short name (slug) in the library."),
    )


class ActionFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    priority = forms.TypedChoiceField(label=_("Priority"), required=False, coerce=int, empty_value=None)
    country = forms.ChoiceField(label=_("Country"), required=False)
    accountable = forms.ChoiceField(label=_("Accountable"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["status"].choices = everything + list(ActionStatus.choices)  # type: ignore[attr-defined]  # a ChoiceField
        self.fields["priority"].choices = everything + [  # type: ignore[attr-defined]  # a ChoiceField
            (p.number, str(p)) for p in Priority.objects.prefetch_related("translations")
        ]
        self.fields["country"].choices = everything + [  # type: ignore[attr-defined]  # a ChoiceField
            (c.code, str(c)) for c in Country.objects.prefetch_related("translations")
        ]
        accountable = Organisation.objects.filter(actions__isnull=False).distinct().prefetch_related("translations")
        self.fields["accountable"].choices = everything + [(o.slug, str(o)) for o in accountable]  # type: ignore[attr-defined]  # a ChoiceField
