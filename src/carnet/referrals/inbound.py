"""Receipt of referral messages on the receiving side. Idempotent: a message id is received once.

A message about a referral this installation does not know, or one that contradicts the
referral it names (reference, countries, purpose, profile), is refused and nothing is recorded.

In one installation both sides share the referral's row, so receiving a lifecycle
event or a thread message only records its receipt; receiving the referral itself
stores the message (encrypted) as the receiving side's copy, and indexes the names
and document numbers it carries for the receiving side's search. That stored message
is all the receiving side ever reads about the child.
"""

from __future__ import annotations

from django.utils import timezone

from carnet.cases.identity import document_digest, name_digests
from carnet.core.crypto import encrypt_field
from carnet.referrals.message import EventMessage, FollowUpMessage, NoteMessage, ReferralMessage, canonical_json
from carnet.referrals.models import Referral, ReferralIndex, TransportMessage
from carnet.referrals.subject import identity_from_subject
from carnet.referrals.transport import log_message


class UnknownReferral(Exception):
    """A message about a referral this installation has never received (refused, never created on the fly)."""


class MismatchedMessage(Exception):
    """A message that contradicts the referral it names (another reference, countries, purpose or profile): refused."""


def _check_matches(referral: Referral, message: ReferralMessage | EventMessage | NoteMessage | FollowUpMessage) -> None:
    if message.reference != referral.reference:
        raise MismatchedMessage(f"{message.message_id}: reference {message.reference!r} is not {referral.reference!r}")
    if isinstance(message, ReferralMessage):
        said = (message.sender.country, message.receiver.country, message.purpose, message.profile.name)
        known = (referral.from_country.code, referral.to_country.code, referral.purpose, referral.profile)
        if said != known:
            raise MismatchedMessage(f"{message.message_id}: says {said}, the referral is {known}")


def receive(message: ReferralMessage | EventMessage | NoteMessage | FollowUpMessage, *, transport: str) -> bool:
    """Record and apply ``message``; ``False`` when it had already been received (nothing happens twice)."""
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("from_country", "to_country", "data_key")
        .filter(pk=message.referral_id)
        .first()
    )
    if referral is None:
        raise UnknownReferral(str(message.referral_id))
    _check_matches(referral, message)
    _row, created = log_message(
        referral, message, direction=TransportMessage.Direction.IN, transport=transport, delivered_at=timezone.now()
    )
    if not created:
        return False
    if isinstance(message, ReferralMessage):
        _store_referral(referral, message)
    return True


def _store_referral(referral: Referral, message: ReferralMessage) -> None:
    assert referral.data_key is not None  # noqa: S101  (every referral gets its data key when drafted)
    encrypt_field(referral, "message_enc", canonical_json(message).decode(), data_key=referral.data_key)
    referral.message_format = message.format
    referral.delivered_at = timezone.now()
    referral.save(update_fields=["message_enc", "message_format", "delivered_at"])
    ReferralIndex.objects.filter(referral=referral).delete()
    identity = identity_from_subject(message.subject)
    entries = [ReferralIndex(referral=referral, kind="name", digest=d) for d in sorted(name_digests(identity))]
    for document in message.subject.identity_documents or []:
        entries.append(ReferralIndex(referral=referral, kind="document", digest=document_digest(document.number)))
    ReferralIndex.objects.bulk_create(entries, ignore_conflicts=True)
