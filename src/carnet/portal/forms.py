"""The editing forms. They parse what the browser sent; the services decide (and clean rich text)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from carnet.core.models import Country, Priority
from carnet.portal.services import (
    FIRST_FACT_YEAR,
    NOTE_MAX,
    REASON_MAX,
    SLUG_MAX,
    ContentField,
    field_label,
    fields_of,
    language_name,
    languages,
)

RICH_TEXT_HELP = _(
    "Simple HTML is allowed: paragraphs, headings (h2 to h4), lists, bold and italic, links (http, https, mailto), "
    "tables and quotes. Text with scripts, styles, event attributes, images, frames or other tags is refused, "
    "not silently changed."
)

ACTIONS = ("save", "submit", "publish", "send_back")


def _text_field(obj: models.Model, field: ContentField, language: str) -> forms.CharField:
    attrs = {"lang": language, "dir": "auto"}
    if field.max_length:
        widget: forms.Widget = forms.TextInput(attrs={**attrs, "maxlength": str(field.max_length)})
    else:
        widget = forms.Textarea(attrs={**attrs, "rows": "10" if field.rich else "4"})
    return forms.CharField(
        label=field_label(obj, field.name).capitalize(),
        required=False,  # the service says what is required, with the same words everywhere
        strip=False,
        widget=widget,
        help_text=RICH_TEXT_HELP if field.rich else "",
    )


class ContentForm(forms.Form):
    """The text of one language of one content object, and the workflow button that was pressed."""

    source_revision = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)  # the English revision shown
    up_to_date = forms.BooleanField(
        label=_("This translation now says what the English text says (the changes shown above are translated)"), required=False
    )
    note = forms.CharField(label=_("What changed (for the history)"), required=False, max_length=NOTE_MAX)
    reason = forms.CharField(
        label=_("Why it goes back (for “Send back”)"), required=False, max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": "2"})
    )
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], initial="save")

    def __init__(self, *args: Any, obj: models.Model, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.text_fields = fields_of(obj)
        texts = {field.name: _text_field(obj, field, language) for field in self.text_fields}
        self.fields = {**texts, **self.fields}

    def text(self) -> dict[str, str]:
        return {field.name: self.cleaned_data.get(field.name) or "" for field in self.text_fields}

    def text_bound_fields(self) -> list[forms.BoundField]:
        return [self[field.name] for field in self.text_fields]


class NewsCreateForm(forms.Form):
    slug = forms.SlugField(
        label=_("Address"), max_length=SLUG_MAX, help_text=_("The last part of the news item's web address, e.g. new-ncp-in-lithuania.")
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": "3"}))
    body = forms.CharField(
        label=_("Text"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": "10"}), help_text=RICH_TEXT_HELP
    )
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.none(), required=False)
    priority = forms.ModelChoiceField(label=_("Priority"), queryset=Priority.objects.none(), required=False)
    note = forms.CharField(label=_("What changed (for the history)"), required=False, max_length=NOTE_MAX)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = Country.objects.filter(is_state=True).prefetch_related("translations")  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["priority"].queryset = Priority.objects.prefetch_related("translations")  # type: ignore[attr-defined]  # a ModelChoiceField

    def text(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in ("title", "summary", "body")}


class KeyFactForm(forms.Form):
    value = forms.CharField(label=pgettext_lazy("key fact: its value", "Number"), max_length=50, required=False)
    source = forms.CharField(label=_("Source"), max_length=300, required=False)
    year = forms.IntegerField(label=_("Year"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs.update({"min": str(FIRST_FACT_YEAR), "max": str(timezone.localdate().year)})
        for code in languages():
            self.fields[f"label_{code}"] = forms.CharField(
                label=_("What it counts (%(language)s)") % {"language": language_name(code)},
                max_length=300,
                required=False,
                widget=forms.TextInput(attrs={"lang": code}),
            )

    def labels(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"label_{code}") or "" for code in languages()}


class RestoreForm(forms.Form):
    restore = forms.IntegerField(label=_("Revision"), min_value=1)
