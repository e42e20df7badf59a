"""Encryption of protected fields (carnet.core.crypto): it must fail closed, rotate, shred and index."""

from __future__ import annotations

import hashlib
import io
import uuid
from base64 import urlsafe_b64encode

import hypothesis
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st

from carnet.core import crypto
from carnet.core.models import DataKey

pytestmark = pytest.mark.django_db

TABLE = "cases_child"
FIELD = "name"
ROW = "5f0c6d1e-8a53-4c1b-9a43-2f6f0e1d7b11"
OTHER_ROW = "0b4f8f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"


def key(n: int) -> str:
    """A distinct, valid 32-byte key per number (tests only)."""
    return urlsafe_b64encode(bytes([n]) * 32).decode()


@pytest.fixture(autouse=True)
def keys(settings):
    settings.CARNET_DATA_KEY = f"k1:{key(1)}"
    settings.CARNET_INDEX_KEY = key(9)
    return settings


@pytest.fixture
def data_key() -> DataKey:
    return crypto.data_key_create()


def seal(value: str | bytes, data_key: DataKey, *, row_id: str = ROW) -> bytes:
    return crypto.encrypt(value, data_key=data_key, table=TABLE, field=FIELD, row_id=row_id)


def unseal(stored: bytes, data_key: DataKey | None, *, table: str = TABLE, field: str = FIELD, row_id: str = ROW) -> str | bytes:
    return crypto.decrypt(stored, data_key=data_key, table=table, field=field, row_id=row_id)


# --- Round trip ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["Žaneta Nováková", "Алексей Иванов", "", "👧🏽", b"\x00\xff photo bytes", b""],
    ids=["latin-diacritics", "cyrillic", "empty-text", "emoji", "bytes", "empty-bytes"],
)
def test_value_round_trips_with_its_type(data_key, value):
    # given a value encrypted for one row and field
    stored = seal(value, data_key)
    # when it is decrypted for the same place
    result = unseal(stored, data_key)
    # then it is the same value of the same type
    assert result == value
    assert type(result) is type(value)


def test_any_unicode_text_round_trips(data_key):
    # given any text hypothesis can find (the key is made once, outside the examples)
    @hypothesis.settings(max_examples=300, deadline=None)
    @given(text=st.text())
    def check(text: str) -> None:
        # when it is encrypted and decrypted; then it comes back unchanged
        assert crypto.decrypt_text(seal(text, data_key), data_key=data_key, table=TABLE, field=FIELD, row_id=ROW) == text

    check()


def test_any_bytes_round_trip(data_key):
    @hypothesis.settings(max_examples=100, deadline=None)
    @given(payload=st.binary(max_size=4096))
    def check(payload: bytes) -> None:
        assert crypto.decrypt_bytes(seal(payload, data_key), data_key=data_key, table=TABLE, field=FIELD, row_id=ROW) == payload

    check()


def test_ciphertext_is_fresh_each_time_and_hides_the_value(data_key):
    # given the same name encrypted twice
    first, second = seal("Žaneta Nováková", data_key), seal("Žaneta Nováková", data_key)
    # then the nonces (and so the ciphertexts) differ and the name is nowhere in them
    assert first != second
    assert first[17:29] != second[17:29]
    for stored in (first, second):
        assert "Žaneta".encode() not in stored
        assert b"Nov" not in stored
    # and the header names the data key
    assert first[0] == 0x01
    assert crypto.data_key_id_of(first) == data_key.pk


def test_decrypt_looks_up_the_data_key_named_in_the_value(data_key, django_assert_num_queries):
    # given a stored value and no data key at hand
    stored = seal("Žaneta", data_key)
    # when it is decrypted without one; then the key is loaded in one query
    with django_assert_num_queries(1):
        assert unseal(stored, None) == "Žaneta"


def test_typed_decrypt_refuses_the_other_type(data_key):
    # given bytes encrypted; when they are asked for as text; then that is a programming error, not a value
    stored = seal(b"photo", data_key)
    with pytest.raises(TypeError):
        crypto.decrypt_text(stored, data_key=data_key, table=TABLE, field=FIELD, row_id=ROW)
    with pytest.raises(TypeError):
        crypto.decrypt_bytes(seal("name", data_key), data_key=data_key, table=TABLE, field=FIELD, row_id=ROW)


# --- Failing closed ----------------------------------------------------------------------


def test_wrong_key_encryption_key_raises(data_key, keys):
    # given a value, and then the KEK of the same id replaced by different key material
    stored = seal("Žaneta", data_key)
    keys.CARNET_DATA_KEY = f"k1:{key(2)}"
    # when it is decrypted; then it raises instead of returning anything
    with pytest.raises(crypto.DecryptionError):
        unseal(stored, data_key)


