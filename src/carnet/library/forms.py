"""The library's editing forms. They parse what the browser sent; the services decide (and check uploads and bodies)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Role
from carnet.core.models import Country, Priority
from carnet.library.models import Audience, Licence, ResourceKind, Visibility
from carnet.library.services import NOTE_MAX, PUBLISHER_MAX, REASON_MAX, SLUG_MAX, SUMMARY_MAX, TITLE_MAX
from carnet.library.uploads import megabytes

MARKDOWN_HELP = _(
    "Markdown: paragraphs, headings, lists, bold and italic, links (http, https, mailto), tables, quotes and code. "
    "Scripts, styles, event attributes, frames and links to other schemes are refused, not silently changed."
)
STEPS = ("submit", "send_back", "publish", "withdraw")


class ResourceForm(forms.Form):
    """A resource's facts (its language-independent metadata); ``slug`` only when it is created."""

    slug = forms.SlugField(
        label=_("Address"),
        max_length=SLUG_MAX,
        help_text=_("The last part of the resource's web address, e.g. guidelines-forensic-interviews."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices, initial=Audience.PROFESSIONALS)
    publisher = forms.CharField(label=_("Publisher"), max_length=PUBLISHER_MAX, required=False)
    year = forms.IntegerField(label=_("Year"), required=False)
    licence = forms.ChoiceField(label=_("Licence"), choices=Licence.choices, initial=Licence.ALL_RIGHTS)
    visibility = forms.ChoiceField(label=_("Who may see it"), choices=Visibility.choices, initial=Visibility.MEMBERS)
    restricted_to = forms.ChoiceField(
        label=_("Restricted to"),
        choices=[("", "—"), *Role.choices],
        required=False,
        help_text=_("For a restricted resource: the network role whose holders may see it (and the secretariat)."),
    )
    priorities = forms.ModelMultipleChoiceField(
        label=_("Topics"), queryset=Priority.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    countries = forms.ModelMultipleChoiceField(
        label=_("Countries"), queryset=Country.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    instrument: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Self-assessment instrument"),
        queryset=None,
        required=False,
        help_text=_("Only for the self-assessment tool: its printable sheets are linked from the resource."),
    )

    def __init__(self, *args: Any, creating: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from carnet.assessments.models import Instrument

        if not creating:
            del self.fields["slug"]
        self.fields["priorities"].queryset = Priority.objects.prefetch_related("translations").order_by("number")  # type: ignore[attr-defined]  # a ModelMultipleChoiceField
        self.fields["countries"].queryset = Country.objects.prefetch_related("translations")  # type: ignore[attr-defined]  # a ModelMultipleChoiceField
        self.fields["instrument"].queryset = Instrument.objects.prefetch_related("translations").order_by("pk")  # type: ignore[attr-defined]  # a ModelChoiceField

    def facts(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = ("kind", "audience", "publisher", "year", "licence", "visibility", "restricted_to", "priorities", "countries", "instrument")
        return {name: data.get(name) for name in names} | {"restricted_to": data.get("restricted_to") or ""}


class VersionForm(forms.Form):
    """One language of a resource: its text, its file, and what changed."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX, required=False)
    summary = forms.CharField(label=_("Summary"), max_length=SUMMARY_MAX, required=False, widget=forms.Textarea(attrs={"rows": "3"}))
    body = forms.CharField(
        label=_("Text (Markdown)"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": "14"}), help_text=MARKDOWN_HELP
    )
    upload = forms.FileField(label=_("File"), required=False)
    keep_file = forms.BooleanField(label=_("Keep the current file"), required=False, initial=True)
    source_revision = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)  # the English revision shown
    up_to_date = forms.BooleanField(
        label=_("This translation now says what the English text says (the changes shown above are translated)"), required=False
    )
    note = forms.CharField(label=_("What changed (for the history)"), max_length=NOTE_MAX, required=False)

    def __init__(self, *args: Any, language: str, max_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("title", "summary", "body"):
            self.fields[name].widget.attrs.update({"lang": language, "dir": "auto"})
        self.fields["upload"].help_text = _("PDF, Word (DOCX), OpenDocument (ODT), PNG, JPEG or WebP, at most %(max)s MB.") % {
            "max": megabytes(max_bytes)
        }
        self.fields["upload"].widget.attrs["accept"] = ".pdf,.docx,.odt,.png,.jpg,.jpeg,.webp"


class StepForm(forms.Form):
    """A workflow step on one language: submit, send back (with a reason), publish, withdraw."""

    step = forms.ChoiceField(choices=[(step, step) for step in STEPS])
    reason = forms.CharField(label=_("Why"), max_length=REASON_MAX, required=False, widget=forms.Textarea(attrs={"rows": "2"}))
