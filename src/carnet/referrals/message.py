"""The referral as a message: a versioned JSON document, the only thing that crosses a border.

The format is ``carnet.referral/1``; its JSON Schema is committed at
``docs/referral-message.schema.json`` (generated from these classes, kept equal by a
test). Four kinds of message travel: ``referral`` (the referral itself, with the
child's data limited to its disclosure profile), ``event`` (a step of the lifecycle),
``note`` (a message on the thread, with attachments) and ``follow_up`` (a visit after a
return). A receiving installation validates every message against the schema and
refuses one whose subject carries a field outside its profile.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from carnet.referrals.profiles import PROFILES, DocumentKind, LegalBasis, Outcome, Purpose, Urgency, fields_beyond, ordered

FORMAT: Literal["carnet.referral/1"] = "carnet.referral/1"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Party(_Strict):
    country: Annotated[str, Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2 code of the country")]
    organisation: str = ""


class LegalBasisPart(_Strict):
    basis: LegalBasis
    decided_by: Annotated[str, Field(min_length=1, max_length=200)]
    decided_on: date


class ProfilePart(_Strict):
    """The named disclosure profile; ``fields`` and ``documents`` are exactly that profile's (see ``x-carnet-profiles``)."""

    name: str
    fields: list[str]
    documents: list[str]


class DocumentOfIdentity(_Strict):
    kind: str
    issuing_country: str = ""
    number: str


class TraffickingStatusPart(_Strict):
    status: str
    decided_on: date
    deciding_organisation: str = ""


class ExploitationPart(_Strict):
    kind: str
    country: str = ""
    started_on: date | None = None
    ended_on: date | None = None


class RouteLegPart(_Strict):
    stage: str
    country: str
    city: str = ""
    on: date | None = None


class CareServicePart(_Strict):
    kind: str
    provider: str
    status: str


class CareObjectivePart(_Strict):
    pillar: str
    text: str
    target_on: date | None = None
    achieved_on: date | None = None
    services: list[CareServicePart] = []


class DeterminationPart(_Strict):
    decision: str
    decided_on: date
    review_on: date | None = None
    panel: str = ""
    reasons: str = ""


class ReturnPlanPart(_Strict):
    receiving_country: str
    receiving_agency: str
    escort: str = ""
    travel_on: date | None = None
    visits_planned: list[date] = []


class Subject(_Strict):
    """The child as the profile lets the receiving side see them; a field outside the profile is absent, not empty."""

    sex: str | None = None
    age_band: str | None = None
    given_names: str | None = None
    family_name: str | None = None
    aliases: list[str] | None = None
    date_of_birth: date | None = None
    citizenships: list[str] | None = None
    languages: list[str] | None = None
    identity_documents: list[DocumentOfIdentity] | None = None
    risk_level: str | None = None
    flags: list[str] | None = None
    trafficking_status: TraffickingStatusPart | None = None
    exploitation: list[ExploitationPart] | None = None
    route: list[RouteLegPart] | None = None
    care_plan: list[CareObjectivePart] | None = None
    determination: DeterminationPart | None = None
    return_plan: ReturnPlanPart | None = None

    def carried(self) -> set[str]:
        """The profile fields this subject carries (``full_name`` stands for both name parts)."""
        present = {name for name in type(self).model_fields if getattr(self, name) is not None}
        if present & {"given_names", "family_name"}:
            present -= {"given_names", "family_name"}
            present.add("full_name")
        return present


class _Message(_Strict):
    format: Literal["carnet.referral/1"] = FORMAT
    message_id: uuid.UUID
    referral_id: uuid.UUID
    reference: str
    at: datetime


