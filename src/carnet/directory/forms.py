"""Forms of the directory's pages: the people search (GET) and the CSV import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from carnet.core.models import Country, Priority
from carnet.directory.models import NetworkRoleKind
from carnet.directory.selectors import PeopleFilters, organisation_choices, topic_choices
from carnet.directory.services import IMPORT_MAX_BYTES

# The languages of the region, and English; a person may speak others (the filter then takes the code in the URL).
REGION_LANGUAGES = ("da", "de", "en", "et", "fi", "is", "lt", "lv", "no", "pl", "ru", "sv")


def language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def _blank(text: Any) -> list[tuple[str, Any]]:
    return [("", text)]


class SearchForm(forms.Form):
    """Search and filters of the people list (and of the vCard and table exports of the same list)."""

    q = forms.CharField(
        label=_("Name, position or organisation"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    role = forms.ChoiceField(label=_("Network role"), required=False, choices=_blank(_("Any role")) + list(NetworkRoleKind.choices))
    topic = forms.ChoiceField(label=_("Topic of expertise"), required=False)
    language = forms.ChoiceField(label=_("Speaks"), required=False)
    priority = forms.ChoiceField(label=_("Works on"), required=False)
    organisation = forms.ChoiceField(label=_("Organisation"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country_field: Any = self.fields["country"]
        country_field.choices = _blank(_("Any country")) + [(c.code, str(c)) for c in Country.objects.prefetch_related("translations")]
        topic_field: Any = self.fields["topic"]
        topic_field.choices = _blank(_("Any topic")) + topic_choices()
        language_field: Any = self.fields["language"]
        language_field.choices = _blank(_("Any language")) + sorted(
            ((code, language_name(code)) for code in REGION_LANGUAGES), key=lambda item: item[1]
        )
        priority_field: Any = self.fields["priority"]
        priority_field.choices = _blank(_("Any priority")) + [(p.slug, str(p)) for p in Priority.objects.prefetch_related("translations")]
        organisation_field: Any = self.fields["organisation"]
        organisation_field.choices = _blank(_("Any organisation")) + organisation_choices()

    def filters(self) -> PeopleFilters:
        """The filters from the valid fields (an invalid one is shown with its error and ignored)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return PeopleFilters(
            **{name: data.get(name) or "" for name in ("q", "country", "role", "topic", "language", "priority", "organisation")}
        )


class ImportForm(forms.Form):
    """A CSV file of people; the button pressed says what to do with it."""

    CHECK = "check"
    IMPORT_ALL = "import"
    IMPORT_VALID = "import_valid"

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8, separated by commas or semicolons, at most 2 MB. Columns: full_name, position, organisation (its slug), "
            "country (its code), email, phone, address, languages (codes, comma-separated), topics (slugs), roles."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    action = forms.ChoiceField(
        choices=[(CHECK, _("Check")), (IMPORT_ALL, _("Import")), (IMPORT_VALID, _("Import the valid rows"))],
        required=False,
    )

    def clean_file(self) -> bytes:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB: split it into smaller files."))
        content: bytes = upload.read(IMPORT_MAX_BYTES + 1)
        return content

    def clean_action(self) -> str:
        return str(self.cleaned_data.get("action") or self.CHECK)
