"""A child's identity: encrypted at rest under the child's data key, searchable only through the blind index.

Only services and selectors call these functions, and they audit every call
(``child.identity.read`` / ``child.identity.write``). Nothing here decides who may.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date

from carnet.cases.models import Child, ChildIndex, IdentityDocument
from carnet.cases.models.codes import AgeBand
from carnet.core.crypto import (
    blind_index,
    data_key_create,
    decrypt_field,
    encrypt_field,
    normalise_document_number,
    normalise_name,
)

NAME_PURPOSE = "child.name"
DOCUMENT_PURPOSE = "child.document"
NAME_DOB_PURPOSE = "child.name_dob"


@dataclass
class Identity:
    """The identifying facts about a child, in clear, only ever in memory."""

    given_names: str = ""
    family_name: str = ""
    aliases: list[str] = field(default_factory=list)
    date_of_birth: date | None = None
    estimated_age: int | None = None
    citizenships: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    contacts: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_names, self.family_name) if part)

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is not None:
            born = self.date_of_birth
            return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
        return self.estimated_age


def age_band_for(age: int | None) -> AgeBand:
    if age is None:
        return AgeBand.UNKNOWN
    if age < 12:
        return AgeBand.UNDER_12
    if age < 15:
        return AgeBand.AGE_12_14
    if age < 18:
        return AgeBand.AGE_15_17
    return AgeBand.ADULT


_TEXT_FIELDS = {"given_names": "given_names_enc", "family_name": "family_name_enc", "contacts": "contacts_enc"}
_JSON_FIELDS = {"aliases": "aliases_enc", "citizenships": "citizenships_enc", "languages": "languages_enc"}


def ensure_data_key(child: Child) -> None:
    if child.data_key_id is None:
        child.data_key = data_key_create()


def name_digests(identity: Identity) -> set[str]:
    """Every name the child may be searched by: full name in both orders, and each alias."""
    names = {identity.full_name, f"{identity.family_name} {identity.given_names}".strip(), *identity.aliases}
    return {blind_index(name, purpose=NAME_PURPOSE, normalise=normalise_name) for name in names if name.strip()}


def name_dob_digest(identity: Identity) -> str | None:
    """Full name and date of birth together: what a cross-border "possible match" compares, never in clear."""
    if not identity.full_name or identity.date_of_birth is None:
        return None
    return blind_index(f"{identity.full_name}|{identity.date_of_birth.isoformat()}", purpose=NAME_DOB_PURPOSE, normalise=normalise_name)


def search_digest(name: str) -> str:
    return blind_index(name, purpose=NAME_PURPOSE, normalise=normalise_name)


def document_digest(number: str) -> str:
    return blind_index(number, purpose=DOCUMENT_PURPOSE, normalise=normalise_document_number)


def write_identity(child: Child, identity: Identity, *, today: date) -> None:
    """Encrypt ``identity`` into ``child``, save it, and rebuild its blind-index entries (the caller holds the transaction)."""
    ensure_data_key(child)
    key = child.data_key
    assert key is not None  # noqa: S101  (ensure_data_key just set it)
    for attr, column in _TEXT_FIELDS.items():
        value = getattr(identity, attr)
        encrypt_field(child, column, value or None, data_key=key)
    for attr, column in _JSON_FIELDS.items():
        values = getattr(identity, attr)
        encrypt_field(child, column, json.dumps(values, ensure_ascii=False) if values else None, data_key=key)
    encrypt_field(child, "date_of_birth_enc", identity.date_of_birth.isoformat() if identity.date_of_birth else None, data_key=key)
    encrypt_field(child, "estimated_age_enc", str(identity.estimated_age) if identity.estimated_age is not None else None, data_key=key)
    child.age_band = age_band_for(identity.age_on(today))
    child.save()
    ChildIndex.objects.filter(child=child, kind__in=[ChildIndex.Kind.NAME, ChildIndex.Kind.NAME_DOB]).delete()
    entries = [ChildIndex(child=child, kind=ChildIndex.Kind.NAME, digest=d) for d in sorted(name_digests(identity))]
    combined = name_dob_digest(identity)
    if combined:
        entries.append(ChildIndex(child=child, kind=ChildIndex.Kind.NAME_DOB, digest=combined))
    ChildIndex.objects.bulk_create(entries)


def read_identity(child: Child) -> Identity:
    """Decrypt ``child``'s identity. Raises (never returns ciphertext) on a wrong key or tampering."""
    if child.anonymised_at is not None or child.data_key_id is None:
        return Identity()
    key = child.data_key
    values: dict[str, object] = {}
    for attr, column in _TEXT_FIELDS.items():
        values[attr] = decrypt_field(child, column, data_key=key) or ""
    for attr, column in _JSON_FIELDS.items():
        raw = decrypt_field(child, column, data_key=key)
        values[attr] = json.loads(raw) if raw else []
    dob = decrypt_field(child, "date_of_birth_enc", data_key=key)
    values["date_of_birth"] = date.fromisoformat(str(dob)) if dob else None
    age = decrypt_field(child, "estimated_age_enc", data_key=key)
    values["estimated_age"] = int(str(age)) if age else None
    return Identity(**values)  # type: ignore[arg-type]  # built field by field above


def add_identity_document(
    child: Child, *, kind: str, number: str, issuing_country: str = "", expires: date | None = None
) -> IdentityDocument:
    ensure_data_key(child)
    document = IdentityDocument(child=child, kind=kind, issuing_country=issuing_country)
    assert child.data_key is not None  # noqa: S101  (ensured above)
    encrypt_field(document, "number_enc", number, data_key=child.data_key)
    encrypt_field(document, "expires_enc", expires.isoformat() if expires else None, data_key=child.data_key)
    document.save()
    ChildIndex.objects.get_or_create(child=child, kind=ChildIndex.Kind.DOCUMENT, digest=document_digest(number))
    return document


def read_document_number(document: IdentityDocument) -> str:
    return str(decrypt_field(document, "number_enc", data_key=document.child.data_key) or "")


def identity_as_dict(identity: Identity) -> dict[str, object]:
    data = asdict(identity)
    data["date_of_birth"] = identity.date_of_birth.isoformat() if identity.date_of_birth else None
    return data
