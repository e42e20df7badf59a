"""Synthetic cases for tests: always through the services, as a caseworker would open them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from carnet.accounts.models import User
from carnet.cases.identity import Identity
from carnet.cases.models import Case
from carnet.cases.services import NewCase, case_open
from carnet.core.models import Country


def synthetic_identity(**overrides: Any) -> Identity:
    values: dict[str, Any] = {
        "given_names": "Testa",
        "family_name": "Syntheticova",
        "aliases": ["Tessa"],
        "date_of_birth": date(2011, 4, 2),
        "citizenships": ["LT"],
        "languages": ["lt", "ru"],
        "contacts": "+370 600 00000 (test)",
    }
    values.update(overrides)
    return Identity(**values)


def open_case(owner: User, *, country: str | None = None, opened_on: date | None = None, **overrides: Any) -> Case:
    """Open a case as ``owner`` in their country (the first country they can open cases in)."""
    from carnet.cases.policies import countries_where_can_open

    code = country or countries_where_can_open(owner)[0]
    identity = overrides.pop("identity", None) or synthetic_identity()
    new = NewCase(
        country=Country.objects.get(code=code),
        identity=identity,
        opened_on=opened_on or timezone.localdate() - timedelta(days=3),
        **overrides,
    )
    return case_open(actor=owner, new=new)
