"""The stored Merkle tree: the sealer's lock and state row, and node lookups for proofs.

Proof generators in ``merkle`` ask for nodes one address at a time; ``with_nodes`` runs
such a computation once to learn the addresses (they depend only on sizes and indices,
never on hash values), fetches them all in one query, and runs it again for real.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Executable, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from privacyhub.audit.merkle import HASH_SIZE, CompactRange, NodeLookup
from privacyhub.extensions import db
from privacyhub.models import AuditLeaf, AuditLogState, MerkleNode

STATE_ID = 1
# One PostgreSQL advisory lock key for everything that changes the tree (sealer, purge).
SEALER_LOCK_KEY = zlib.crc32(b"privacyhub audit sealer")
NODE_CHUNK = 400
T = TypeVar("T")


class MissingNode(LookupError):
    """A node the tree should hold is not stored: the node table was altered."""

    def __init__(self, level: int, index: int) -> None:
        super().__init__(f"Merkle node (level {level}, index {index}) is missing")
        self.level, self.index = level, index


def lock_tree() -> AuditLogState | None:
    """Lock the tree for the current transaction and return its state row.

    PostgreSQL: a transaction-scoped advisory lock, tried without waiting (``None`` when
    another sealer holds it), then the state row ``FOR UPDATE``. SQLite: the first
    statement writes, which takes the database's write lock until commit. Ingest never
    takes this lock, so it never waits for the sealer on PostgreSQL.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        if not db.session.scalar(select(db.func.pg_try_advisory_xact_lock(SEALER_LOCK_KEY))):
            return None
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(AuditLogState).values(
        id=STATE_ID, tree_size=0, compact_range=CompactRange().to_bytes(), checkpoint_size=0, purged_size=0,
    ).on_conflict_do_nothing(index_elements=["id"]))
    if dialect != "postgresql":
        db.session.execute(update(AuditLogState).where(AuditLogState.id == STATE_ID)
                           .values(tree_size=AuditLogState.tree_size))
    return db.session.execute(
        select(AuditLogState).where(AuditLogState.id == STATE_ID).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def read_state() -> AuditLogState | None:
    """The tree's state without locking (None before the first sealing)."""
    return db.session.get(AuditLogState, STATE_ID, populate_existing=True)


def raw_rows(stmt: Executable) -> Sequence[tuple[Any, ...]]:
    """All rows of a SELECT as the driver returns them (no result processing), for bulk scans."""
    result = db.session.connection().execute(stmt)
    try:
        return result.cursor.fetchall()  # type: ignore[union-attr,no-any-return]
    finally:
        result.close()


def load_nodes(addresses: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Stored hashes for the given ``(level, index)`` addresses, in few queries."""
    wanted = sorted(set(addresses))
    found: dict[tuple[int, int], bytes] = {}
    for start in range(0, len(wanted), NODE_CHUNK):
        chunk = wanted[start:start + NODE_CHUNK]
        for level, index, digest in raw_rows(
            select(MerkleNode.level, MerkleNode.node_index, MerkleNode.hash)
            .where(tuple_(MerkleNode.level, MerkleNode.node_index).in_(chunk))
        ):
            found[(level, index)] = bytes(digest)
    return found


def lookup_in(nodes: dict[tuple[int, int], bytes]) -> NodeLookup:
    """A ``NodeLookup`` over fetched nodes that raises ``MissingNode`` for a gap."""
    def get_node(level: int, index: int) -> bytes:
        try:
            return nodes[(level, index)]
        except KeyError:
            raise MissingNode(level, index) from None
    return get_node


def with_nodes(compute: Callable[[NodeLookup], T]) -> T:
    """Run a proof computation with every node it needs fetched in one round."""
    needed: list[tuple[int, int]] = []

    def record(level: int, index: int) -> bytes:
        needed.append((level, index))
        return bytes(HASH_SIZE)

    compute(record)
    return compute(lookup_in(load_nodes(needed)))


def leaf_hashes(start: int, end: int) -> dict[int, bytes]:
    """Stored leaf hashes (level-0 nodes) for leaf indices ``[start, end)``."""
    return {index: bytes(digest) for index, digest in raw_rows(
        select(MerkleNode.node_index, MerkleNode.hash)
        .where(MerkleNode.level == 0, MerkleNode.node_index >= start, MerkleNode.node_index < end)
    )}


@dataclass(frozen=True)
class LogOverview:
    """The tree at a glance, for the console."""

    tree_size: int
    checkpoint_size: int
    purged_size: int
    unsealed: int
    sealed_at: datetime | None
    checkpoint_at: datetime | None


def log_overview() -> LogOverview:
    """Sizes and times from the state row, and how many events wait for the sealer."""
    state = read_state()
    unsealed = db.session.scalar(select(func.count()).select_from(AuditLeaf).where(AuditLeaf.leaf_index.is_(None)))
    if state is None:
        return LogOverview(0, 0, 0, int(unsealed or 0), None, None)
    return LogOverview(state.tree_size, state.checkpoint_size, state.purged_size, int(unsealed or 0),
                       state.sealed_at, state.checkpoint_at)
