"""Writing to and checking the audit log. Every service that touches protected data calls :func:`record`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from carnet.audit.context import current_ip
from carnet.audit.models import GENESIS_HASH, AuditEntry, Outcome

# Any constant: the key of the PostgreSQL advisory lock that serialises the chain.
_CHAIN_LOCK_KEY = 0x0CA27E7


def _lock_chain() -> None:
    """Serialise appends so two writers never chain to the same previous entry.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: every transaction is
    BEGIN IMMEDIATE (see settings), which already holds the database's write lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def _describe(obj: Model | None, object_type: str, object_id: str) -> tuple[str, str]:
    if obj is not None:
        return obj._meta.label_lower, str(obj.pk)
    return object_type, object_id


def record(
    *,
    actor: Any,
    action: str,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str = "",
    purpose: str = "",
    outcome: Outcome = Outcome.OK,
    ip: str | None = None,
    username: str = "",
) -> AuditEntry:
    """Append one entry, in the caller's transaction: if the change rolls back, so does its entry."""
    object_type, object_id = _describe(obj, object_type, object_id)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    with transaction.atomic():
        _lock_chain()
        last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        entry = AuditEntry(
            seq=seq,
            at=timezone.now(),
            actor_id=actor.pk if authenticated else None,
            actor_username=(actor.get_username() if authenticated else username)[:150],
            action=action,
            object_type=object_type[:80],
            object_id=object_id[:64],
            purpose=purpose[:500],
            outcome=outcome,
            ip=(current_ip.get() if ip is None else ip)[:45],
            prev_hash=prev_hash,
        )
        entry.hash = entry.compute_hash()
        entry.save(force_insert=True)
    return entry


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


def verify(*, batch_size: int = 2000) -> Iterator[int | Break]:
    """Walk the chain in order. Yields the number of entries checked so far, and a :class:`Break` at the first fault.

    Detects an edited entry (its hash no longer matches), a deleted or reordered
    entry (a gap in ``seq`` or a broken link). Deleting the newest entries leaves no
    trace inside the chain itself: anchor the head hash outside (``carnet audit verify``
    prints it).
    """
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    last_seq = 0
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last_seq).order_by("seq")[:batch_size])
        if not rows:
            return
        for entry in rows:
            if entry.seq != expected_seq:
                yield Break(expected_seq, f"entry #{expected_seq} is missing")
                return
            if entry.prev_hash != prev_hash:
                yield Break(entry.seq, f"entry #{entry.seq} does not link to entry #{entry.seq - 1}")
                return
            if entry.compute_hash() != entry.hash:
                yield Break(entry.seq, f"entry #{entry.seq} was altered")
                return
            prev_hash, expected_seq, last_seq = entry.hash, entry.seq + 1, entry.seq
            checked += 1
        yield checked


def head() -> AuditEntry | None:
    return AuditEntry.objects.order_by("-seq").first()