@pytest.mark.parametrize(
    ("start", "stop"),
    [(0, 1), (1, 17), (17, 29), (29, -16), (-16, None)],
    ids=["version", "data-key-id", "nonce", "ciphertext", "tag"],
)
@pytest.mark.parametrize("with_key", [True, False], ids=["key-given", "key-looked-up"])
def test_flipping_any_byte_of_any_region_raises(data_key, start, stop, with_key):
    # given a stored value
    stored = seal("Žaneta Nováková", data_key)
    positions = range(len(stored))[start:stop]
    assert len(positions) > 0
    for position in positions:
        # when one bit of one byte in the region is flipped
        tampered = bytearray(stored)
        tampered[position] ^= 0x01
        # then decryption raises (a flipped key id names a key that does not exist or is not this one)
        with pytest.raises(crypto.DecryptionError):
            unseal(bytes(tampered), data_key if with_key else None)


@pytest.mark.parametrize(
    "mangle",
    [lambda s: s[:-1], lambda s: s[:28], lambda s: s + b"\x00", lambda s: b"", lambda s: b"Zaneta Novakova"],
    ids=["truncated-tag", "header-only", "extended", "empty", "plaintext-in-column"],
)
def test_truncated_extended_or_plaintext_values_raise(data_key, mangle):
    # given a stored value that was cut, extended, emptied or never encrypted
    stored = mangle(seal("Žaneta", data_key))
    # when it is decrypted; then it raises
    with pytest.raises(crypto.DecryptionError):
        unseal(stored, data_key)


def test_tampered_wrapped_data_key_raises(data_key):
    # given a value, and then its data key row altered in the database
    stored = seal("Žaneta", data_key)
    wrapped = bytearray(data_key.wrapped)
    wrapped[20] ^= 0x80
    DataKey.objects.filter(pk=data_key.pk).update(wrapped=bytes(wrapped))
    # when the value is decrypted with the key loaded from the database; then it raises
    with pytest.raises(crypto.DecryptionError):
        unseal(stored, DataKey.objects.get(pk=data_key.pk))


def test_data_key_relabelled_to_another_configured_kek_raises(data_key, keys):
    # given two configured KEKs and a data key row whose kek_id is changed to the other one
    keys.CARNET_DATA_KEY = f"k2:{key(2)},k1:{key(1)}"
    stored = seal("Žaneta", data_key)
    DataKey.objects.filter(pk=data_key.pk).update(kek_id="k2")
    # when the value is decrypted; then it raises
    with pytest.raises(crypto.DecryptionError):
        unseal(stored, None)


@pytest.mark.parametrize(
    "place",
    [
        {"row_id": OTHER_ROW},
        {"field": "date_of_birth"},
        {"table": "cases_guardian"},
    ],
    ids=["other-row", "other-field", "other-table"],
)
def test_value_moved_to_another_place_raises(data_key, place):
    # given a value encrypted for one row and field
    stored = seal("Žaneta", data_key)
    # when it is read as if it belonged to another row, field or table
    # then it raises, whether the key is given or looked up from the value
    with pytest.raises(crypto.DecryptionError):
        unseal(stored, data_key, **place)
    with pytest.raises(crypto.DecryptionError):
        unseal(stored, None, **place)


def test_value_moved_to_a_row_with_another_data_key_raises(data_key):
    # given two records with their own data keys, and one record's value copied into the other
    other_key = crypto.data_key_create()
    stored = seal("Žaneta", data_key)
    # when it is decrypted as the other record's value with the other record's key
    # then it raises
    with pytest.raises(crypto.DecryptionError):
        unseal(stored, other_key, row_id=OTHER_ROW)


def test_unknown_key_encryption_key_id_raises(data_key, keys):
    # given a value whose data key is wrapped by k1, and then k1 removed from the configuration
    stored = seal("Žaneta", data_key)
    keys.CARNET_DATA_KEY = f"k2:{key(2)}"
    # when it is decrypted; then the error names the missing key id
    with pytest.raises(crypto.UnknownKeyError, match="'k1'"):
        unseal(stored, data_key)


def test_encrypting_needs_a_saved_data_key_and_a_place():
    # given a data key that was never saved; then nothing is encrypted under it
    with pytest.raises(crypto.CryptoError):
        seal("Žaneta", DataKey(kek_id="k1", wrapped=b""))
    # and given a saved key, an empty row id (a row without a primary key yet) is refused
    with pytest.raises(ValueError, match="row_id"):
        crypto.encrypt("Žaneta", data_key=crypto.data_key_create(), table=TABLE, field=FIELD, row_id="")


