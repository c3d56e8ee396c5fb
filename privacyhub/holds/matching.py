"""Which product rows the legal holds in force cover, for erasure, deferred erasure and retention runs.

A subject hold covers every row its identity reaches in the system (the same walk an
access request makes); a collection hold covers the rows of its collection whose fields
carry the filter's values. Row sets of subject holds are computed once per matcher, so a
retention run walks each held subject once, not once per batch.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, or_, select

from privacyhub.crypto import decrypt_field
from privacyhub.datasets.graph import DatasetGraph
from privacyhub.dsr.identities import identity_hmac, normalise
from privacyhub.errors import ValidationFailed
from privacyhub.extensions import db
from privacyhub.fulfilment.planner import SubjectRows, find_subject_rows
from privacyhub.fulfilment.rows import RowKey
from privacyhub.models import DataSystem, LegalHold
from privacyhub.models.types import utcnow

IDENTITY_AAD = b"legal_holds.identity"
HeldRows = dict[str, dict[RowKey, int]]  # collection -> row key -> the hold that keeps it


def holds_in_force(system: DataSystem | None, now: datetime | None = None) -> list[LegalHold]:
    """Holds in force at ``now`` over ``system`` (subject holds naming no system cover every system)."""
    now = now or utcnow()
    stmt = select(LegalHold).where(LegalHold.released_at.is_(None), LegalHold.starts_at <= now,
                                   or_(LegalHold.expires_at.is_(None), LegalHold.expires_at > now))
    if system is None:  # a system not registered (yet): only holds that name no system
        stmt = stmt.where(LegalHold.system_id.is_(None))
    else:
        stmt = stmt.where(or_(LegalHold.system_id == system.id,
                              (LegalHold.scope == "subject") & LegalHold.system_id.is_(None)))
    return list(db.session.scalars(stmt.order_by(LegalHold.id)))


def identity_holds(system: DataSystem | None, identities: dict[str, list[str]],
                   now: datetime | None = None) -> list[LegalHold]:
    """Subject holds in force that name one of these identities (for systems the hub cannot look into)."""
    digests = set()
    for identity_type, values in identities.items():
        for value in values:
            try:
                digests.add(identity_hmac(identity_type, normalise(identity_type, value)))
            except ValidationFailed:
                continue
    return [h for h in holds_in_force(system, now) if h.scope == "subject" and h.identity_hmac in digests]


def hold_identity(hold: LegalHold) -> str:
    """The clear identity of a subject hold (callers audit who looked)."""
    return decrypt_field(hold.identity_sealed or b"", aad=IDENTITY_AAD).decode()


def matches_filter(row: dict[str, Any], wanted: dict[str, Any] | None) -> bool:
    """The row carries, for every filtered field, the value (or one of the values) asked for."""
    for name, expected in (wanted or {}).items():
        options = expected if isinstance(expected, list) else [expected]
        value = row.get(name)
        if not any(value == option or (value is not None and str(value) == str(option)) for option in options):
            return False
    return True


class HoldMatcher:
    """The holds in force over one system at one moment, ready to test rows against."""

    def __init__(self, graph: DatasetGraph, holds: list[LegalHold]) -> None:
        self.graph = graph
        self.subject_holds = [h for h in holds if h.scope == "subject"]
        self.collection_holds: dict[str, list[LegalHold]] = defaultdict(list)
        for hold in holds:
            if hold.scope == "collection" and hold.collection in graph.collections:
                self.collection_holds[hold.collection].append(hold)
        self.subject_keys: dict[str, dict[RowKey, int]] = defaultdict(dict)
        self.prepared = not self.subject_holds

    @classmethod
    def for_system(cls, system: DataSystem, graph: DatasetGraph, now: datetime | None = None) -> HoldMatcher:
        return cls(graph, holds_in_force(system, now))

    def __bool__(self) -> bool:
        return bool(self.subject_holds or self.collection_holds)

    def prepare(self, conn: Connection) -> None:
        """Walk each held subject's rows once (keys only are kept)."""
        for hold in self.subject_holds:
            reached = find_subject_rows(conn, self.graph, {hold.identity_type or "": [hold_identity(hold)]})
            for rows in reached.nonempty():
                for key in rows.rows:
                    self.subject_keys[rows.name].setdefault(key, hold.id)
        self.prepared = True

    def hold_for(self, collection: str, key: RowKey, row: dict[str, Any]) -> int | None:
        """The id of a hold covering this row, or None."""
        assert self.prepared, "prepare() the matcher before testing rows"
        held = self.subject_keys.get(collection, {}).get(key)
        if held is not None:
            return held
        for hold in self.collection_holds.get(collection, ()):
            if matches_filter(row, hold.filter):
                return hold.id
        return None

    def held_in(self, rows: SubjectRows) -> HeldRows:
        """Every reached row a hold covers, by collection."""
        held: HeldRows = {}
        if not self:
            return held
        for reached in rows.nonempty():
            for key, row in reached.rows.items():
                hold_id = self.hold_for(reached.name, key, row)
                if hold_id is not None:
                    held.setdefault(reached.name, {})[key] = hold_id
        return held


def held_rows(conn: Connection, system: DataSystem | None, graph: DatasetGraph, rows: SubjectRows,
              now: datetime | None = None) -> HeldRows:
    """The rows an erasure reached that holds in force cover (empty, after one query, when none)."""
    matcher = HoldMatcher(graph, holds_in_force(system, now))
    if not matcher:
        return {}
    matcher.prepare(conn)
    return matcher.held_in(rows)
