"""Encryption of protected fields: envelope encryption, AES-256-GCM, blind indexes.

Why this exists: a child's identity (name, date of birth, contacts, documents,
photos) must stay secret to anyone who gets the database alone: a stolen backup,
a read replica, an over-curious administrator with SQL access. See
``docs/decisions/0003-encryption-of-protected-fields.md``.

The model, in short:

* **Key-encryption keys (KEKs)** live only in the environment
  (``settings.CARNET_DATA_KEY``, newest first, ``kid:base64`` each) or a KMS.
* **Data keys** (:class:`~carnet.core.models.DataKey`): one random 256-bit key per
  record, stored wrapped (AES-GCM) by the newest KEK, with that KEK's id.
  Rotating a KEK re-wraps 32-byte keys, never the data (:func:`rewrap_all`).
  Deleting a data key shreds every value encrypted under it.
* **Values** are AES-256-GCM encrypted under the record's data key with a fresh
  96-bit nonce. The associated data binds each ciphertext to its table, field,
  row id and data key, so a value copied to another row or field fails to
  decrypt instead of showing one child's name on another child's record.
* **Blind indexes** (:func:`blind_index`) allow exact-match search: an HMAC of
  the normalised value under a separate key (``settings.CARNET_INDEX_KEY``), so
  lookups never decrypt every row and the index key cannot decrypt anything.

Every failure raises a :class:`CryptoError`; nothing here ever returns the
stored bytes, an empty string or ``None`` in place of a value it could not
authenticate.

Stored value, version 1 (``_VALUE_VERSION``)::

    0x01 | data key id (16 bytes, UUID) | nonce (12) | AES-GCM(kind byte + payload) + tag (16)

    associated data = "carnet.value.v1" | version | data key id | len+table | len+field | len+row id

Wrapped data key, version 1 (``DataKey.wrapped``)::

    0x01 | nonce (12) | AES-GCM(32-byte key) + tag (16)

    associated data = "carnet.data-key.v1" | version | data key id | len+kek id

Python cannot reliably wipe bytes from memory; keys are held only as long as a
call needs them and never logged, printed or put in exception messages.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import os
import re
import unicodedata
import uuid
from base64 import b64decode
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.utils import timezone

from carnet.core.models import DataKey

__all__ = [
    "CryptoError",
    "DataKeyMissingError",
    "DecryptionError",
    "KeyEncryptionKey",
    "Keyring",
    "UnknownKeyError",
    "blind_index",
    "data_key_create",
    "data_key_id_of",
    "data_key_shred",
    "decrypt",
    "decrypt_bytes",
    "decrypt_field",
    "decrypt_text",
    "encrypt",
    "encrypt_field",
    "index_key",
    "keyring",
    "normalise_document_number",
    "normalise_name",
    "normalise_text",
    "reset_keyring_cache",
    "rewrap_all",
    "stale_data_key_counts",
]

KEY_BYTES: Final = 32  # AES-256 and HMAC-SHA256 keys
NONCE_BYTES: Final = 12  # 96-bit GCM nonce, random per encryption
TAG_BYTES: Final = 16

_VALUE_VERSION: Final = 0x01
_WRAP_VERSION: Final = 0x01
_VALUE_DOMAIN: Final = b"carnet.value.v1"
_WRAP_DOMAIN: Final = b"carnet.data-key.v1"
_INDEX_DOMAIN: Final = b"carnet.blind-index.v1"
_UUID_BYTES: Final = 16
_VALUE_HEADER_BYTES: Final = 1 + _UUID_BYTES + NONCE_BYTES
_WRAPPED_BYTES: Final = 1 + NONCE_BYTES + KEY_BYTES + TAG_BYTES

# First plaintext byte: what the caller gave us, so decrypt() returns the same type.
_KIND_TEXT: Final = 0x74  # "t": UTF-8 text
_KIND_BYTES: Final = 0x62  # "b": raw bytes

# At most 32 characters: a base64 key (43+) pasted in the id's place is refused, never echoed.
_KID_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
_PURPOSE_RE: Final = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*")
_PURPOSE_MAX: Final = 100


# --- Errors ----------------------------------------------------------------------


class CryptoError(Exception):
    """Base of every failure of protected-field encryption; never carries key or plaintext."""


class DecryptionError(CryptoError):
    """A value (or a wrapped data key) cannot be authenticated.

    Raised for a wrong key, a tampered value, a value moved to another row,
    field or table, or bytes that are not a carnet ciphertext at all. The
    reasons are deliberately not told apart any further: AES-GCM cannot, and an
    attacker should learn nothing from the message.
    """


class UnknownKeyError(DecryptionError):
    """A data key is wrapped by a key-encryption key id that is not configured.

    Usually an old KEK was removed from ``CARNET_DATA_KEY`` before
    ``carnet rotate_keys`` re-wrapped everything under it: put it back, rotate,
    then remove it.
    """


class DataKeyMissingError(DecryptionError):
    """The value's data key no longer exists: it was shredded (or never was in this database)."""