# --- Rotation ----------------------------------------------------------------------------


def test_rotation_keeps_values_readable_and_lets_the_old_key_go(data_key, keys):
    # given a value encrypted while k1 was the only KEK
    stored = seal("Žaneta", data_key)
    # when k2 becomes the newest KEK (k1 kept after it)
    keys.CARNET_DATA_KEY = f"k2:{key(2)},k1:{key(1)}"
    # then the value still decrypts before any rotation, and new data keys are wrapped by k2
    assert unseal(stored, data_key) == "Žaneta"
    assert crypto.data_key_create().kek_id == "k2"
    # when every data key is re-wrapped
    assert crypto.rewrap_all() == 1
    # then the row names k2, records when, and the same ciphertext decrypts
    data_key.refresh_from_db()
    assert data_key.kek_id == "k2"
    assert data_key.rotated_at is not None
    assert unseal(stored, data_key) == "Žaneta"
    # and a second run has nothing to do
    assert crypto.rewrap_all() == 0
    # when k1 is removed from the configuration; then the value still decrypts
    keys.CARNET_DATA_KEY = f"k2:{key(2)}"
    assert unseal(stored, DataKey.objects.get(pk=data_key.pk)) == "Žaneta"


def test_rewrap_all_works_in_batches_and_reports_progress(keys):
    # given five data keys under k1, then k2 made the newest
    for _ in range(5):
        crypto.data_key_create()
    keys.CARNET_DATA_KEY = f"k2:{key(2)},k1:{key(1)}"
    seen: list[tuple[int, int]] = []
    # when they are re-wrapped two at a time
    count = crypto.rewrap_all(lambda done, total: seen.append((done, total)), batch_size=2)
    # then progress came per batch and every key is now under k2
    assert count == 5
    assert seen == [(2, 5), (4, 5), (5, 5)]
    assert set(DataKey.objects.values_list("kek_id", flat=True)) == {"k2"}


def test_rewrap_all_refuses_when_an_old_key_is_missing_and_changes_nothing(data_key, keys):
    # given a data key under k1 and a configuration that no longer has k1
    before = bytes(data_key.wrapped)
    keys.CARNET_DATA_KEY = f"k3:{key(3)}"
    # when everything is re-wrapped; then it refuses, naming k1
    with pytest.raises(crypto.UnknownKeyError, match="'k1'"):
        crypto.rewrap_all()
    # and the row is untouched
    data_key.refresh_from_db()
    assert (data_key.kek_id, bytes(data_key.wrapped)) == ("k1", before)


# --- Shredding ----------------------------------------------------------------------------


def test_shredding_the_data_key_makes_its_values_unreadable(data_key):
    # given a value and the id of its data key
    stored = seal("Žaneta", data_key)
    key_id = data_key.pk
    # when the data key is shredded
    crypto.data_key_shred(data_key=data_key)
    # then the row is gone and the value cannot be decrypted, by lookup or with the old instance
    assert not DataKey.objects.filter(pk=key_id).exists()
    with pytest.raises(crypto.DataKeyMissingError):
        unseal(stored, None)
    with pytest.raises(crypto.DataKeyMissingError):
        unseal(stored, data_key)


# --- Model helpers ---------------------------------------------------------------------------


def test_field_helpers_bind_to_the_instance_row_and_field(data_key):
    # given a record (any model with a primary key and a binary column; a DataKey row stands in)
    record, other = crypto.data_key_create(), crypto.data_key_create()
    # when a value is encrypted into its column
    crypto.encrypt_field(record, "wrapped", "Žaneta", data_key=data_key)
    # then it decrypts for that record
    assert crypto.decrypt_field(record, "wrapped", data_key=data_key) == "Žaneta"
    assert crypto.decrypt_field(record, "wrapped") == "Žaneta"
    # and copied to another record it raises
    other.wrapped = record.wrapped
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_field(other, "wrapped")
    # and NULL is None, not an error
    crypto.encrypt_field(record, "wrapped", None, data_key=data_key)
    assert crypto.decrypt_field(record, "wrapped") is None


def test_field_helpers_need_a_primary_key(data_key):
    # given a record without a primary key; then nothing is encrypted for it
    record = DataKey()
    record.pk = None
    with pytest.raises(ValueError, match="primary key"):
        crypto.encrypt_field(record, "wrapped", "Žaneta", data_key=data_key)