class ReferralMessage(_Message):
    """The referral itself. Its subject carries only fields of its profile: the receiving side refuses anything more."""

    kind: Literal["referral"] = "referral"
    sender: Party
    receiver: Party
    purpose: Purpose
    urgency: Urgency
    respond_by: date
    legal_basis: LegalBasisPart
    profile: ProfilePart
    subject: Subject
    note: str = ""

    @model_validator(mode="after")
    def _subject_within_profile(self) -> ReferralMessage:
        known = PROFILES.get(self.profile.name)
        if known is None:
            raise ValueError(f"unknown disclosure profile {self.profile.name!r}")
        if set(self.profile.fields) != set(known.fields):
            raise ValueError("the profile's fields differ from the named profile")
        if set(self.profile.documents) != set(known.documents):
            raise ValueError("the profile's kinds of document differ from the named profile")
        too_wide = fields_beyond(self.purpose, self.profile.name)
        if too_wide:
            raise ValueError(f"the purpose {self.purpose.value!r} does not allow sharing {too_wide}")
        beyond = self.subject.carried() - set(known.fields)
        if beyond:
            raise ValueError(f"the subject carries fields outside its profile: {sorted(beyond)}")
        if self.sender.country == self.receiver.country:
            raise ValueError("a referral goes to another country")
        return self


class EventMessage(_Message):
    """A step of the referral's lifecycle (``status`` is the referral's status after it), with its reason where it has one."""

    kind: Literal["event"] = "event"
    event: str
    status: str
    side: Literal["sender", "receiver", "system"]
    actor: str = ""
    note: str = ""
    outcome: Outcome | None = None


class AttachmentPart(_Strict):
    kind: DocumentKind
    filename: str
    content_type: str
    sha256: str
    content_base64: str


class NoteMessage(_Message):
    """A message on the referral's thread; each attachment is a kind of document the referral's profile allows."""

    kind: Literal["note"] = "note"
    note_id: uuid.UUID
    side: Literal["sender", "receiver"]
    author: str
    body: str
    attachments: list[AttachmentPart] = []


class FollowUpMessage(_Message):
    """A follow-up visit after a return, reported by the receiving country."""

    kind: Literal["follow_up"] = "follow_up"
    planned_on: date | None = None
    visited_on: date
    result: str
    author: str


Message = Annotated[ReferralMessage | EventMessage | NoteMessage | FollowUpMessage, Field(discriminator="kind")]
MESSAGE = TypeAdapter(Message)


def parse(payload: dict[str, Any] | str | bytes) -> ReferralMessage | EventMessage | NoteMessage | FollowUpMessage:
    """Validate a message against the format; raises ``pydantic.ValidationError``."""
    if isinstance(payload, str | bytes):
        return MESSAGE.validate_json(payload)
    return MESSAGE.validate_python(payload)


def canonical_json(message: BaseModel) -> bytes:
    """The message as canonical JSON (sorted keys, no spaces): what is encrypted, hashed and, later, signed."""
    return json.dumps(message.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(message: BaseModel) -> str:
    return hashlib.sha256(canonical_json(message)).hexdigest()


def json_schema() -> dict[str, Any]:
    schema = MESSAGE.json_schema()
    # ``format`` and ``kind`` have defaults only for building messages in Python: every message on the
    # wire carries both (canonical_json writes them, the parser needs ``kind`` to pick the message type).
    for definition in schema["$defs"].values():
        properties = definition.get("properties", {})
        if "format" in properties and "kind" in properties:
            definition["required"] = ["format", "kind", *(name for name in definition["required"] if name not in ("format", "kind"))]
    # The profiles are part of the format: a receiving installation checks a subject against them.
    schema["$defs"]["ProfilePart"]["x-carnet-profiles"] = {
        name: {"fields": ordered(profile.fields), "documents": sorted(profile.documents)} for name, profile in PROFILES.items()
    }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://carnet.invalid/schemas/referral-message-1.json"
    schema["title"] = "carnet referral message, format carnet.referral/1"
    return schema


def attachment_part(*, kind: str, filename: str, content_type: str, content: bytes) -> AttachmentPart:
    return AttachmentPart(
        kind=DocumentKind(kind),
        filename=filename,
        content_type=content_type,
        sha256=hashlib.sha256(content).hexdigest(),
        content_base64=base64.b64encode(content).decode(),
    )
