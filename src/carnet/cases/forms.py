"""Forms of the case file's overview: opening a case, identity, risk, flags, team, closing, break-glass."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carnet.cases.identity import Identity
from carnet.cases.models.codes import (
    AgeAssessmentMethod,
    AgeBand,
    CaseStatus,
    ExploitationType,
    FlagKind,
    LegalBasis,
    RiskLevel,
    Sex,
    TeamRole,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _codes(value: str) -> list[str]:
    return [part.strip().upper() for part in value.replace(";", ",").split(",") if part.strip()]


def _words(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


class IdentityForm(forms.Form):
    given_names = forms.CharField(label=_("Given names"), max_length=200, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=200, required=False)
    aliases = forms.CharField(label=_("Other names used"), max_length=500, required=False, help_text=_("Separate names with commas."))
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)
    estimated_age = forms.IntegerField(label=_("Estimated age (years)"), required=False, min_value=0, max_value=30)
    citizenships = forms.CharField(
        label=_("Citizenships"), max_length=100, required=False, help_text=_("Two-letter country codes, separated by commas, e.g. LT, PL.")
    )
    languages = forms.CharField(label=_("Languages spoken"), max_length=200, required=False, help_text=_("Separate languages with commas."))
    contacts = forms.CharField(label=_("Contacts"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("given_names") or data.get("family_name") or data.get("aliases")):
            raise forms.ValidationError(_("Give at least one name the child uses (it is encrypted; only the pseudonym is shown in lists)."))
        if data.get("date_of_birth") and data["date_of_birth"] > timezone.localdate():
            self.add_error("date_of_birth", _("The date of birth cannot be in the future."))
        codes = _codes(data.get("citizenships", ""))
        if any(len(code) != 2 or not code.isalpha() for code in codes):
            self.add_error("citizenships", _("Use two-letter country codes (ISO 3166-1), for example LT."))
        return data

    def identity(self) -> Identity:
        data = self.cleaned_data
        return Identity(
            given_names=data["given_names"].strip(),
            family_name=data["family_name"].strip(),
            aliases=_words(data["aliases"]),
            date_of_birth=data["date_of_birth"],
            estimated_age=data["estimated_age"],
            citizenships=_codes(data["citizenships"]),
            languages=_words(data["languages"]),
            contacts=data["contacts"].strip(),
        )

    @classmethod
    def initial_from(cls, identity: Identity, sex: str) -> dict[str, Any]:
        return {
            "given_names": identity.given_names,
            "family_name": identity.family_name,
            "aliases": ", ".join(identity.aliases),
            "sex": sex,
            "date_of_birth": identity.date_of_birth,
            "estimated_age": identity.estimated_age,
            "citizenships": ", ".join(identity.citizenships),
            "languages": ", ".join(identity.languages),
            "contacts": identity.contacts,
        }


class OpenCaseForm(IdentityForm):
    country = forms.ChoiceField(label=_("Country of the case"))
    opened_on = forms.DateField(label=_("Opened on"), widget=DATE)
    identified_on = forms.DateField(label=_("Identified on"), required=False, widget=DATE)
    risk_level = forms.ChoiceField(label=_("Risk"), choices=RiskLevel.choices, initial=RiskLevel.MEDIUM)
    legal_basis = forms.ChoiceField(
        label=_("Legal basis for keeping this record"), choices=LegalBasis.choices, initial=LegalBasis.LEGAL_MANDATE
    )
    legal_basis_given_by = forms.CharField(label=_("Consent given by / mandate"), max_length=200, required=False)
    pseudonym = forms.CharField(label=_("Pseudonym"), max_length=60, required=False, help_text=_("Leave empty for a generated one."))

    field_order = ["country", "opened_on", "identified_on", "pseudonym", "risk_level", "legal_basis", "legal_basis_given_by"]

    def __init__(self, *args: Any, countries: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)  # noqa: S101  (declared above)
        country.choices = countries
        self.fields["opened_on"].initial = timezone.localdate()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        opened, identified, born = data.get("opened_on"), data.get("identified_on"), data.get("date_of_birth")
        if opened and opened > timezone.localdate():
            self.add_error("opened_on", _("A case cannot be opened in the future."))
        if identified and born and identified < born:
            self.add_error("identified_on", _("The child cannot have been identified before they were born."))
        if born and opened and born > opened:
            self.add_error("date_of_birth", _("The date of birth cannot be after the case was opened."))
        return data


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Case number or exact name"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any"))] + CaseStatus.choices)
    risk_level = forms.ChoiceField(label=_("Risk"), required=False, choices=[("", _("Any"))] + RiskLevel.choices)
    flag = forms.ChoiceField(label=_("Flag"), required=False, choices=[("", _("Any"))] + FlagKind.choices)
    age_band = forms.ChoiceField(label=_("Age"), required=False, choices=[("", _("Any"))] + AgeBand.choices)
    exploitation = forms.ChoiceField(label=_("Exploitation"), required=False, choices=[("", _("Any"))] + ExploitationType.choices)


class VersionedForm(forms.Form):
    """Carries the version of the case the user saw; the page always sends it, so a stale save is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class IdentityEditForm(IdentityForm, VersionedForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].required = True  # an identity is only ever replaced knowingly