# --- Blind index ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "normalise"),
    [
        ("  Žaneta   NOVÁKOVÁ ", crypto.normalise_text),
        ("žaneta\tnováková", crypto.normalise_text),
        ("Z\u030caneta Nova\u0301kova\u0301", crypto.normalise_text),  # decomposed marks
        ("Žaneta\u200b Nováková", crypto.normalise_text),  # zero-width space from a copy-paste
        ("Zaneta Novakova", crypto.normalise_name),
        ("ŽANETA  nováková", crypto.normalise_name),
    ],
    ids=["spacing-and-case", "tab", "decomposed", "zero-width", "no-diacritics", "upper"],
)
def test_blind_index_matches_normalised_variants(variant, normalise):
    # given a name and a variant that should find it; then both have one index
    expected = crypto.blind_index("Žaneta Nováková", purpose="child.name", normalise=normalise)
    assert crypto.blind_index(variant, purpose="child.name", normalise=normalise) == expected


def test_blind_index_keeps_diacritics_unless_asked_to_strip_them():
    # given a name with and without its marks; then only the name normaliser joins them
    assert crypto.blind_index("Žaneta", purpose="child.name") != crypto.blind_index("Zaneta", purpose="child.name")
    assert crypto.normalise_name("Łukasz Søren Æsa") == "lukasz soren aesa"


def test_document_numbers_match_without_spaces_dashes_or_case():
    # given a document number written three ways; then one index
    indexes = {
        crypto.blind_index(number, purpose="child.document", normalise=crypto.normalise_document_number)
        for number in ("AB 12-34 567", "ab1234567", "ab\u201312\u00a034567")
    }
    assert len(indexes) == 1
    assert crypto.normalise_document_number("ab 12-34 567") == "AB1234567"


def test_blind_index_differs_per_purpose_and_per_key(keys):
    # given one value indexed for two purposes, then under another index key
    name = crypto.blind_index("Žaneta", purpose="child.name")
    guardian = crypto.blind_index("Žaneta", purpose="guardian.name")
    keys.CARNET_INDEX_KEY = key(10)
    rekeyed = crypto.blind_index("Žaneta", purpose="child.name")
    # then all three differ
    assert len({name, guardian, rekeyed}) == 3


def test_blind_index_never_is_or_contains_the_value():
    @hypothesis.settings(max_examples=200, deadline=None)
    @given(value=st.text(min_size=1).filter(lambda v: crypto.normalise_text(v)))
    def check(value: str) -> None:
        index = crypto.blind_index(value, purpose="child.name")
        # then the index is 64 hex characters and never the (normalised) value
        assert len(index) == 64
        assert int(index, 16) >= 0
        assert index not in {value, crypto.normalise_text(value)}

    check()


@pytest.mark.parametrize("normalise", [crypto.normalise_text, crypto.normalise_name, crypto.normalise_document_number])
def test_normalisers_are_idempotent(normalise):
    @hypothesis.settings(max_examples=300, deadline=None)
    @given(value=st.text())
    def check(value: str) -> None:
        once = normalise(value)
        assert normalise(once) == once

    check()


@pytest.mark.parametrize(
    ("value", "purpose"),
    [("   ", "child.name"), ("\u200b", "child.name"), ("Žaneta", ""), ("Žaneta", "Child Name"), ("Žaneta", "child.name\x00x")],
    ids=["blank", "invisible-only", "no-purpose", "spaced-purpose", "nul-in-purpose"],
)
def test_blind_index_refuses_blank_values_and_loose_purposes(value, purpose):
    # given a blank value or a purpose that is not a dotted lower-case name; then it is refused
    with pytest.raises(ValueError, match="normalisation|purpose"):
        crypto.blind_index(value, purpose=purpose)


# --- Key configuration ---------------------------------------------------------------------------


def test_key_without_id_gets_an_id_from_its_hash(keys):
    # given a KEK without "kid:" (and a stray trailing comma)
    keys.CARNET_DATA_KEY = f"{key(4)},"
    # then its id is the first 8 hex characters of sha256 of the key bytes
    assert crypto.keyring().kids == (hashlib.sha256(bytes([4]) * 32).hexdigest()[:8],)


def test_keyring_follows_settings_and_hides_key_material(keys):
    # given two KEKs; then the newest is first and repr shows ids only
    keys.CARNET_DATA_KEY = f"new:{key(5)}, old:{key(1)}"
    ring = crypto.keyring()
    assert ring.kids == ("new", "old")
    assert ring.newest.key == bytes([5]) * 32
    assert key(5) not in repr(ring)
    assert str(bytes([5]) * 32) not in repr(ring)


