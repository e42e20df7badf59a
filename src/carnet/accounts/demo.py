"""Demo accounts: synthetic people, one per role, with second factors enrolled where the role needs one.

Every app may have a ``demo.py`` with ``load(*, out)`` and ``reset(*, out)``; `carnet demo`
resets in reverse INSTALLED_APPS order (``--reset``), then loads in order. Nothing here may ever describe a real person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.db import transaction

from carnet.accounts.models import SECOND_FACTOR_ROLES, Role, User
from carnet.accounts.services import membership_grant, user_create
from carnet.core.models import Country
from carnet.directory.models import Organisation
from carnet.directory.services import organisation_ensure


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    country: str | None
    organisation: str | None = None
    first_name: str = ""
    last_name: str = ""


DEMO_ACCOUNTS = [
    DemoAccount("secretariat", Role.SECRETARIAT, None, "cbss-secretariat", "Sam", "Secretariat"),
    DemoAccount("ncp-se", Role.NCP, "SE", "demo-ncp-se", "Nora", "Contact-Point (SE)"),
    DemoAccount("ncp-lt", Role.NCP, "LT", "demo-ncp-lt", "Nikolai", "Contact-Point (LT)"),
    DemoAccount("caseworker-se", Role.CASEWORKER, "SE", "demo-social-services-se", "Cecilia", "Caseworker (SE)"),
    DemoAccount("caseworker-lt", Role.CASEWORKER, "LT", "demo-social-services-lt", "Carl", "Caseworker (LT)"),
    DemoAccount("supervisor-se", Role.SUPERVISOR, "SE", "demo-social-services-se", "Sofia", "Supervisor (SE)"),
    DemoAccount("coordinator-lt", Role.COORDINATOR, "LT", None, "Kristina", "Coordinator (LT)"),
    DemoAccount("researcher", Role.RESEARCHER, None, None, "Rasmus", "Researcher"),
    DemoAccount("expert-ee", Role.EXPERT, "EE", None, "Eva", "Expert (EE)"),
    DemoAccount("member-fi", Role.MEMBER, "FI", None, "Mikko", "Member (FI)"),
    DemoAccount("sysadmin", Role.SYSADMIN, None, None, "Sigrid", "Sysadmin"),
]


def _totp_uri(user: User) -> str | None:
    device = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if device is None:
        return None
    return str(get_mfa_adapter().build_totp_url(user, decrypt(device.data["secret"])))


# Synthetic organisations for the demo accounts: (slug, country, kind, English, Russian).
DEMO_ORGANISATIONS = [
    ("demo-ncp-se", "SE", "state_authority", "National contact point of Sweden (demo)", "Национальный контактный пункт Швеции (демо)"),
    ("demo-ncp-lt", "LT", "state_authority", "National contact point of Lithuania (demo)", "Национальный контактный пункт Литвы (демо)"),
    ("demo-social-services-se", "SE", "state_authority", "Demo social services, Sweden", "Демонстрационная социальная служба, Швеция"),
    ("demo-social-services-lt", "LT", "state_authority", "Demo social services, Lithuania", "Демонстрационная социальная служба, Литва"),
]


@transaction.atomic
def reset(*, out: TextIO) -> None:
    """Remove the demo accounts (other apps' demo data, which points at them, is removed first)."""
    User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]).delete()


@transaction.atomic
def load(*, reset: bool = False, out: TextIO) -> None:
    password = settings.CARNET_DEMO_PASSWORD
    countries = {c.code: c for c in Country.objects.all()}
    for slug, country, kind, english, russian in DEMO_ORGANISATIONS:
        organisation_ensure(actor=None, slug=slug, kind=kind, names={"en": english, "ru": russian}, country=countries[country])
    organisations = {o.slug: o for o in Organisation.objects.all()}
    out.write(f"Demo accounts (password: {password})\n")
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username=account.username).first()
        if user is None:
            user = user_create(
                actor=None,
                username=account.username,
                email=f"{account.username}@demo.carnet.invalid",
                password=password,
                first_name=account.first_name,
                last_name=account.last_name,
            )
        membership_grant(
            actor=None,
            user=user,
            role=account.role,
            country=countries.get(account.country or ""),
            organisation=organisations.get(account.organisation or ""),
            purpose="demo data",
        )
        if account.role in SECOND_FACTOR_ROLES and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, generate_totp_secret())
            RecoveryCodes.activate(user)
        where = account.country or "region"
        uri = _totp_uri(user)
        out.write(f"  {account.username:<15} {account.role.label} · {where}\n")
        if uri:
            out.write(f"  {'':<15} second factor: {uri}\n")
