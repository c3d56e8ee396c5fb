"""The stored record of an event and its leaf hash: what the Merkle tree commits to.

The record is the ``audit_events`` row as stored (ciphertext and pseudonym included, the
sealer's ``leaf_index`` and the row's ``seq`` excluded), encoded with RFC 8785 (JSON
Canonicalization Scheme). Ingest computes the leaf hash from the row it is about to
insert; ``audit verify`` recomputes it from the row it reads back, so both must agree
byte for byte.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

import rfc8785

from privacyhub.audit.merkle import HASH_SIZE, leaf_hash
from privacyhub.errors import ValidationFailed

RECORD_VERSION = 1
RECORD_COLUMNS = (
    "id", "occurred_at", "received_at", "action", "actor_type", "actor_id", "actor_name", "targets",
    "outcome", "location", "event_metadata", "source", "subject_ref", "subject_key_id", "sealed",
    "content_digest",
)


class ColumnValues(Protocol):
    """An ``audit_events`` row read by column name: a dict, or a SQLAlchemy ``RowMapping``."""

    def __getitem__(self, name: str, /) -> Any: ...


_json_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode
_SAFE_INT = 2**53 - 1


def _jcs_safe(value: Any) -> bool:
    """True when ``json`` with sorted keys already yields the RFC 8785 bytes for ``value``.

    That holds for strings, booleans, null, integers within the IEEE-754 safe range, and
    floats whose shortest repr both Python and ECMAScript write in plain decimal notation,
    nested in objects whose keys sort the same by code point as by UTF-16 code unit.
    Anything else goes through the reference implementation.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is dict:
            for key in item:
                if not key.isascii() and max(key) >= "\ud800":
                    return False
            pending.extend(item.values())
        elif kind is list:
            pending.extend(item)
        elif kind is int:
            if not -_SAFE_INT <= item <= _SAFE_INT:
                return False
        elif kind is float:
            if item.is_integer() or not 1e-4 <= abs(item) < 1e16:
                return False
        else:
            return False
    return True


class CanonicalText(str):
    """JSON text already in RFC 8785 form; ``CanonicalJSON`` columns store it as it is."""

    __slots__ = ()

    @classmethod
    def of(cls, value: Any, free_form: Iterable[Any] | None = None) -> CanonicalText:
        """The canonical text of ``value`` (``free_form`` as in ``canonical_json``)."""
        return cls(canonical_json(value, free_form).decode())


def canonical_json(value: Any, free_form: Iterable[Any] | None = None) -> bytes:
    """RFC 8785 canonical JSON of ``value``; 422 when it has no canonical form.

    A fast path through the C JSON encoder covers ordinary data; the ``rfc8785``
    package handles the rest (exponents, integral floats, astral-plane keys). When
    ``value`` comes out of a typed model, ``free_form`` lists its parts that may hold
    arbitrary JSON, and only those are checked for the fast path: the rest is strings,
    null and objects with ASCII keys.
    """
    try:
        if all(map(_jcs_safe, (value,) if free_form is None else free_form)):
            return _json_encode(value).encode()
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError, ValueError) as exc:
        raise ValidationFailed(
            "the event holds a value JSON canonicalization (RFC 8785) cannot encode, such as an "
            "integer beyond 2^53 or an unpaired surrogate"
        ) from exc


def timestamp_text(value: datetime) -> str:
    """The one text form of a stored time: UTC, microseconds, ``Z``."""
    if value.utcoffset():
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def stored_record(row: ColumnValues) -> dict[str, Any]:
    """The JSON object a leaf commits to, from an ``audit_events`` row (column names as keys)."""
    sealed = row["sealed"]
    return {
        "v": RECORD_VERSION,
        "id": row["id"],
        "occurred_at": timestamp_text(row["occurred_at"]),
        "received_at": timestamp_text(row["received_at"]),
        "action": row["action"],
        "actor_type": row["actor_type"],
        "actor_id": row["actor_id"],
        "actor_name": row["actor_name"],
        "targets": row["targets"],
        "outcome": row["outcome"],
        "location": row["location"],
        "metadata": row["event_metadata"],
        "source": row["source"],
        "subject_ref": row["subject_ref"],
        "subject_key_id": row["subject_key_id"],
        "sealed": base64.b64encode(sealed).decode() if sealed is not None else None,
        "content_digest": row["content_digest"],
    }


# The record's members in RFC 8785 order, as ``leaf_hash_from_stored`` reads them straight from the table.
STORED_ORDER = (
    "action", "actor_id", "actor_name", "actor_type", "content_digest", "id", "location", "event_metadata",
    "occurred_at", "outcome", "received_at", "sealed", "source", "subject_key_id", "subject_ref", "targets",
)
_json_string = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _stored_time(value: Any) -> str:
    """The record's time text from a raw column value: SQLite's text, or a driver's datetime."""
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " ":
            return value[:10] + "T" + value[11:] + "Z"
        value = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return timestamp_text(value)


def leaf_hash_from_stored(values: tuple[Any, ...]) -> bytes:
    """The leaf hash of a row read raw in ``STORED_ORDER``, JSON columns as their stored text.

    Builds the same bytes as ``canonical_json(stored_record(row))`` without decoding and
    re-encoding the JSON columns, which ``CanonicalJSON`` already stores in RFC 8785
    form; a column altered into any other text simply yields another hash.
    """
    (action, actor_id, actor_name, actor_type, digest, event_id, location, metadata, occurred_at, outcome,
     received_at, sealed, source, key_id, subject_ref, targets) = values
    text = "".join((
        '{"action":', _json_or_null(action), ',"actor_id":', _json_or_null(actor_id),
        ',"actor_name":', _json_or_null(actor_name), ',"actor_type":', _json_or_null(actor_type),
        ',"content_digest":', _json_or_null(digest), ',"id":', _json_or_null(event_id),
        ',"location":', _json_or_null(location), ',"metadata":', metadata if metadata is not None else "null",
        ',"occurred_at":"', _stored_time(occurred_at), '","outcome":', _json_or_null(outcome),
        ',"received_at":"', _stored_time(received_at), '","sealed":',
        '"' + base64.b64encode(sealed).decode() + '"' if sealed is not None else "null",
        ',"source":', _json_or_null(source), ',"subject_key_id":', str(int(key_id)) if key_id is not None else "null",
        ',"subject_ref":', _json_or_null(subject_ref), ',"targets":', targets if targets is not None else "null",
        ',"v":', str(RECORD_VERSION), '}',
    ))
    try:
        return leaf_hash(text.encode())
    except UnicodeEncodeError:
        return bytes(HASH_SIZE)  # an unpaired surrogate: nothing ingest could have sealed


def _json_or_null(value: str | None) -> str:
    return "null" if value is None else _json_string(value)


def record_leaf_hash(record: Mapping[str, Any]) -> bytes:
    """RFC 9162 leaf hash of a stored record: SHA-256(0x00 || JCS(record))."""
    return leaf_hash(canonical_json(record))


def row_leaf_hash(row: ColumnValues) -> bytes:
    """The leaf hash of an ``audit_events`` row."""
    return leaf_hash(canonical_json(stored_record(row)))
