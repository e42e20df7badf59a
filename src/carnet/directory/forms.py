"""Forms of the directory's pages: the people search (GET), the CSV import, and a person's entry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import get_language_info, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from carnet.core.models import Country, Priority
from carnet.directory.models import NetworkRoleKind, Organisation, Person, Topic
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


class PersonForm(forms.Form):
    """A person's directory entry, as :func:`~carnet.directory.services.person_create` and ``person_update`` take it.

    The visibility of each contact field is not here: the person sets it under "My contact details", with consent.
    A contact field the editor may not see (``hidden``) is shown empty; left empty, it keeps its stored value.
    """

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False, empty_label=_("No organisation")
    )
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.none(), empty_label=_("Choose a country"))
    languages = forms.CharField(
        label=pgettext_lazy("directory", "Languages spoken"),  # the cases' "Languages spoken" are a child's
        max_length=200,
        required=False,
        help_text=_("Two-letter ISO 639-1 codes, separated by commas: for example et, en, ru."),
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics of expertise"), queryset=Topic.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    priorities = forms.ModelMultipleChoiceField(
        label=_("Works on"), queryset=Priority.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        help_text=_("In international format, with the country code: for example +372 5555 0101."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(label=_("Postal address"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, hidden: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hidden = tuple(name for name in hidden if name in Person.CONTACT_FIELDS)
        choices: dict[str, Any] = {
            "organisation": Organisation.objects.prefetch_related("translations"),
            "country": Country.objects.prefetch_related("translations"),
            "topics": Topic.objects.prefetch_related("translations"),
            "priorities": Priority.objects.prefetch_related("translations"),
        }
        for name, queryset in choices.items():
            field: Any = self.fields[name]
            field.queryset = queryset
        for name in self.hidden:
            self.fields[name].help_text = _("Hidden from you: leave it empty to keep the stored value, or enter a new one.")

    @classmethod
    def initial_for(cls, person: Person, shown: Mapping[str, str | None]) -> dict[str, Any]:
        """The form's values for ``person``; contact fields only as the editor may see them (``shown``)."""
        return {
            "full_name": person.full_name,
            "position": person.position,
            "organisation": person.organisation_id,
            "country": person.country_id,
            "languages": ", ".join(person.languages or []),
            "topics": [topic.pk for topic in person.topics.all()],
            "priorities": [priority.pk for priority in person.priorities.all()],
            **{name: shown.get(name) or "" for name in Person.CONTACT_FIELDS},
        }

    def clean_languages(self) -> list[str]:
        text = str(self.cleaned_data.get("languages") or "")
        return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]

    def service_data(self) -> dict[str, Any]:
        """The cleaned values as the service's ``data``; a hidden contact field left empty is not sent (kept as stored)."""
        data = dict(self.cleaned_data)
        for name in self.hidden:
            if not data.get(name):
                data.pop(name, None)
        return data

    def add_service_errors(self, error: ValidationError) -> None:
        """Each message of the service's refusal on its field (on the form when it names no field of the form)."""
        problems = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        for name, texts in problems.items():
            self.add_error(name if name in self.fields else None, texts)
