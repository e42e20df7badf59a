"""Reads of referrals, always through the referral policy; reading what was shared about a child is audited.

``referral_get_for`` is the only way a view or API operation gets a referral ("missing"
and "not yours" are one 404). ``shared_subject_for`` decrypts the delivered message: the
receiving side's only view of the child, and the sending side's record of what it shared.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from carnet.audit.services import record
from carnet.cases.identity import document_digest, search_digest
from carnet.core.crypto import decrypt_field
from carnet.core.errors import Conflict
from carnet.referrals.message import ReferralMessage, parse
from carnet.referrals.models import (
    AWAITING_ANSWER,
    FollowUpReport,
    Referral,
    ReferralAttachment,
    ReferralEvent,
    ReferralIndex,
    ReferralNote,
)
from carnet.referrals.policies import ReferralPolicy, receiver_q, sender_q, side_of


class Box:
    INBOX = "inbox"
    OUTBOX = "outbox"


@dataclass(frozen=True)
class ReferralFilters:
    box: str = Box.INBOX
    status: str = ""
    purpose: str = ""
    country: str = ""  # the other side's country
    overdue: bool = False
    query: str = ""  # a reference, or an exact name / document number (through the keyed hashes of what was shared)


def overdue_q(today: date | None = None) -> Q:
    return Q(status__in=sorted(AWAITING_ANSWER), respond_by__lt=today or timezone.localdate())


def referral_list_for(*, actor: Any, filters: ReferralFilters | None = None) -> QuerySet[Referral]:
    """The actor's inbox (received) or outbox (sent from cases they may see), filtered in SQL."""
    filters = filters or ReferralFilters()
    base = ReferralPolicy.visible(actor, Referral.objects.all())
    if filters.box == Box.OUTBOX:
        referrals = base.filter(sender_q(actor))
        other = "to_country__code"
    else:
        referrals = base.filter(receiver_q(actor)).exclude(sender_q(actor))
        other = "from_country__code"
    if filters.status:
        referrals = referrals.filter(status=filters.status)
    if filters.purpose:
        referrals = referrals.filter(purpose=filters.purpose)
    if filters.country:
        referrals = referrals.filter(**{other: filters.country})
    if filters.overdue:
        referrals = referrals.filter(overdue_q())
    query = filters.query.strip()
    if query:
        probes = ReferralIndex.objects.filter(referral=OuterRef("pk")).filter(
            Q(kind="name", digest=search_digest(query)) | Q(kind="document", digest=document_digest(query))
        )
        referrals = referrals.filter(Q(reference__iexact=query) | Exists(probes))
        record(actor=actor, action="referral.search", object_type="referrals.referral", purpose="search by reference, name or document")
    # Newest sent first, drafts (not sent) last on every database (PostgreSQL would put NULLs first).
    # Country names are parler translations: prefetched, or every row would fetch its countries' names.
    return (
        referrals.select_related("from_country", "to_country", "source_case", "receiving_case", "assigned_to")
        .prefetch_related("from_country__translations", "to_country__translations")
        .order_by(F("sent_at").desc(nulls_last=True), "-created_at")
    )


def box_counts_for(*, actor: Any, box: str) -> dict[str, int]:
    """How many referrals of the box are in each status, and how many are overdue."""
    referrals = referral_list_for(actor=actor, filters=ReferralFilters(box=box))
    counts = {row["status"]: row["n"] for row in referrals.order_by().values("status").annotate(n=Count("pk"))}
    counts["overdue"] = referrals.filter(overdue_q()).count()
    return counts


def _lookup(ref: str | uuid.UUID) -> dict[str, Any]:
    if isinstance(ref, uuid.UUID):
        return {"pk": ref}
    try:
        return {"pk": uuid.UUID(str(ref))}
    except ValueError:
        return {"reference__iexact": str(ref)}


