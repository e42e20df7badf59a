"""How referral messages travel, behind one interface the services call and the views never see.

``LocalTransport`` delivers inside this installation: it validates the message against
the format, records its receipt once (by message id: delivering twice is harmless) and
hands it to :func:`carnet.referrals.inbound.receive`, all in the sender's transaction.
A later transport carries the same canonical JSON between installations, signed and
encrypted (JWS/JWE), from the ``TransportMessage`` outbox with retries; the
services and the message format stay as they are. Choose it with
``CARNET_REFERRAL_TRANSPORT`` (a dotted path).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Protocol

from django.utils import timezone
from django.utils.module_loading import import_string

from carnet.referrals.message import EventMessage, FollowUpMessage, NoteMessage, ReferralMessage, canonical_json, digest, parse
from carnet.referrals.models import Referral, TransportMessage

AnyMessage = ReferralMessage | EventMessage | NoteMessage | FollowUpMessage
DEFAULT_TRANSPORT = "carnet.referrals.transport.LocalTransport"


class Transport(Protocol):
    name: str

    def send(self, *, referral: Referral, message: AnyMessage) -> None:
        """Hand ``message`` on towards the receiving country. Must be idempotent per message id."""


def log_message(
    referral: Referral, message: AnyMessage, *, direction: str, transport: str, delivered_at: datetime | None = None
) -> tuple[TransportMessage, bool]:
    """The message's row in the outbox or the inbox, written once per message id and direction (``True`` when new)."""
    return TransportMessage.objects.get_or_create(
        message_id=message.message_id,
        direction=direction,
        defaults={
            "referral": referral,
            "kind": message.kind,
            "format": message.format,
            "digest": digest(message),
            "transport": transport,
            "delivered_at": delivered_at,
        },
    )


class LocalTransport:
    """Both NCPs use this installation: delivery is receipt in the same database, in the same transaction."""

    name = "local"

    def send(self, *, referral: Referral, message: AnyMessage) -> None:
        from carnet.referrals.inbound import receive

        # Through JSON and back, exactly as a remote installation would get it; a message that breaks the
        # format is refused before anything is written, even to the outbox.
        delivered = parse(canonical_json(message))
        outgoing, _new = log_message(referral, message, direction=TransportMessage.Direction.OUT, transport=self.name)
        receive(delivered, transport=self.name)
        if outgoing.delivered_at is None:
            outgoing.delivered_at = timezone.now()
            outgoing.save(update_fields=["delivered_at"])


def get_transport() -> Transport:
    path = os.environ.get("CARNET_REFERRAL_TRANSPORT", DEFAULT_TRANSPORT)
    transport: Transport = import_string(path)()
    return transport