def use_every_key() -> None:
    crypto.keyring()
    crypto.blind_index("Žaneta", purpose="child.name")


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("CARNET_DATA_KEY", ""),
        ("CARNET_DATA_KEY", " , "),
        ("CARNET_DATA_KEY", "k1:" + key(7)[:-8]),  # too short
        ("CARNET_DATA_KEY", "k1:" + urlsafe_b64encode(bytes([7]) * 48).decode()),  # too long
        ("CARNET_DATA_KEY", "k1:" + key(7).replace("B", "*")),  # not base64
        ("CARNET_DATA_KEY", f"k 1:{key(7)}"),  # bad id
        ("CARNET_DATA_KEY", f"{key(7)}:k1"),  # key and id swapped
        ("CARNET_DATA_KEY", f"k1:{key(7)},k1:{key(8)}"),  # id twice
        ("CARNET_DATA_KEY", f"k1:{key(7)},k2:{key(7)}"),  # key twice
        ("CARNET_DATA_KEY", None),
        ("CARNET_INDEX_KEY", ""),
        ("CARNET_INDEX_KEY", key(7)[:-8]),
        ("CARNET_INDEX_KEY", f"i1:{key(7)}"),
        ("CARNET_INDEX_KEY", key(1)),  # the same as the KEK
    ],
    ids=[
        "empty",
        "only-commas",
        "short",
        "long",
        "not-base64",
        "bad-id",
        "swapped",
        "duplicate-id",
        "duplicate-key",
        "unset",
        "index-empty",
        "index-short",
        "index-with-id",
        "index-equals-kek",
    ],
)
def test_malformed_key_configuration_is_refused_without_echoing_keys(keys, setting, value):
    # given a malformed key setting
    setattr(keys, setting, value)
    # when the keys are used; then ImproperlyConfigured, and the message holds no key material
    with pytest.raises(ImproperlyConfigured) as caught:
        use_every_key()
    message = str(caught.value)
    for n in (1, 7, 8):
        assert key(n)[:20] not in message
        assert key(n).replace("B", "*")[:20] not in message


# --- The rotate_keys command ---------------------------------------------------------------------


def test_rotate_keys_check_exits_1_while_old_keys_remain_and_0_after_rotation(data_key, keys):
    # given a data key wrapped by k1 and k2 made the newest
    keys.CARNET_DATA_KEY = f"k2:{key(2)},k1:{key(1)}"
    out = io.StringIO()
    # when --check runs; then it exits with status 1 and says what is left
    with pytest.raises(SystemExit) as exited:
        call_command("rotate_keys", "--check", stdout=out)
    assert exited.value.code == 1
    assert "1 data key is wrapped by older key k1." in out.getvalue()
    # when the rotation runs; then it reports progress and a summary
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "Re-wrapped 1 of 1 data key." in out.getvalue()
    assert "Done: 1 data key is now wrapped by key k2." in out.getvalue()
    # and --check now passes (returns, exit status 0)
    out = io.StringIO()
    call_command("rotate_keys", "--check", stdout=out)
    assert "Every data key is wrapped by the newest key, k2." in out.getvalue()
    # and no key material was printed
    assert key(1) not in out.getvalue()
    assert key(2) not in out.getvalue()


def test_rotate_keys_check_flags_a_key_that_is_not_configured(data_key, keys):
    # given a data key under k1 and a configuration without k1
    keys.CARNET_DATA_KEY = f"k2:{key(2)}"
    out = io.StringIO()
    # when --check runs; then status 1 and a warning that those values cannot be read
    with pytest.raises(SystemExit) as exited:
        call_command("rotate_keys", "--check", stdout=out)
    assert exited.value.code == 1
    assert "That key is not configured" in out.getvalue()
    # and the rotation itself fails as a command error, changing nothing
    with pytest.raises(CommandError, match="'k1'"):
        call_command("rotate_keys", stdout=io.StringIO())
    assert DataKey.objects.get(pk=data_key.pk).kek_id == "k1"


def test_rotate_keys_with_nothing_to_do(data_key):
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "Nothing to do: every data key is already wrapped by key k1." in out.getvalue()


def test_random_data_key_ids_do_not_collide():
    # given two fresh data keys; then they have distinct ids and distinct wrapped keys
    first, second = crypto.data_key_create(), crypto.data_key_create()
    assert first.pk != second.pk
    assert isinstance(first.pk, uuid.UUID)
    assert bytes(first.wrapped) != bytes(second.wrapped)