# --- Keys from settings ---------------------------------------------------------------


@dataclass(frozen=True)
class KeyEncryptionKey:
    """One KEK from ``CARNET_DATA_KEY``. ``repr`` shows the id only."""

    kid: str
    key: bytes = field(repr=False)


@dataclass(frozen=True)
class Keyring:
    """The configured KEKs, newest first. The newest wraps every new or rotated data key."""

    keys: tuple[KeyEncryptionKey, ...]

    @property
    def newest(self) -> KeyEncryptionKey:
        return self.keys[0]

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(k.kid for k in self.keys)

    def get(self, kid: str) -> KeyEncryptionKey:
        """The KEK called ``kid``; :class:`UnknownKeyError` rather than a guess when it is missing."""
        for kek in self.keys:
            if kek.kid == kid:
                return kek
        raise UnknownKeyError(f"Key-encryption key {kid!r} is not configured in CARNET_DATA_KEY.")


def _decode_key(text: str, *, where: str) -> bytes:
    """Decode one urlsafe-base64 key of exactly 32 bytes. Messages name the key's place, never its value."""
    raw = text.strip()
    raw += "=" * (-len(raw) % 4)  # tolerate stripped padding, as token_urlsafe() produces
    try:
        key = b64decode(raw.encode("ascii"), altchars=b"-_", validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ImproperlyConfigured(f"{where} is not valid urlsafe base64.") from None
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(f"{where} decodes to {len(key)} bytes; a key must be exactly {KEY_BYTES} bytes.")
    return key


@lru_cache(maxsize=4)
def _parse_keyring(raw: str) -> Keyring:
    keys: list[KeyEncryptionKey] = []
    entries = [entry.strip() for entry in raw.split(",")]
    for position, entry in enumerate(entries, start=1):
        if not entry:
            continue  # a trailing or doubled comma holds no key
        kid, sep, encoded = entry.partition(":")
        if sep:
            kid = kid.strip()
            if not _KID_RE.fullmatch(kid):
                raise ImproperlyConfigured(
                    f"CARNET_DATA_KEY entry {position} has an invalid key id: use 1 to 32 letters, digits, '.', '_' or '-'."
                )
            key = _decode_key(encoded, where=f"CARNET_DATA_KEY entry {position}")
        else:
            key = _decode_key(entry, where=f"CARNET_DATA_KEY entry {position}")
            kid = hashlib.sha256(key).hexdigest()[:8]
        if any(k.kid == kid for k in keys):
            raise ImproperlyConfigured(f"CARNET_DATA_KEY names key id {kid!r} more than once.")
        if any(hmac.compare_digest(k.key, key) for k in keys):
            raise ImproperlyConfigured(f"CARNET_DATA_KEY entry {position} repeats the key of an earlier entry.")
        keys.append(KeyEncryptionKey(kid=kid, key=key))
    if not keys:
        raise ImproperlyConfigured("CARNET_DATA_KEY holds no key: set it to 'kid:urlsafe-base64-of-32-bytes'.")
    return Keyring(keys=tuple(keys))


@lru_cache(maxsize=4)
def _parse_index_key(raw: str) -> bytes:
    if "," in raw or ":" in raw:
        raise ImproperlyConfigured("CARNET_INDEX_KEY holds one key without a key id: an index key cannot rotate without re-indexing.")
    if not raw.strip():
        raise ImproperlyConfigured("CARNET_INDEX_KEY is empty: set it to urlsafe-base64 of 32 random bytes.")
    return _decode_key(raw, where="CARNET_INDEX_KEY")


def _setting(name: str) -> str:
    value = getattr(settings, name, None)
    if not isinstance(value, str):
        raise ImproperlyConfigured(f"{name} is not set.")
    return value


def keyring() -> Keyring:
    """The KEKs configured now.

    Settings are read on every call (cheap) and the parse is cached by the raw
    value, so tests and ``override_settings`` see new keys at once without a
    signal receiver (carnet keeps signals to the audit of sign-ins).
    """
    return _parse_keyring(_setting("CARNET_DATA_KEY"))


def index_key() -> bytes:
    """The blind-index key. Refused when it equals a KEK: one key, one job."""
    key = _parse_index_key(_setting("CARNET_INDEX_KEY"))
    if any(hmac.compare_digest(key, kek.key) for kek in keyring().keys):
        raise ImproperlyConfigured("CARNET_INDEX_KEY must differ from every key in CARNET_DATA_KEY.")
    return key


def reset_keyring_cache() -> None:
    """Forget parsed keys (e.g. before dropping references to old key material)."""
    _parse_keyring.cache_clear()
    _parse_index_key.cache_clear()


# --- Data keys ----------------------------------------------------------------------


def _length_prefixed(*parts: bytes) -> bytes:
    # Unambiguous concatenation: ("ab", "c") and ("a", "bc") must never collide.
    return b"".join(len(part).to_bytes(4, "big") + part for part in parts)


def _wrap_aad(data_key_id: uuid.UUID, kid: str) -> bytes:
    return _WRAP_DOMAIN + bytes([_WRAP_VERSION]) + data_key_id.bytes + _length_prefixed(kid.encode())


def _wrap(plain_key: bytes, *, data_key_id: uuid.UUID, kek: KeyEncryptionKey) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(kek.key).encrypt(nonce, plain_key, _wrap_aad(data_key_id, kek.kid))
    return bytes([_WRAP_VERSION]) + nonce + sealed


def _unwrap(data_key: DataKey) -> bytes:
    """The plaintext data key, after authenticating it against its id and its KEK's id."""
    if data_key.pk is None:
        # Model.delete() clears the pk of the instance it deleted.
        raise DataKeyMissingError("The data key has been shredded.")
    kek = keyring().get(data_key.kek_id)
    wrapped = data_key.wrapped
    if not isinstance(wrapped, (bytes, bytearray, memoryview)):
        raise DecryptionError(f"Data key {data_key.pk} holds no wrapped key.")
    blob = bytes(wrapped)  # memoryview on PostgreSQL
    if len(blob) != _WRAPPED_BYTES or blob[0] != _WRAP_VERSION:
        raise DecryptionError(f"Data key {data_key.pk} is not a wrapped key this version of carnet can read.")
    nonce, sealed = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return AESGCM(kek.key).decrypt(nonce, sealed, _wrap_aad(data_key.pk, kek.kid))
    except InvalidTag:
        raise DecryptionError(
            f"Data key {data_key.pk} cannot be unwrapped: wrong key-encryption key {kek.kid!r} or a tampered row."
        ) from None


def data_key_create() -> DataKey:
    """Make, wrap with the newest KEK, and save a new data key for one record.

    Saved at once because a value encrypted under a key that was never stored
    would be lost; call it inside the transaction that creates the record.
    """
    kek = keyring().newest
    data_key = DataKey(kek_id=kek.kid)
    data_key.wrapped = _wrap(AESGCM.generate_key(bit_length=KEY_BYTES * 8), data_key_id=data_key.pk, kek=kek)
    data_key.save(force_insert=True)
    return data_key


def data_key_shred(*, data_key: DataKey) -> None:
    """Crypto-shred: delete the data key, making every value encrypted under it unreadable for good.

    The caller audits the erasure; a backup holding the row stays readable until
    it expires or its KEK is destroyed.
    """
    data_key.delete()


# --- Values ---------------------------------------------------------------------------


def _check_context(table: str, field: str, row_id: str) -> None:
    for name, value in (("table", table), ("field", field), ("row_id", row_id)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a str, not {type(value).__name__}.")
        if not value:
            # An empty row id usually means the row has no primary key yet: use a
            # UUID primary key, which exists before the first save.
            raise ValueError(f"{name} must not be empty: the ciphertext would not be bound to its place.")


def _value_aad(header: bytes, table: str, field: str, row_id: str) -> bytes:
    return _VALUE_DOMAIN + header[: 1 + _UUID_BYTES] + _length_prefixed(table.encode(), field.encode(), row_id.encode())


def _as_bytes(stored: bytes | bytearray | memoryview) -> bytes:
    if not isinstance(stored, (bytes, bytearray, memoryview)):
        raise TypeError(f"A stored value is bytes, not {type(stored).__name__}.")
    return bytes(stored)


def data_key_id_of(stored: bytes | bytearray | memoryview) -> uuid.UUID:
    """The id of the data key a stored value was encrypted under (read from its header, unauthenticated)."""
    blob = _as_bytes(stored)
    if len(blob) < _VALUE_HEADER_BYTES + 1 + TAG_BYTES or blob[0] != _VALUE_VERSION:
        raise DecryptionError("The stored value is not a carnet ciphertext this version can read.")
    return uuid.UUID(bytes=blob[1 : 1 + _UUID_BYTES])


def encrypt(value: str | bytes, *, data_key: DataKey, table: str, field: str, row_id: str) -> bytes:
    """Encrypt ``value`` for one place: ``table``, ``field`` and ``row_id``, under ``data_key``.

    ``table`` and ``field`` are stable names (the helpers below use the model's
    ``db_table`` and the attribute name): renaming either later needs a
    re-encryption, so pin ``Meta.db_table`` on models with protected fields.
    """
    _check_context(table, field, row_id)
    if isinstance(value, str):
        plaintext = bytes([_KIND_TEXT]) + value.encode("utf-8")
    elif isinstance(value, (bytes, bytearray, memoryview)):
        plaintext = bytes([_KIND_BYTES]) + bytes(value)
    else:
        raise TypeError(f"Only str or bytes can be encrypted, not {type(value).__name__}.")
    if data_key._state.adding:
        raise CryptoError("The data key is not saved: values under it would be lost. Use data_key_create().")
    plain_key = _unwrap(data_key)
    header = bytes([_VALUE_VERSION]) + data_key.pk.bytes + os.urandom(NONCE_BYTES)
    sealed = AESGCM(plain_key).encrypt(header[-NONCE_BYTES:], plaintext, _value_aad(header, table, field, row_id))
    return header + sealed


def decrypt(
    stored: bytes | bytearray | memoryview,
    *,
    data_key: DataKey | None = None,
    table: str,
    field: str,
    row_id: str,
) -> str | bytes:
    """Authenticate and decrypt a value encrypted by :func:`encrypt`; return it as the type it had.

    ``data_key`` is the record's key (select it with the record to save a
    query); without it the key named in the value's header is loaded, and a
    missing one raises :class:`DataKeyMissingError`. Anything that does not
    authenticate for exactly this table, field and row raises
    :class:`DecryptionError`: never the stored bytes, never ``None``.
    """
    _check_context(table, field, row_id)
    blob = _as_bytes(stored)
    header_key_id = data_key_id_of(blob)
    if data_key is None:
        data_key = DataKey.objects.filter(pk=header_key_id).first()
        if data_key is None:
            raise DataKeyMissingError(f"The data key of this {table}.{field} value no longer exists: it was shredded.")
    elif data_key.pk is None:
        raise DataKeyMissingError("The data key has been shredded.")
    elif data_key.pk != header_key_id:
        raise DecryptionError(f"This {table}.{field} value was not encrypted under the given data key.")
    plain_key = _unwrap(data_key)
    header, sealed = blob[:_VALUE_HEADER_BYTES], blob[_VALUE_HEADER_BYTES:]
    try:
        plaintext = AESGCM(plain_key).decrypt(header[-NONCE_BYTES:], sealed, _value_aad(header, table, field, row_id))
    except InvalidTag:
        raise DecryptionError(
            f"This {table}.{field} value does not authenticate: tampered, moved from another row or field, or a wrong key."
        ) from None
    if not plaintext:  # encrypt() always writes a kind byte; anything else is not ours
        raise DecryptionError(f"This {table}.{field} value has no content kind.")
    kind, payload = plaintext[0], plaintext[1:]
    if kind == _KIND_TEXT:
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:  # authenticated, so only a bug could get here; still never fail open
            raise DecryptionError(f"This {table}.{field} value is not valid text.") from None
    if kind == _KIND_BYTES:
        return payload
    raise DecryptionError(f"This {table}.{field} value has an unknown content kind.")


def decrypt_text(stored: bytes | bytearray | memoryview, *, data_key: DataKey | None = None, table: str, field: str, row_id: str) -> str:
    """:func:`decrypt` for a value that was encrypted from ``str``; a bytes value is a programming error."""
    value = decrypt(stored, data_key=data_key, table=table, field=field, row_id=row_id)
    if not isinstance(value, str):
        raise TypeError(f"{table}.{field} holds bytes, not text.")
    return value


def decrypt_bytes(stored: bytes | bytearray | memoryview, *, data_key: DataKey | None = None, table: str, field: str, row_id: str) -> bytes:
    """:func:`decrypt` for a value that was encrypted from ``bytes``; a text value is a programming error."""
    value = decrypt(stored, data_key=data_key, table=table, field=field, row_id=row_id)
    if not isinstance(value, bytes):
        raise TypeError(f"{table}.{field} holds text, not bytes.")
    return value


# --- Model helpers --------------------------------------------------------------------


def _row_id(instance: models.Model) -> str:
    if instance.pk is None:
        raise ValueError(f"{instance._meta.label} has no primary key yet: give it a UUID primary key so values can be bound to the row.")
    return str(instance.pk)


def encrypt_field(instance: models.Model, field: str, value: str | bytes | None, *, data_key: DataKey) -> None:
    """Set ``instance.<field>`` (a BinaryField) to ``value`` encrypted for this row and field; the caller saves.

    ``None`` stores ``NULL`` (no value), which :func:`decrypt_field` returns as
    ``None``: absence is not a secret worth a ciphertext. Deliberately a function
    and not a custom model field: a field that decrypts on load cannot raise at a
    place the caller expects, and that is how such fields end up failing open.
    """
    if value is None:
        setattr(instance, field, None)
        return
    table = instance._meta.db_table
    setattr(instance, field, encrypt(value, data_key=data_key, table=table, field=field, row_id=_row_id(instance)))


def decrypt_field(instance: models.Model, field: str, *, data_key: DataKey | None = None) -> str | bytes | None:
    """The plaintext of ``instance.<field>``; ``None`` only when the column is NULL, an error otherwise."""
    stored = getattr(instance, field)
    if stored is None:
        return None
    table = instance._meta.db_table
    return decrypt(stored, data_key=data_key, table=table, field=field, row_id=_row_id(instance))


# --- Blind index ------------------------------------------------------------------------

_WHITESPACE: Final = re.compile(r"\s+")
# Letters that carry no combining mark to strip, yet people write without it.
_NAME_FOLD: Final = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "ı": "i",
        "ħ": "h",
        "ŧ": "t",
        "\u2019": "'",  # right single quotation mark, as in O’Brien
        "\u2018": "'",
        "\u02bc": "'",  # modifier letter apostrophe
    }
)


