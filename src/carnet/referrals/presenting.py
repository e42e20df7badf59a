"""What a referral's pages and printout show, in words: the shared subject and the disclosure profile with human labels.

Only what the delivered message carries is turned into rows; a field outside the profile is
``None`` here and the templates leave it out entirely (not an empty row), so a page, a PDF and
the API show the same set of fields. Codes stored in the message (sex, risk, flags, statuses,
forms of exploitation, route stages, pillars, decisions) are shown with the labels of the case
file's own code lists, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from carnet.cases.models.codes import (
    AgeBand,
    DurableSolution,
    ExploitationType,
    FlagKind,
    Pillar,
    RiskLevel,
    RouteStage,
    ServiceStatus,
    Sex,
    TraffickingStatus,
)
from carnet.core.models import Country
from carnet.referrals.message import Subject
from carnet.referrals.profiles import PROFILES, PURPOSE_ALLOWS, DocumentKind, Field, Purpose, ordered

# The kinds of identity document the case file records (carnet.cases.forms.IdentityDocumentForm.KINDS).
IDENTITY_DOCUMENT_KINDS = {
    "passport": _("Passport"),
    "national_id": _("National identity card"),
    "birth_certificate": _("Birth certificate"),
    "residence_permit": _("Residence permit"),
    "other": _("Other"),
}


def label(choices: type[models.TextChoices], value: str) -> str:
    """The label of a code in the reader's language, or the code itself when it is not (or no longer) on the list."""
    return str(dict(choices.choices).get(value, value))


def country_names(codes: Iterable[str]) -> dict[str, str]:
    """Country names for ISO codes, as far as carnet knows the country (the code stands for the others)."""
    wanted = sorted({c.upper() for c in codes if c})
    names = {c: c for c in wanted}
    for country in Country.objects.filter(code__in=wanted).prefetch_related("translations"):
        names[country.code] = str(country)
    return names


def language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


@dataclass(frozen=True)
class ProfileView:
    name: str
    label: str
    fields: list[str]
    documents: list[str]
    purposes: list[str]  # the purposes that allow this profile


def profile_view(name: str) -> ProfileView:
    profile = PROFILES[name]
    return ProfileView(
        name=profile.name,
        label=str(profile.label),
        fields=[label(Field, f) for f in ordered(profile.fields)],
        documents=[label(DocumentKind, d) for d in DocumentKind.values if d in profile.documents],
        purposes=[str(p.label) for p in Purpose if profile.fields <= PURPOSE_ALLOWS[p]],
    )


def all_profiles() -> list[ProfileView]:
    """Every profile, smallest first."""
    return [profile_view(p.name) for p in sorted(PROFILES.values(), key=lambda p: len(p.fields))]


@dataclass
class SubjectView:
    """The child as shared, in words; ``None`` for every field the profile did not carry."""

    name: str | None = None
    aliases: list[str] | None = None
    sex: str | None = None
    age_band: str | None = None
    date_of_birth: date | None = None
    citizenships: list[str] | None = None
    languages: list[str] | None = None
    documents: list[dict[str, str]] | None = None
    risk_level: str | None = None
    flags: list[str] | None = None
    trafficking_status: dict[str, Any] | None = None
    exploitation: list[dict[str, Any]] | None = None
    route: list[dict[str, Any]] | None = None
    care_plan: list[dict[str, Any]] | None = None
    determination: dict[str, Any] | None = None
    return_plan: dict[str, Any] | None = None


def _codes_of(subject: Subject) -> list[str]:
    codes = list(subject.citizenships or [])
    codes += [d.issuing_country for d in subject.identity_documents or []]
    codes += [e.country for e in subject.exploitation or []]
    codes += [r.country for r in subject.route or []]
    if subject.return_plan is not None:
        codes.append(subject.return_plan.receiving_country)
    return codes


def subject_view(subject: Subject) -> SubjectView:
    names = country_names(_codes_of(subject))

    def country(code: str) -> str:
        return names.get(code.upper(), code) if code else ""

    view = SubjectView()
    if subject.given_names is not None or subject.family_name is not None:
        view.name = " ".join(part for part in (subject.given_names, subject.family_name) if part)
    if subject.aliases is not None:
        view.aliases = list(subject.aliases)
    if subject.sex is not None:
        view.sex = label(Sex, subject.sex)
    if subject.age_band is not None:
        view.age_band = label(AgeBand, subject.age_band)
    view.date_of_birth = subject.date_of_birth
    if subject.citizenships is not None:
        view.citizenships = [country(c) for c in subject.citizenships]
    if subject.languages is not None:
        view.languages = [language_name(code) for code in subject.languages]
    if subject.identity_documents is not None:
        view.documents = [
            {"kind": str(IDENTITY_DOCUMENT_KINDS.get(d.kind, d.kind)), "number": d.number, "issuing_country": country(d.issuing_country)}
            for d in subject.identity_documents
        ]
    if subject.risk_level is not None:
        view.risk_level = label(RiskLevel, subject.risk_level)
    if subject.flags is not None:
        view.flags = [label(FlagKind, f) for f in subject.flags]
    if subject.trafficking_status is not None:
        status = subject.trafficking_status
        view.trafficking_status = {
            "status": label(TraffickingStatus, status.status),
            "decided_on": status.decided_on,
            "organisation": status.deciding_organisation,
        }
    if subject.exploitation is not None:
        view.exploitation = [
            {"kind": label(ExploitationType, e.kind), "country": country(e.country), "started_on": e.started_on, "ended_on": e.ended_on}
            for e in subject.exploitation
        ]
    if subject.route is not None:
        view.route = [
            {"stage": label(RouteStage, r.stage), "country": country(r.country), "city": r.city, "on": r.on} for r in subject.route
        ]
    if subject.care_plan is not None:
        view.care_plan = [
            {
                "pillar": label(Pillar, o.pillar),
                "text": o.text,
                "target_on": o.target_on,
                "achieved_on": o.achieved_on,
                "services": [{"kind": s.kind, "provider": s.provider, "status": label(ServiceStatus, s.status)} for s in o.services],
            }
            for o in subject.care_plan
        ]
    if subject.determination is not None:
        d = subject.determination
        view.determination = {
            "decision": label(DurableSolution, d.decision),
            "decided_on": d.decided_on,
            "review_on": d.review_on,
            "panel": d.panel,
            "reasons": d.reasons,
        }
    if subject.return_plan is not None:
        plan = subject.return_plan
        view.return_plan = {
            "receiving_country": country(plan.receiving_country),
            "receiving_agency": plan.receiving_agency,
            "escort": plan.escort,
            "travel_on": plan.travel_on,
            "visits_planned": list(plan.visits_planned),
        }
    return view
