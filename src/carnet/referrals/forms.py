"""Forms of the referral pages.

The choices a page offers are the sensible ones (countries with an operational national
contact point, the profile's kinds of document, the receiving country's staff), but the
fields themselves accept any text: a tampered or stale choice reaches the service, which
refuses it with its own clear message. Required-ness of reasons and of the legal basis is
likewise left to the services, so a form and the API say the same thing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Membership, Role, User
from carnet.cases.models import Case
from carnet.core.models import Country, NcpStatus
from carnet.referrals.models import Referral, Status
from carnet.referrals.profiles import PROFILES, DocumentKind, Outcome, Purpose, Urgency

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


def _blank(text: Any) -> list[tuple[str, Any]]:
    return [("", text)]


def operational_countries(*, excluding: str = "") -> list[tuple[str, str]]:
    """Countries whose national contact point is operational (where a referral can go), by name."""
    countries = Country.objects.filter(ncp_status=NcpStatus.OPERATIONAL).exclude(code=excluding).prefetch_related("translations")
    return [(c.code, str(c)) for c in countries]


def all_countries() -> list[tuple[str, str]]:
    return [(c.code, str(c)) for c in Country.objects.prefetch_related("translations")]


def receiving_staff(referral: Referral) -> list[tuple[str, str]]:
    """The receiving country's caseworkers, supervisors and NCP staff: who a referral can be handed to."""
    ids = (
        Membership.objects.active()
        .filter(role__in=[Role.CASEWORKER, Role.SUPERVISOR, Role.NCP], country__code=referral.to_country.code)
        .values("user_id")
    )
    people = User.objects.filter(pk__in=ids, is_active=True).order_by("username")
    return [(u.get_username(), f"{u.get_username()} ({u.get_full_name()})" if u.get_full_name() else u.get_username()) for u in people]


class FilterForm(forms.Form):
    """The filters of the inbox and the outbox (GET)."""

    status = forms.ChoiceField(label=_("Status"), required=False, choices=_blank(_("Any status")) + list(Status.choices))
    purpose = forms.ChoiceField(label=_("Purpose"), required=False, choices=_blank(_("Any purpose")) + list(Purpose.choices))
    country = forms.ChoiceField(label=_("Country"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("A cross-border reference, or a child's exact name or document number (as far as the referral shared it)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = _blank(_("Any country")) + all_countries()  # type: ignore[attr-defined]  # a ChoiceField


class ReferralForm(forms.Form):
    """A new referral from a case (saved as a draft; the sending country's NCP sends it)."""

    to_country = forms.CharField(label=_("Refer to"), required=False, max_length=2, widget=forms.Select)
    purpose = forms.CharField(label=_("Purpose"), required=False, max_length=30, widget=forms.Select)
    urgency = forms.CharField(label=_("Urgency"), required=False, max_length=20, widget=forms.Select, initial=Urgency.ROUTINE)
    respond_by = forms.DateField(
        label=_("Answer by"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty for the usual time: 30 days when routine, 7 days when urgent, 2 days in an emergency."),
    )
    legal_basis = forms.CharField(label=_("Legal basis"), required=False, max_length=20)
    legal_basis_decided_by = forms.CharField(
        label=_("Decided by"),
        required=False,
        max_length=200,
        help_text=_("Who gave the consent (the child and the guardian) or decided on the legal mandate."),
    )
    legal_basis_decided_on = forms.DateField(label=_("Decided on"), required=False, widget=DATE)
    profile = forms.CharField(label=_("What is shared"), required=False, max_length=30)
    note = forms.CharField(
        label=_("Covering note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For the receiving national contact point. It travels with the referral."),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_country"].widget.choices = _blank(_("Choose a country")) + operational_countries(excluding=case.country.code)
        self.fields["purpose"].widget.choices = _blank(_("Choose a purpose")) + list(Purpose.choices)
        self.fields["urgency"].widget.choices = list(Urgency.choices)


class MatchForm(forms.Form):
    country = forms.CharField(label=_("Country to ask"), required=False, max_length=2, widget=forms.Select)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].widget.choices = _blank(_("Choose a country")) + operational_countries(excluding=case.country.code)


class EmptyForm(forms.Form):
    """A step that needs nothing but the button (send, acknowledge, start...)."""


class QuestionForm(forms.Form):
    question = forms.CharField(label=_("What information do you need?"), required=False, max_length=2000, widget=TEXT)


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("The information asked for"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000, widget=TEXT)


class AcceptForm(forms.Form):
    assign_to = forms.CharField(label=_("Assign to"), required=False, max_length=150, widget=forms.Select)
    existing_case = forms.CharField(
        label=_("Link an existing case instead"),
        required=False,
        max_length=20,
        help_text=_("The number of a case of your country that already concerns this child. Leave empty to open a new case."),
    )

    def __init__(self, *args: Any, staff: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assign_to"].widget.choices = _blank(_("Nobody yet")) + staff


class AssignForm(forms.Form):
    username = forms.CharField(label=_("Assign to"), required=False, max_length=150, widget=forms.Select)

    def __init__(self, *args: Any, staff: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.choices = _blank(_("Choose a person")) + staff


class CompleteForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), required=False, max_length=30, widget=forms.Select)
    note = forms.CharField(label=_("Note on the outcome"), required=False, max_length=2000, widget=TEXT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].widget.choices = _blank(_("Choose the outcome")) + list(Outcome.choices)


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    kind = forms.CharField(label=_("Kind of document"), required=False, max_length=30, widget=forms.Select)
    file = forms.FileField(label=_("Attachment"), required=False, help_text=_("Optional. PDF, image, text or word-processor file."))

    def __init__(self, *args: Any, profile: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = PROFILES[profile].documents
        kinds = [(value, text) for value, text in DocumentKind.choices if value in allowed]
        self.fields["kind"].widget.choices = _blank(_("No attachment")) + kinds
        self.fields["kind"].help_text = _("Only the kinds of document that this referral's disclosure profile allows.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("file") and not data.get("kind"):
            self.add_error("kind", _("Say what kind of document the attachment is."))
        if data.get("kind") and not data.get("file"):
            self.add_error("file", _("Choose the file to attach, or set the kind of document to “No attachment”."))
        return data


class FollowUpForm(forms.Form):
    visited_on = forms.DateField(label=_("Visited on"), widget=DATE)
    planned_on = forms.DateField(
        label=_("Planned for"), required=False, widget=DATE, help_text=_("The planned date of this visit, if any.")
    )
    result = forms.CharField(label=_("What the visit found"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
