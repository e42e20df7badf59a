"""Synthetic demo cases: a few dozen children across several countries. No real person, ever.

Names are built from invented syllables so that they cannot be anyone's; dates are
drawn from a fixed seed so that the demo is the same on every machine.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from carnet.accounts.models import Role, User
from carnet.accounts.services import membership_grant, user_create
from carnet.cases.identity import Identity
from carnet.cases.models import (
    BreakGlass,
    Case,
    CaseCounter,
    Child,
)
from carnet.cases.models.codes import CriminalitySubtype, ExploitationType, FlagKind, LegalBasis, RiskLevel, Sex, TraffickingStatus
from carnet.cases.services import NewCase, case_close, case_open, flag_raise
from carnet.cases.services_identification import exploitation_add, status_decision_add
from carnet.core.crypto import data_key_shred
from carnet.core.models import Country, DataKey

# Demo staff who own cases in countries without a demo account; they cannot sign in.
EXTRA_STAFF = {"PL": "demo-caseworker-pl", "EE": "demo-caseworker-ee", "FI": "demo-caseworker-fi", "LV": "demo-caseworker-lv"}
CASES_PER_COUNTRY = {"SE": 12, "LT": 10, "PL": 5, "EE": 4, "FI": 3, "LV": 3}
OWNERS = {"SE": ["caseworker-se", "supervisor-se"], "LT": ["caseworker-lt", "ncp-lt"]}
_SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "za", "be", "da", "fe", "go", "ji", "pu", "xo"]
_LANGUAGES = {"SE": "sv", "LT": "lt", "PL": "pl", "EE": "et", "FI": "fi", "LV": "lv"}
_ORIGINS = ["LT", "PL", "LV", "EE", "RO", "UA", "VN", "NG", "AF", "SY"]


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(parts)).capitalize()


def _staff(country: str) -> list[User]:
    names = OWNERS.get(country)
    if names:
        return list(User.objects.filter(username__in=names).order_by("username"))
    username = EXTRA_STAFF[country]
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(actor=None, username=username, email=f"{username}@demo.carnet.invalid", password=None)
        membership_grant(actor=None, user=user, role=Role.CASEWORKER, country=Country.objects.get(code=country), purpose="demo data")
    return [user]


@transaction.atomic
def reset(*, out: TextIO) -> None:
    demo_staff = list(OWNERS["SE"]) + list(OWNERS["LT"]) + list(EXTRA_STAFF.values())
    cases = Case.objects.filter(team__user__username__in=demo_staff, team__role="owner")
    children = list(Child.objects.filter(cases__in=cases).values_list("pk", "data_key_id"))
    BreakGlass.objects.filter(case__in=cases).delete()
    Case.objects.filter(pk__in=list(cases.values_list("pk", flat=True))).delete()
    Child.objects.filter(pk__in=[pk for pk, _key in children]).delete()
    for key in DataKey.objects.filter(pk__in=[key for _pk, key in children if key]):
        data_key_shred(data_key=key)
    CaseCounter.objects.all().delete()
    User.objects.filter(username__in=EXTRA_STAFF.values()).delete()
    out.write(f"Removed {len(children)} demo cases.\n")


_DECIDERS = {"SE": "Demo police unit, Sweden", "LT": "Demo police unit, Lithuania"}


def _identification(rng: random.Random, owner: User, case: Case, country_code: str) -> None:
    """A plausible, synthetic identification: a status decision and one or two forms of exploitation."""
    decided = case.identified_on or case.opened_on
    status = rng.choice([TraffickingStatus.POSSIBLE, TraffickingStatus.POSSIBLE, TraffickingStatus.ACTUAL])
    status_decision_add(
        actor=owner, case=case, status=status, deciding_organisation=_DECIDERS.get(country_code, "Demo authority"), decided_on=decided
    )
    kind = rng.choice(
        [
            ExploitationType.SEXUAL,
            ExploitationType.LABOUR,
            ExploitationType.CRIMINALITY,
            ExploitationType.CRIMINALITY,
            ExploitationType.BEGGING,
        ]
    )
    subtype = rng.choice(list(CriminalitySubtype)) if kind == ExploitationType.CRIMINALITY else ""
    exploitation_add(
        actor=owner,
        case=case,
        kind=kind,
        criminality_subtype=subtype,
        country=country_code,
        non_punishment_considered=kind == ExploitationType.CRIMINALITY and rng.random() < 0.7,
    )


@transaction.atomic
def load(*, out: TextIO) -> None:
    if Case.objects.filter(team__user__username="caseworker-se").exists():
        out.write(f"Demo cases: {Case.objects.count()} already loaded.\n")
        return
    rng = random.Random(20071024)  # noqa: S311  (demo data, not security)
    today = timezone.localdate()
    total = 0
    for country_code, count in CASES_PER_COUNTRY.items():
        country = Country.objects.get(code=country_code)
        staff = _staff(country_code)
        for index in range(count):
            owner = staff[index % len(staff)]
            age = rng.randint(9, 17)
            opened = today - timedelta(days=rng.randint(5, 700))
            born = opened - timedelta(days=365 * age + rng.randint(0, 360))
            origin = rng.choice([c for c in _ORIGINS if c != country_code])
            identity = Identity(
                given_names=_name(rng, 2),
                family_name=_name(rng, 3),
                aliases=[_name(rng, 2)] if rng.random() < 0.3 else [],
                date_of_birth=born if rng.random() < 0.7 else None,
                estimated_age=None,
                citizenships=[origin],
                languages=[_LANGUAGES.get(origin.upper(), "en"), "en"] if rng.random() < 0.5 else ["ru"],
                contacts="",
            )
            if identity.date_of_birth is None:
                identity.estimated_age = age
            case = case_open(
                actor=owner,
                new=NewCase(
                    country=country,
                    identity=identity,
                    opened_on=opened,
                    identified_on=opened + timedelta(days=rng.randint(0, 20)) if rng.random() < 0.6 else None,
                    sex=rng.choice([Sex.FEMALE, Sex.MALE, Sex.FEMALE, Sex.UNKNOWN]),
                    risk_level=rng.choice(list(RiskLevel)),
                    legal_basis=rng.choice([LegalBasis.LEGAL_MANDATE, LegalBasis.CONSENT_GUARDIAN]),
                ),
            )
            if case.identified_on and case.identified_on > today:
                case.identified_on = today
                case.save(update_fields=["identified_on"])
            if rng.random() < 0.75:
                _identification(rng, owner, case, country_code)
            if rng.random() < 0.3:
                flag_raise(actor=owner, case=case, kind=rng.choice(list(FlagKind)), reason="demo: synthetic concern")
            if rng.random() < 0.15:
                case_close(actor=owner, case=case, reason="demo: child returned to family, follow-up done")
            total += 1
    out.write(f"Demo cases: {total} synthetic cases in {len(CASES_PER_COUNTRY)} countries.\n")
