"""``audit verify``: recompute every leaf and the whole tree, and check every checkpoint.

Three sources must agree: the event rows (each re-encoded and re-hashed), the stored
tree (leaf and interior nodes, written once by the sealer), and the signed checkpoints.
The first disagreement in leaf order is reported with its index and what it looks like:
a row changed, removed, inserted or reordered, a stored node altered, or a checkpoint
whose signature or root does not verify.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, Text, cast, func, select, type_coerce

from privacyhub.audit.checkpoints import signature_valid
from privacyhub.audit.merkle import CompactRange, Node
from privacyhub.audit.record import STORED_ORDER, leaf_hash_from_stored
from privacyhub.audit.tree_store import MissingNode, leaf_hashes, raw_rows, read_state, with_nodes
from privacyhub.crypto import keyring
from privacyhub.extensions import db
from privacyhub.models import AuditCheckpoint, AuditEvent, MerkleNode

CHUNK = 10000
CLASSIFY_WINDOW = 1000


@dataclass(frozen=True)
class Problem:
    """The first thing that does not verify."""

    kind: str  # changed | removed | inserted | reordered | node | checkpoint | state
    leaf_index: int | None
    message: str
    tree_size: int | None = None  # the checkpoint concerned, for kind "checkpoint"


@dataclass
class VerifyReport:
    """What ``verify_log`` checked and the first problem found, if any."""

    tree_size: int = 0
    checked_from: int = 0
    leaves_checked: int = 0
    checkpoints_checked: int = 0
    purged_size: int = 0
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def summary(self) -> str:
        """One line for people: what holds, or the first problem."""
        if self.problem:
            return f"FAILED: {self.problem.message}"
        purged = f", leaves [0, {self.purged_size}) purged (hashes kept)" if self.purged_size else ""
        return (f"OK: {self.leaves_checked} leaves [{self.checked_from}, {self.tree_size}) recomputed, "
                f"{self.checkpoints_checked} checkpoints verified{purged}")


class _Failed(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _raw(name: str) -> ColumnElement[Any]:
    """A column as the database stores it: JSON as its text, times without result processing."""
    column = getattr(AuditEvent, name)
    if name in ("event_metadata", "targets"):
        return cast(column, Text)
    if name in ("occurred_at", "received_at"):
        return type_coerce(column, String)
    return column


RAW_COLUMNS = [_raw(name) for name in STORED_ORDER]


def recomputed_leaves(start: int, end: int) -> Iterator[tuple[int, bytes]]:
    """(leaf index, recomputed leaf hash) of the sealed rows in ``[start, end)``, in order."""
    stmt = (select(AuditEvent.leaf_index, *RAW_COLUMNS)
            .where(AuditEvent.leaf_index >= start, AuditEvent.leaf_index < end).order_by(AuditEvent.leaf_index))
    for row in raw_rows(stmt):
        yield row[0], leaf_hash_from_stored(row[1:])


def _classify(index: int, recomputed: dict[int, bytes], stored: dict[int, bytes]) -> Problem:
    """Name what happened at ``index``, where the row no longer hashes to the sealed leaf."""
    mine = recomputed[index]
    owner = next((j for j in range(index, index + CLASSIFY_WINDOW) if stored.get(j) == mine), None)
    if owner is None:
        if recomputed.get(index + 1) == stored[index]:
            return Problem("inserted", index, f"leaf {index}: a row was inserted here; later rows moved up one index")
        return Problem("changed", index, f"leaf {index}: the row was changed (it no longer hashes to the sealed leaf)")
    if owner == index + 1 and recomputed.get(index + 1) != stored[index]:
        return Problem("removed", index, f"leaf {index}: the row was removed; later rows moved down one index")
    return Problem("reordered", index, f"leaf {index}: rows were reordered (this row was sealed at leaf {owner})")


def _check_nodes(completed: list[Node]) -> None:
    """Compare interior nodes rebuilt from the rows with the stored ones (one query per level)."""
    by_level: dict[int, dict[int, bytes]] = defaultdict(dict)
    for node in completed:
        by_level[node.level][node.index] = node.hash
    for level, nodes in sorted(by_level.items()):
        stored = dict(raw_rows(
            select(MerkleNode.node_index, MerkleNode.hash)
            .where(MerkleNode.level == level, MerkleNode.node_index.between(min(nodes), max(nodes)))
        ))
        for index in sorted(nodes):
            if stored.get(index) is None or bytes(stored[index]) != nodes[index]:
                first, last = index << level, (index + 1) << level
                raise _Failed(Problem("node", first, f"leaf {first}: leaves [{first}, {last}) no longer hash to the "
                                      f"stored tree node (level {level}, index {index}): a row was changed together "
                                      "with its stored leaf hash, or the node was altered"))


def _scan(report: VerifyReport, tree: CompactRange, end: int, purged: int,
          checkpoint_roots: dict[int, bytes], progress: Callable[[int], None] | None) -> None:
    """Recompute leaves ``[tree.size, end)`` chunk by chunk, checking nodes and checkpoint roots."""
    verified = tree.size  # leaves before this are confirmed by a checkpoint (or not checked)
    for chunk_start in range(tree.size, end, CHUNK):
        chunk_end = min(end, chunk_start + CHUNK)
        stored = leaf_hashes(chunk_start, min(end, chunk_end + CLASSIFY_WINDOW))
        recomputed: dict[int, bytes] = {}
        if chunk_end > purged:
            recomputed = dict(recomputed_leaves(max(chunk_start, purged), min(end, chunk_end + 1)))
        completed: list[Node] = []
        for index in range(chunk_start, chunk_end):
            if index not in stored:
                raise _Failed(Problem("node", index, f"leaf {index}: the stored leaf hash was removed"))
            if index >= purged:
                if index not in recomputed:
                    raise _Failed(Problem("removed", index, f"leaf {index}: the row was removed"))
                if recomputed[index] != stored[index]:
                    raise _Failed(_classify(index, recomputed, stored))
            completed.extend(n for n in tree.append(stored[index]) if n.level)
            root = checkpoint_roots.get(tree.size)
            if root is not None:
                if tree.root() != root:
                    _check_nodes(completed)  # a finer answer, when the stored nodes still tell
                    raise _Failed(Problem(
                        "checkpoint", verified, f"checkpoint at tree size {tree.size} does not match the log: a leaf "
                        f"in [{verified}, {tree.size}) was changed together with its stored hashes",
                        tree_size=tree.size))
                verified = tree.size
        _check_nodes(completed)
        report.leaves_checked += chunk_end - chunk_start
        if progress:
            progress(chunk_end)


def verify_log(from_index: int = 0, progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Check the log from ``from_index`` (0: everything) and report the first problem."""
    ring = keyring()
    state = read_state()
    end = state.tree_size if state else 0
    purged = state.purged_size if state else 0
    start = min(max(from_index, 0), end)
    report = VerifyReport(tree_size=end, checked_from=start, purged_size=purged)
    try:
        checkpoint_roots: dict[int, bytes] = {}
        for checkpoint in db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size)):
            if checkpoint.key_id != ring.public_key_id or not signature_valid(checkpoint, ring.public_key):
                raise _Failed(Problem("checkpoint", None, f"checkpoint at tree size {checkpoint.tree_size}: "
                                      "the signature does not verify", tree_size=checkpoint.tree_size))
            if checkpoint.tree_size > end:
                raise _Failed(Problem("checkpoint", end, f"checkpoint at tree size {checkpoint.tree_size} is beyond "
                                      f"the stored tree of {end} leaves", tree_size=checkpoint.tree_size))
            checkpoint_roots[checkpoint.tree_size] = bytes(checkpoint.root_hash)
            report.checkpoints_checked += 1
        try:
            tree = with_nodes(lambda get: CompactRange.from_store(start, get))
        except MissingNode as exc:
            raise _Failed(Problem("node", start, f"leaf {start}: {exc}")) from exc
        if start in checkpoint_roots and start and tree.root() != checkpoint_roots[start]:
            raise _Failed(Problem("checkpoint", 0, f"checkpoint at tree size {start} does not match the stored tree",
                                  tree_size=start))
        stray = db.session.scalar(select(func.min(AuditEvent.leaf_index)).where(AuditEvent.leaf_index < purged))
        if stray is not None and stray >= start:
            raise _Failed(Problem("inserted", stray, f"leaf {stray}: a row was inserted into the purged range"))
        _scan(report, tree, end, purged, checkpoint_roots, progress)
        if state is not None and tree.to_bytes() != bytes(state.compact_range):
            raise _Failed(Problem("state", end, "the sealer's stored tree state does not match the recomputed tree"))
        extra = db.session.scalar(select(func.min(AuditEvent.leaf_index)).where(AuditEvent.leaf_index >= end))
        if extra is not None:
            raise _Failed(Problem("inserted", extra, f"leaf {extra}: a row claims a leaf index beyond the tree "
                                  f"of {end} leaves"))
    except _Failed as failed:
        report.problem = failed.problem
    return report
