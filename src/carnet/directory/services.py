"""Writes to the directory. People and contact sharing come with the directory issue."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from carnet.audit.services import record
from carnet.core.models import Country
from carnet.directory.models import Organisation


@transaction.atomic
def organisation_ensure(*, actor: Any, slug: str, kind: str, names: dict[str, str], country: Country | None = None) -> Organisation:
    """The organisation with ``slug``, created with its names per language if it does not exist yet."""
    existing: Organisation | None = Organisation.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    organisation = Organisation(slug=slug, kind=kind, country=country)
    for language, name in names.items():
        organisation.set_current_language(language)
        organisation.name = name
    organisation.full_clean()
    organisation.save()
    record(actor=actor, action="organisation.create", obj=organisation)
    return organisation