def _until_stable(step: Callable[[str], str], value: str) -> str:
    """Apply ``step`` until it changes nothing, so a normaliser is idempotent.

    One pass is not always enough: removing a character can leave a base letter
    next to a combining mark that NFKC then composes (hypothesis found "A´").
    Real input settles in one or two passes; the bound only guards pathologies.
    """
    for _ in range(4):
        stepped = step(value)
        if stepped == value:
            break
        value = stepped
    return value


def _text_step(value: str) -> str:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())
    visible = unicodedata.normalize("NFKC", "".join(ch for ch in folded if unicodedata.category(ch) != "Cf"))
    return _WHITESPACE.sub(" ", visible).strip()


def normalise_text(value: str) -> str:
    """NFKC, casefold, drop invisible format characters, collapse whitespace, strip.

    So that "Anna  MARIA", "anna maria" and a copy-paste with a zero-width
    space find each other.
    """
    return _until_stable(_text_step, value)


def _name_step(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", _text_step(value))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_NAME_FOLD)
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", bare)).strip()


def normalise_name(value: str) -> str:
    """:func:`normalise_text`, then without diacritics: "Žaneta", "ŽANETA" and "Zaneta" match.

    Deliberately lossy: a name is often typed without its marks (at a border, on
    a phone), and a coarser index also says less about who is in the database.
    Candidates are confirmed by decrypting them.
    """
    return _until_stable(_name_step, value)


def _document_number_step(value: str) -> str:
    kept = "".join(
        ch
        for ch in unicodedata.normalize("NFKC", value)
        if not ch.isspace() and unicodedata.category(ch) not in {"Pd", "Cf"} and ch != "\u2212"  # minus sign
    )
    return unicodedata.normalize("NFKC", kept.upper())


def normalise_document_number(value: str) -> str:
    """NFKC, without whitespace or dashes, upper case: "ab 12-34 567" is "AB1234567"."""
    return _until_stable(_document_number_step, value)


def blind_index(value: str, *, purpose: str, normalise: Callable[[str], str] = normalise_text) -> str:
    """Hex HMAC-SHA256 of the normalised ``value`` for exact-match lookup of an encrypted field.

    ``purpose`` (e.g. ``"child.name"``) selects a sub-key, so equal values in
    two fields give unrelated indexes and cannot be joined across them. The key
    is ``CARNET_INDEX_KEY``, separate from the KEKs: it can compare, never
    decrypt. An empty value after normalisation is refused: store ``NULL``
    instead of one index shared by every blank.
    """
    if not isinstance(purpose, str) or len(purpose) > _PURPOSE_MAX or not _PURPOSE_RE.fullmatch(purpose):
        raise ValueError("purpose must be a dotted lower-case name such as 'child.name'.")
    if not isinstance(value, str):
        raise TypeError(f"A blind index is taken of text, not {type(value).__name__}.")
    normalised = normalise(value)
    if not normalised:
        raise ValueError("The value is empty after normalisation: store no index for it.")
    sub_key = hmac.new(index_key(), _INDEX_DOMAIN + b"\x00" + purpose.encode("ascii"), hashlib.sha256).digest()
    return hmac.new(sub_key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


# --- Rotation -------------------------------------------------------------------------


def stale_data_key_counts() -> dict[str, int]:
    """How many data keys each older KEK id still wraps (the newest KEK is left out)."""
    newest = keyring().newest.kid
    rows = DataKey.objects.exclude(kek_id=newest).values_list("kek_id").annotate(count=models.Count("pk")).order_by("kek_id")
    return dict(rows)


def rewrap_all(progress: Callable[[int, int], None] | None = None, *, batch_size: int = 500) -> int:
    """Re-wrap every data key not wrapped by the newest KEK with the newest KEK; return how many.

    Only the 32-byte data keys change: the data ciphertexts stay as they are,
    which is why rotation is cheap. Each batch is one transaction holding its
    rows with ``select_for_update``, so a crash leaves every key readable and a
    rerun simply continues. Before touching anything it checks that every KEK
    id in use is configured, and raises :class:`UnknownKeyError` if not.
    ``progress(done, total)`` is called after each batch.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    ring = keyring()
    newest = ring.newest
    stale = stale_data_key_counts()
    missing = sorted(kid for kid in stale if kid not in ring.kids)
    if missing:
        raise UnknownKeyError(
            "Data keys are wrapped by key-encryption keys that are not configured: "
            + ", ".join(repr(kid) for kid in missing)
            + ". Add them to CARNET_DATA_KEY (after the newest) and run the rotation again."
        )
    total = sum(stale.values())
    done = 0
    while True:
        with transaction.atomic():
            batch = list(DataKey.objects.select_for_update().exclude(kek_id=newest.kid).order_by("pk")[:batch_size])
            if not batch:
                break
            now = timezone.now()
            for data_key in batch:
                plain_key = _unwrap(data_key)
                data_key.wrapped = _wrap(plain_key, data_key_id=data_key.pk, kek=newest)
                data_key.kek_id = newest.kid
                data_key.rotated_at = now
            DataKey.objects.bulk_update(batch, ["wrapped", "kek_id", "rotated_at"])
        done += len(batch)
        total = max(total, done)  # keys created meanwhile by a server still on the old keyring
        if progress is not None:
            progress(done, total)
    return done
