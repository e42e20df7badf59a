"""The audit log service: the hash chain, its verification, and the database's refusal to rewrite history."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, ProgrammingError, connection, transaction

from carnet.audit.models import GENESIS_HASH, AuditEntry, Outcome
from carnet.audit.services import Break, head, record, verify
from tests.accounts.factories import UserFactory
from tests.audit.factories import audit_entry

pytestmark = pytest.mark.django_db


def _expected_hash(entry: AuditEntry) -> str:
    """The stored format of an entry's hash, written out independently: changing it breaks every existing log."""
    payload = {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_username": entry.actor_username,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "purpose": entry.purpose,
        "outcome": entry.outcome,
        "ip": entry.ip,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _chain(n: int) -> list[AuditEntry]:
    return [audit_entry(action=f"test.step{i}", object_id=str(i)) for i in range(1, n + 1)]


def _drop_append_only_triggers() -> None:
    """Only a test may do this: inside the test's transaction, so the rollback at its end restores the triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER audit_entry_append_only ON audit_auditentry")
        elif connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_entry_no_update")
            cursor.execute("DROP TRIGGER audit_entry_no_delete")
        else:  # pragma: no cover - the suite runs on SQLite and PostgreSQL only
            pytest.fail(f"no append-only trigger known for {connection.vendor}")


def _run_verify_command() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    else:
        code = 0
    return code, out.getvalue(), err.getvalue()


# --- record() ---------------------------------------------------------------------


def test_record_builds_a_chain_from_the_genesis_hash():
    # given an empty log
    assert AuditEntry.objects.count() == 0
    # when four entries are recorded
    written = _chain(4)
    # then they are numbered 1..4, each links to the previous hash and each hash recomputes
    stored = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in stored] == [1, 2, 3, 4]
    assert [e.pk for e in stored] == [e.pk for e in written]
    assert [e.prev_hash for e in stored] == [GENESIS_HASH, stored[0].hash, stored[1].hash, stored[2].hash]
    assert [e.hash for e in stored] == [_expected_hash(e) for e in stored]
    assert [e.hash for e in stored] == [e.compute_hash() for e in stored]
    assert len({e.hash for e in stored}) == 4


def test_record_stores_who_what_why_and_where():
    # given a signed-in actor and a model object
    actor = UserFactory(username="alice")
    subject = UserFactory(username="bob")
    # when an action on the object is recorded with a purpose and an address
    entry = record(actor=actor, action="test.view", obj=subject, purpose="checking", ip="192.0.2.7", username="ignored")
    # then the entry names the actor by id and username (a given username is ignored for a real actor), the object and the rest
    entry.refresh_from_db()
    assert (entry.actor_id, entry.actor_username) == (actor.pk, "alice")
    assert (entry.action, entry.object_type, entry.object_id) == ("test.view", "accounts.user", str(subject.pk))
    assert (entry.purpose, entry.outcome, entry.ip) == ("checking", Outcome.OK, "192.0.2.7")


def test_record_without_an_actor_keeps_the_given_username_and_no_id():
    # given no actor (a failed sign-in, a command)
    # when an entry is recorded with the typed username
    entry = record(actor=None, action="auth.login_failed", username="someone", outcome=Outcome.DENIED)
    # then it carries the username but no actor id
    entry.refresh_from_db()
    assert (entry.actor_id, entry.actor_username, entry.outcome) == (None, "someone", "denied")


def test_record_truncates_overlong_values_to_the_column_sizes():
    # given values longer than their columns
    # when they are recorded
    entry = record(actor=None, action="test.long", object_type="t" * 100, object_id="i" * 100, purpose="p" * 600, username="u" * 200)
    # then each is cut to its column and the hash covers what is stored
    entry.refresh_from_db()
    assert (len(entry.object_type), len(entry.object_id), len(entry.purpose), len(entry.actor_username)) == (80, 64, 500, 150)
    assert entry.hash == _expected_hash(entry)


def test_an_entry_written_in_a_transaction_that_rolls_back_disappears_with_it():
    # given one entry already in the log
    first = audit_entry(action="test.kept")

    # when a change records an entry and then fails
    class ChangeFailed(Exception):
        pass

    def failing_change() -> None:
        with transaction.atomic():
            audit_entry(action="test.rolled_back")
            raise ChangeFailed

    with pytest.raises(ChangeFailed):
        failing_change()

    # then its entry is gone, and the next entry takes its number and links to the kept one
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["test.kept"]
    after = audit_entry(action="test.after")
    assert (after.seq, after.prev_hash) == (2, first.hash)
    assert list(verify()) == [2]


# --- verify() -------------------------------------------------------------------


def test_verify_on_an_empty_log_yields_nothing():
    # given no entries; when the chain is verified; then there is nothing to report
    assert list(verify()) == []


@pytest.mark.parametrize(
    ("entries", "batch_size", "progress"),
    [
        pytest.param(5, 2000, [5], id="one-batch"),
        pytest.param(5, 2, [2, 4, 5], id="batches-of-two"),
        pytest.param(4, 2, [2, 4], id="exact-batches"),
    ],
)
def test_verify_reports_progress_on_an_intact_chain(entries, batch_size, progress):
    # given an intact chain
    _chain(entries)
    # when it is verified in batches
    steps = list(verify(batch_size=batch_size))
    # then it yields the running count after each batch and no break
    assert steps == progress


def test_verify_detects_an_altered_entry():
    # given an intact chain of four
    _chain(4)
    _drop_append_only_triggers()
    # when someone edits the purpose of entry #2 behind the application's back
    assert AuditEntry.objects.filter(seq=2).update(purpose="nothing to see here") == 1
    # then verification stops at #2 and says it was altered
    assert list(verify()) == [Break(2, "entry #2 was altered")]


def test_verify_detects_a_deleted_middle_entry():
    # given an intact chain of four
    _chain(4)
    _drop_append_only_triggers()
    # when entry #3 is deleted
    assert AuditEntry.objects.filter(seq=3).delete()[0] == 1
    # then verification stops where #3 should be
    assert list(verify()) == [Break(3, "entry #3 is missing")]


def test_verify_detects_a_broken_link_even_when_the_hash_was_recomputed():
    # given an intact chain of four
    entries = _chain(4)
    _drop_append_only_triggers()
    # when entry #3 is re-pointed at a forged predecessor and its own hash is recomputed to match
    forged = AuditEntry.objects.get(seq=3)
    forged.prev_hash = "f" * 64
    forged.hash = forged.compute_hash()
    forged.save(update_fields=["prev_hash", "hash"])
    assert forged.hash != entries[2].hash
    # then verification stops at #3: it no longer links to #2
    assert list(verify()) == [Break(3, "entry #3 does not link to entry #2")]


def test_verify_reports_the_break_after_the_batches_checked_before_it():
    # given a chain of five whose entry #4 was altered
    _chain(5)
    _drop_append_only_triggers()
    AuditEntry.objects.filter(seq=4).update(action="test.rewritten")
    # when it is verified in batches of two
    # then the first batch passes and the break is reported in the second
    assert list(verify(batch_size=2)) == [2, Break(4, "entry #4 was altered")]


def test_verify_detects_a_missing_first_entry():
    # given a chain of three whose first entry was deleted
    _chain(3)
    _drop_append_only_triggers()
    AuditEntry.objects.filter(seq=1).delete()
    # when it is verified; then #1 is reported missing
    assert list(verify()) == [Break(1, "entry #1 is missing")]


# --- the database refuses to rewrite history ------------------------------------------


def test_the_database_refuses_to_update_an_audit_entry():
    # given a recorded entry
    entry = audit_entry(purpose="original")
    # when anything tries to update it, even a bulk update that skips the model
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(purpose="rewritten")
    # then the row is unchanged and the chain is intact
    entry.refresh_from_db()
    assert entry.purpose == "original"
    assert list(verify()) == [1]


def test_the_database_refuses_to_save_a_changed_audit_entry():
    # given a recorded entry
    entry = audit_entry(purpose="original")
    # when the model instance is changed and saved
    entry.purpose = "rewritten"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.save()
    # then the stored row is unchanged
    assert AuditEntry.objects.get(pk=entry.pk).purpose == "original"


def test_the_database_refuses_to_delete_an_audit_entry():
    # given two recorded entries
    _chain(2)
    # when anything tries to delete one
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(seq=1).delete()
    # then both are still there
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2]


def test_the_refusal_is_a_database_error_of_the_expected_kind():
    # given a recorded entry
    entry = audit_entry()
    # when it is updated
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    # then SQLite reports RAISE(ABORT) as an integrity error; psycopg reports a PL/pgSQL RAISE (SQLSTATE P0001) as a
    # programming error; both are DatabaseErrors, which is what callers catch
    expected = {"sqlite": IntegrityError, "postgresql": ProgrammingError}[connection.vendor]
    assert type(caught.value) is expected
    assert "the audit log is append-only" in str(caught.value)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE triggers exist on PostgreSQL only")
def test_postgresql_refuses_to_truncate_the_audit_log():
    # given a recorded entry
    audit_entry()
    # when the table is truncated
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditentry")
    # then the entry is still there
    assert AuditEntry.objects.count() == 1


# --- carnet audit verify ----------------------------------------------------------------


def test_verify_command_exits_0_and_prints_ok_and_the_head_on_an_intact_chain():
    # given an intact chain of three
    _chain(3)
    last = head()
    assert last is not None
    # when `carnet audit verify` runs
    code, out, err = _run_verify_command()
    # then it exits 0, says OK with the count and anchors the head hash
    assert code == 0
    assert out == f"OK: 3 entries intact. Head #3 {last.hash}\n"
    assert err == ""


def test_verify_command_on_an_empty_log_is_ok():
    # given no entries; when the command runs; then it is OK with nothing checked
    code, out, err = _run_verify_command()
    assert (code, out, err) == (0, "OK: 0 entries intact.\n", "")


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        pytest.param(
            lambda: AuditEntry.objects.filter(seq=2).update(purpose="x"), "BROKEN at entry #2: entry #2 was altered", id="altered"
        ),
        pytest.param(lambda: AuditEntry.objects.filter(seq=2).delete(), "BROKEN at entry #2: entry #2 is missing", id="deleted"),
    ],
)
def test_verify_command_exits_1_naming_the_first_broken_entry(tamper, message):
    # given a chain of three that was tampered with at #2
    _chain(3)
    _drop_append_only_triggers()
    tamper()
    # when `carnet audit verify` runs
    code, out, err = _run_verify_command()
    # then it exits 1 and names entry #2 on stderr, printing no OK
    assert code == 1
    assert err == f"{message}\n"
    assert "#2" in err
    assert out == ""