class RiskForm(VersionedForm):
    level = forms.ChoiceField(label=_("Risk"), choices=RiskLevel.choices)
    reason = forms.CharField(label=_("Why"), max_length=500)


class FlagForm(forms.Form):
    kind = forms.ChoiceField(label=_("Flag"), choices=FlagKind.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class FlagRemoveForm(forms.Form):
    reason = forms.CharField(label=_("Why it is no longer needed"), max_length=500)


class TeamForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(label=_("Role in the case"), choices=[c for c in TeamRole.choices if c[0] != TeamRole.OWNER])


class StatusForm(VersionedForm):
    status = forms.ChoiceField(label=_("Status"), choices=CaseStatus.choices)
    reason = forms.CharField(label=_("Reason (required to close)"), max_length=500, required=False)


class AgeAssessmentForm(forms.Form):
    method = forms.ChoiceField(label=_("Method"), choices=AgeAssessmentMethod.choices)
    assessed_on = forms.DateField(label=_("Date"), widget=DATE)
    minimum_age = forms.IntegerField(label=_("Minimum age"), required=False, min_value=0, max_value=30)
    maximum_age = forms.IntegerField(label=_("Maximum age"), required=False, min_value=0, max_value=30)
    contested = forms.BooleanField(label=_("The result is contested"), required=False)
    assessed_by = forms.CharField(label=_("Assessed by"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.add_error("maximum_age", _("The maximum age cannot be below the minimum age."))
        return data


class GuardianForm(forms.Form):
    guardian = forms.CharField(label=_("Guardian (name and contact)"), max_length=300)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    appointed_on = forms.DateField(label=_("Appointed on"), widget=DATE)


class LegalBasisForm(forms.Form):
    basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    given_by = forms.CharField(label=_("Consent given by / mandate"), max_length=200, required=False)
    scope = forms.CharField(label=_("What it covers"), max_length=500, required=False)
    recorded_on = forms.DateField(label=_("Date"), widget=DATE)
    override_reason = forms.CharField(
        label=_("Reason for processing against the child's or guardian's wish"),
        max_length=500,
        required=False,
        help_text=_("Only for an override: a supervisor other than you must then approve it."),
    )


class IdentityDocumentForm(forms.Form):
    KINDS = [
        ("passport", _("Passport")),
        ("national_id", _("National identity card")),
        ("birth_certificate", _("Birth certificate")),
        ("residence_permit", _("Residence permit")),
        ("other", _("Other")),
    ]
    kind = forms.ChoiceField(label=_("Type of document"), choices=KINDS)
    number = forms.CharField(label=_("Document number"), max_length=60)
    issuing_country = forms.CharField(label=_("Issuing country"), max_length=2, required=False, help_text=_("Two-letter code, e.g. LT."))
    expires = forms.DateField(label=_("Valid until"), required=False, widget=DATE)

    def clean_issuing_country(self) -> str:
        code = str(self.cleaned_data.get("issuing_country", "")).strip().upper()
        if code and (len(code) != 2 or not code.isalpha()):
            raise forms.ValidationError(_("Use a two-letter country code (ISO 3166-1), for example LT."))
        return code


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo of the child"), help_text=_("PNG or JPEG, at most 5 MB. It is encrypted; only the case team sees it."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )  # fmt: skip


class BreakGlassForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=20)
    reason = forms.CharField(label=_("Why you need this case now"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