def referral_get_for(*, actor: Any, ref: str | uuid.UUID, purpose: str = "view referral", audit: bool = True) -> Referral:
    """The referral if the actor is on one of its sides, else 404; opening it is audited."""
    referral = (
        ReferralPolicy.visible(actor, Referral.objects.all())
        .select_related("from_country", "to_country", "source_case", "source_case__country", "receiving_case", "assigned_to", "data_key")
        .filter(**_lookup(ref))
        .first()
    )
    if referral is None:
        raise Http404
    if audit:
        record(actor=actor, action="referral.view", obj=referral, purpose=purpose)
    return referral


def shared_subject_for(*, actor: Any, referral: Referral, purpose: str = "view referral") -> ReferralMessage | None:
    """The delivered referral message (None while it is a draft); decrypting it is an identity read, audited."""
    if side_of(actor, referral) is None:
        raise Http404
    if referral.message_enc is None:
        return None
    record(actor=actor, action="referral.subject.read", obj=referral, purpose=purpose)
    message = parse(str(decrypt_field(referral, "message_enc", data_key=referral.data_key)))
    assert isinstance(message, ReferralMessage)  # noqa: S101  (only referral messages are stored here)
    return message


@dataclass(frozen=True)
class TimelineEntry:
    event: ReferralEvent
    note: str


def _text(obj: Any, column: str, referral: Referral) -> str:
    value = decrypt_field(obj, column, data_key=referral.data_key)
    return str(value) if value is not None else ""


def timeline_for(*, actor: Any, referral: Referral) -> list[TimelineEntry]:
    """Every step, both sides, in order; reasons decrypted for the people on either side."""
    if side_of(actor, referral) is None:
        raise Http404
    events = ReferralEvent.objects.filter(referral=referral).order_by("at", "pk")
    return [TimelineEntry(event=e, note=_text(e, "note_enc", referral)) for e in events]


@dataclass(frozen=True)
class ThreadEntry:
    note: ReferralNote
    body: str
    attachments: list[ReferralAttachment]


def thread_for(*, actor: Any, referral: Referral) -> list[ThreadEntry]:
    if side_of(actor, referral) is None:
        raise Http404
    notes = ReferralNote.objects.filter(referral=referral).select_related("author").prefetch_related("attachments")
    entries = [ThreadEntry(note=n, body=_text(n, "body_enc", referral), attachments=list(n.attachments.all())) for n in notes]
    if entries:
        record(actor=actor, action="referral.thread.read", obj=referral, purpose=f"{len(entries)} messages")
    return entries


def attachment_for(*, actor: Any, referral: Referral, attachment_id: uuid.UUID) -> tuple[ReferralAttachment, bytes]:
    """An attachment's content for someone on either side, checked against the SHA-256 recorded when it was sent; audited."""
    if side_of(actor, referral) is None:
        raise Http404
    attachment = ReferralAttachment.objects.filter(pk=attachment_id, note__referral=referral).first()
    if attachment is None:
        raise Http404
    content = decrypt_field(attachment, "content_enc", data_key=referral.data_key)
    data = content if isinstance(content, bytes) else str(content or "").encode()
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise Conflict(
            _("The attachment is damaged: its checksum differs from the one recorded when it was sent."), code="attachment_damaged"
        )
    record(actor=actor, action="referral.attachment.download", obj=referral, purpose=f"{attachment.kind}: {attachment.filename}")
    return attachment, data


@dataclass(frozen=True)
class FollowUpEntry:
    report: FollowUpReport
    result: str


def follow_ups_for(*, actor: Any, referral: Referral) -> list[FollowUpEntry]:
    if side_of(actor, referral) is None:
        raise Http404
    return [FollowUpEntry(report=r, result=_text(r, "result_enc", referral)) for r in referral.follow_ups.all()]


def covering_note_for(*, actor: Any, referral: Referral) -> str:
    if side_of(actor, referral) is None:
        raise Http404
    return _text(referral, "note_enc", referral)


def case_referrals_for(*, actor: Any, case_id: uuid.UUID) -> QuerySet[Referral]:
    """The referrals a case was sent in or created by, as far as the actor may see them."""
    return (
        ReferralPolicy.visible(actor, Referral.objects.all())
        .filter(Q(source_case_id=case_id) | Q(receiving_case_id=case_id))
        .select_related("from_country", "to_country")
        .order_by("-created_at")
    )
