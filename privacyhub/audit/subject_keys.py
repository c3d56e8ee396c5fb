"""Per-subject data keys: found or made once per ingest batch, destroyed by shredding.

A data key is stored only wrapped by a master key and bound to the subject's pseudonym.
Shredding deletes the wrapped key; every value it sealed becomes noise, while the
ciphertext (and so every leaf hash and proof) stays exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from privacyhub.audit import HUB_SOURCE
from privacyhub.audit.batch_sql import one_of
from privacyhub.crypto import DataKey, Keyring, KeyUnavailable
from privacyhub.extensions import db
from privacyhub.models import AuditEvent, SubjectKey
from privacyhub.models.types import utcnow

LOOKUP_CHUNK = 500


def actor_owner(actor_type: str, actor_id: str) -> str:
    """The key owner for personal fields that describe an event's actor (no subject given)."""
    return f"actor:{actor_type}:{actor_id}"


@dataclass(frozen=True)
class LiveKey:
    """A subject's usable data key and the id events store to name it."""

    id: int
    key: DataKey


def _live_rows(pseudonyms: list[str]) -> list[tuple[int, str, bytes]]:
    rows: list[tuple[int, str, bytes]] = []
    for start in range(0, len(pseudonyms), LOOKUP_CHUNK):
        chunk = pseudonyms[start:start + LOOKUP_CHUNK]
        rows.extend(db.session.execute(
            select(SubjectKey.id, SubjectKey.pseudonym, SubjectKey.wrapped_key)
            .where(one_of(SubjectKey.pseudonym, chunk), SubjectKey.shredded_at.is_(None))
        ))
    return rows


def _insert_new_keys(rows: list[dict[str, object]]) -> None:
    """Insert keys, skipping pseudonyms another transaction gave a live key meanwhile."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(SubjectKey).on_conflict_do_nothing(
        index_elements=["pseudonym"], index_where=SubjectKey.shredded_at.is_(None)
    )
    db.session.execute(stmt, rows)


def live_keys(ring: Keyring, owners: Iterable[str]) -> dict[str, LiveKey]:
    """The live data key of each owner (subject identifier), creating the missing ones.

    One SELECT for the whole batch; subjects never seen before add one INSERT and one
    more SELECT (which also picks up a key a concurrent batch created first).
    """
    by_pseudonym = {ring.pseudonym(owner): owner for owner in set(owners)}
    if not by_pseudonym:
        return {}
    found = _live_rows(list(by_pseudonym))
    missing = set(by_pseudonym) - {pseudonym for _, pseudonym, _ in found}
    if missing:
        now = utcnow()
        new_rows: list[dict[str, object]] = []
        for pseudonym in sorted(missing):
            key_id, wrapped = ring.wrap_data_key(DataKey.generate(), pseudonym)
            new_rows.append({"pseudonym": pseudonym, "wrapped_key": wrapped, "master_key_id": key_id,
                             "created_at": now})
        _insert_new_keys(new_rows)
        found.extend(_live_rows(sorted(missing)))
    return {by_pseudonym[pseudonym]: LiveKey(key_id, ring.unwrap_data_key(wrapped, pseudonym))
            for key_id, pseudonym, wrapped in found}


def keys_by_id(ring: Keyring, key_ids: Iterable[int]) -> dict[int, DataKey | None]:
    """Data keys for reading events back; ``None`` for a shredded (or unopenable) key."""
    ids = sorted(set(key_ids))
    keys: dict[int, DataKey | None] = {}
    for start in range(0, len(ids), LOOKUP_CHUNK):
        for key_id, pseudonym, wrapped in db.session.execute(
            select(SubjectKey.id, SubjectKey.pseudonym, SubjectKey.wrapped_key)
            .where(one_of(SubjectKey.id, ids[start:start + LOOKUP_CHUNK]))
        ):
            try:
                keys[key_id] = ring.unwrap_data_key(wrapped, pseudonym) if wrapped else None
            except KeyUnavailable:
                keys[key_id] = None
    return keys


@dataclass(frozen=True)
class ShredOutcome:
    """What shredding one subject destroyed."""

    pseudonym: str
    keys: int
    events: int


def shred_subject(ring: Keyring, subject: str) -> ShredOutcome:
    """Destroy the subject's live data keys (not committed); its events stay, unreadable.

    Besides the key of ``subject``, the actor keys of product events whose actor id is
    ``subject`` (of any actor type) go too: their ip, user agent and personal data
    describe that person. The hub's own actors (operators) are not product subjects and
    keep theirs.
    """
    pseudonym = ring.pseudonym(subject)
    actor_types = db.session.scalars(select(AuditEvent.actor_type).distinct().where(
        AuditEvent.actor_id == subject, AuditEvent.source != HUB_SOURCE, AuditEvent.subject_ref.is_(None)))
    pseudonyms = [pseudonym] + [ring.pseudonym(actor_owner(t, subject)) for t in actor_types if t]
    key_ids = list(db.session.scalars(
        select(SubjectKey.id).where(SubjectKey.pseudonym.in_(pseudonyms), SubjectKey.shredded_at.is_(None))
    ))
    if not key_ids:
        return ShredOutcome(pseudonym, 0, 0)
    db.session.execute(
        update(SubjectKey).where(SubjectKey.id.in_(key_ids))
        .values(wrapped_key=None, master_key_id=None, shredded_at=utcnow())
    )
    events = db.session.scalar(
        select(db.func.count()).select_from(AuditEvent).where(AuditEvent.subject_key_id.in_(key_ids))
    )
    return ShredOutcome(pseudonym, len(key_ids), int(events or 0))


def rewrap_subject_keys(ring: Keyring, batch: int = 1000) -> int:
    """Wrap every live data key under the newest master key, committing per batch; returns the count.

    Run after putting a new master key first in ``PRIVACYHUB_ENCRYPTION_KEYS``; once it
    reports nothing left, the old master key may be removed.
    """
    newest, done = ring.master_key_id, 0
    while True:
        rows = db.session.execute(
            select(SubjectKey.id, SubjectKey.pseudonym, SubjectKey.wrapped_key)
            .where(SubjectKey.shredded_at.is_(None), SubjectKey.master_key_id != newest)
            .order_by(SubjectKey.id).limit(batch)
        ).all()
        if not rows:
            return done
        changes = []
        for key_id, pseudonym, wrapped in rows:
            assert wrapped is not None  # only shredding clears it, and shredded keys are not selected
            master_id, rewrapped = ring.rewrap_data_key(wrapped, pseudonym)
            changes.append({"id": key_id, "wrapped_key": rewrapped, "master_key_id": master_id})
        db.session.execute(update(SubjectKey), changes)
        db.session.commit()
        done += len(rows)
