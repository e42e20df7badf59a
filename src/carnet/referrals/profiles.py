"""What a referral is for, how urgent it is, on what legal basis, and what it may share.

A **disclosure profile** is a named, fixed set of fields of the child's case and kinds
of document. The sender picks one; the receiving side sees exactly that, on every
channel (page, API, PDF, search), because it only ever reads the referral message
built from the profile, never the sender's case. Each **purpose** allows a maximum set
of fields: a profile that carries more than its purpose needs is refused (data
minimisation, GDPR art. 5(1)(c)).

Profiles are code, not data: they are part of the message format (a receiving
installation must know what ``return`` means), so a change is a new format version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Purpose(models.TextChoices):
    FAMILY_TRACING = "family_tracing", _("Family tracing")
    RISK_ASSESSMENT = "risk_assessment", _("Risk assessment in the country of origin")
    RETURN_PREPARATION = "return_preparation", _("Return preparation")
    SERVICE_CONTINUITY = "service_continuity", _("Continuity of services")
    INFORMATION_REQUEST = "information_request", _("Request for information")


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent")
    EMERGENCY = "emergency", _("Emergency")


# Days the receiving NCP has to answer (acknowledge and accept or decline), by urgency.
URGENCY_DAYS = {Urgency.ROUTINE: 30, Urgency.URGENT: 7, Urgency.EMERGENCY: 2}


def default_deadline(urgency: str, *, today: date) -> date:
    return today + timedelta(days=URGENCY_DAYS[Urgency(urgency)])


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("Consent of the child and the guardian")
    LEGAL_MANDATE = "legal_mandate", _("Legal mandate")


class Outcome(models.TextChoices):
    RETURNED_IN_CARE = "returned_in_care", _("Child returned and in the care of the receiving services")
    FAMILY_FOUND = "family_found", _("Family traced")
    FAMILY_NOT_FOUND = "family_not_found", _("Family not found")
    RISK_ASSESSED = "risk_assessed", _("Risk assessment delivered")
    SERVICES_CONTINUED = "services_continued", _("Services continued")
    INFORMATION_PROVIDED = "information_provided", _("Information provided")
    CHILD_NOT_LOCATED = "child_not_located", _("Child could not be located")
    OTHER = "other", _("Other")


class Field(models.TextChoices):
    """The parts of a case a referral can carry. The child's contacts and whereabouts are never among them."""

    SEX = "sex", _("Sex")
    AGE_BAND = "age_band", _("Age band")
    FULL_NAME = "full_name", pgettext_lazy("a person's name", "Name")
    ALIASES = "aliases", _("Other names")
    DATE_OF_BIRTH = "date_of_birth", _("Date of birth")
    CITIZENSHIPS = "citizenships", _("Citizenships")
    LANGUAGES = "languages", _("Languages")
    IDENTITY_DOCUMENTS = "identity_documents", _("Identity documents")
    RISK_LEVEL = "risk_level", _("Risk level")
    FLAGS = "flags", _("Warnings (flags)")
    TRAFFICKING_STATUS = "trafficking_status", _("Trafficking status")
    EXPLOITATION = "exploitation", _("Forms of exploitation")
    ROUTE = "route", _("Route")
    CARE_PLAN = "care_plan", _("Care plan")
    DETERMINATION = "determination", _("Best-interests determination")
    RETURN_PLAN = "return_plan", _("Return plan")


class DocumentKind(models.TextChoices):
    """What an attachment on a referral's thread is; a profile says which kinds it may carry."""

    CORRESPONDENCE = "correspondence", _("Letter or note")
    IDENTITY_DOCUMENT = "identity_document", _("Copy of an identity document")
    SOCIAL_REPORT = "social_report", _("Social report")
    MEDICAL = "medical", _("Medical report")
    BEST_INTERESTS = "best_interests", _("Best-interests assessment or determination")
    RETURN_PLAN = "return_plan", _("Return plan or follow-up report")


@dataclass(frozen=True)
class DisclosureProfile:
    name: str
    label: Promise
    fields: frozenset[str]
    documents: frozenset[str]


F = Field
D = DocumentKind
_MINIMAL = frozenset({F.SEX, F.AGE_BAND, F.CITIZENSHIPS, F.LANGUAGES})
_IDENTIFICATION = _MINIMAL | {F.FULL_NAME, F.ALIASES, F.DATE_OF_BIRTH, F.IDENTITY_DOCUMENTS}
_RISK = _IDENTIFICATION | {F.RISK_LEVEL, F.FLAGS, F.TRAFFICKING_STATUS, F.EXPLOITATION, F.ROUTE}
_CONTINUITY = _IDENTIFICATION | {F.RISK_LEVEL, F.FLAGS, F.CARE_PLAN}
_RETURN = _IDENTIFICATION | {F.RISK_LEVEL, F.FLAGS, F.TRAFFICKING_STATUS, F.CARE_PLAN, F.DETERMINATION, F.RETURN_PLAN}

PROFILES: dict[str, DisclosureProfile] = {
    p.name: p
    for p in (
        DisclosureProfile("minimal", _("Minimal: no name, no date of birth"), _MINIMAL, frozenset({D.CORRESPONDENCE})),
        DisclosureProfile("identification", _("Identification"), _IDENTIFICATION, frozenset({D.CORRESPONDENCE, D.IDENTITY_DOCUMENT})),
        DisclosureProfile("risk", _("Identification and risk"), _RISK, frozenset({D.CORRESPONDENCE, D.IDENTITY_DOCUMENT, D.SOCIAL_REPORT})),
        DisclosureProfile(
            "continuity",
            _("Identification and care plan"),
            _CONTINUITY,
            frozenset({D.CORRESPONDENCE, D.IDENTITY_DOCUMENT, D.SOCIAL_REPORT, D.MEDICAL}),
        ),
        DisclosureProfile("return", _("Return"), _RETURN, frozenset(DocumentKind.values)),
    )
}

# The most each purpose may share, and the profile it suggests.
PURPOSE_ALLOWS: dict[str, frozenset[str]] = {
    Purpose.FAMILY_TRACING: _IDENTIFICATION | {F.ROUTE},
    Purpose.RISK_ASSESSMENT: _RISK,
    Purpose.RETURN_PREPARATION: _RETURN,
    Purpose.SERVICE_CONTINUITY: _CONTINUITY,
    Purpose.INFORMATION_REQUEST: _IDENTIFICATION,
}
PURPOSE_DEFAULT_PROFILE: dict[str, str] = {
    Purpose.FAMILY_TRACING: "identification",
    Purpose.RISK_ASSESSMENT: "risk",
    Purpose.RETURN_PREPARATION: "return",
    Purpose.SERVICE_CONTINUITY: "continuity",
    Purpose.INFORMATION_REQUEST: "minimal",
}


def profiles_for(purpose: str) -> list[DisclosureProfile]:
    """The profiles a purpose allows, smallest first."""
    allowed = PURPOSE_ALLOWS.get(purpose, frozenset())
    return sorted((p for p in PROFILES.values() if p.fields <= allowed), key=lambda p: len(p.fields))


def fields_beyond(purpose: str, profile: str) -> list[str]:
    """The fields of ``profile`` that ``purpose`` does not allow (empty when the profile fits)."""
    return sorted(PROFILES[profile].fields - PURPOSE_ALLOWS.get(purpose, frozenset()))


FIELD_ORDER = list(Field.values)


def ordered(fields: frozenset[str]) -> list[str]:
    return [f for f in FIELD_ORDER if f in fields]
