"""``audit verify``: recompute every leaf and the whole tree, and check every checkpoint.

Three sources must agree: the event rows (each re-encoded and re-hashed), the stored
tree (leaf and interior nodes, written once by the sealer), and the signed checkpoints.
The first disagreement in leaf order is reported with its index and what it looks like:
a row changed, removed, inserted or reordered, a stored node altered, or a checkpoint
whose signature or root does not verify.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from privacyhub.audit.checkpoints import signature_valid
from privacyhub.audit.leaf_scan import chunk_leaves, default_jobs
from privacyhub.audit.merkle import CompactRange, Node
from privacyhub.audit.tree_store import MissingNode, leaf_hashes, raw_rows, read_state, with_nodes
from privacyhub.crypto import keyring
from privacyhub.extensions import db
from privacyhub.models import AuditCheckpoint, AuditLeaf, MerkleNode

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


@dataclass
class _Walk:
    """The scan's moving parts: the tree rebuilt so far and what the checkpoints confirmed."""

    tree: CompactRange
    end: int
    purged: int
    checkpoint_roots: dict[int, bytes]
    verified: int = 0  # leaves before this are confirmed by a checkpoint (or were not checked)


def _check_chunk(walk: _Walk, chunk_start: int, chunk_end: int, recomputed: dict[int, bytes]) -> None:
    """Check one chunk of leaves against the stored tree and append them to the rebuilt tree."""
    stored = leaf_hashes(chunk_start, min(walk.end, chunk_end + CLASSIFY_WINDOW))
    completed: list[Node] = []
    for index in range(chunk_start, chunk_end):
        if index not in stored:
            raise _Failed(Problem("node", index, f"leaf {index}: the stored leaf hash was removed"))
        if index >= walk.purged:
            if index not in recomputed:
                raise _Failed(Problem("removed", index, f"leaf {index}: the row was removed"))
            if recomputed[index] != stored[index]:
                raise _Failed(_classify(index, recomputed, stored))
        completed.extend(n for n in walk.tree.append(stored[index]) if n.level)
        root = walk.checkpoint_roots.get(walk.tree.size)
        if root is not None:
            if walk.tree.root() != root:
                _check_nodes(completed)  # a finer answer, when the stored nodes still tell
                raise _Failed(Problem(
                    "checkpoint", walk.verified, f"checkpoint at tree size {walk.tree.size} does not match the log: "
                    f"a leaf in [{walk.verified}, {walk.tree.size}) was changed together with its stored hashes",
                    tree_size=walk.tree.size))
            walk.verified = walk.tree.size
    _check_nodes(completed)


def _scan(report: VerifyReport, walk: _Walk, jobs: int, progress: Callable[[int], None] | None) -> None:
    """Recompute leaves ``[tree size, end)`` chunk by chunk, checking nodes and checkpoint roots."""
    walk.verified = walk.tree.size
    chunks = [(start, min(walk.end, start + CHUNK)) for start in range(walk.tree.size, walk.end, CHUNK)]
    # Each chunk's rows and one more: telling an insertion from a change looks one row ahead.
    ranges = [(max(start, walk.purged), min(walk.end, stop + 1)) for start, stop in chunks]
    with chunk_leaves(ranges, jobs) as leaves:
        for (chunk_start, chunk_end), recomputed in zip(chunks, leaves, strict=True):
            _check_chunk(walk, chunk_start, chunk_end, recomputed)
            report.leaves_checked += chunk_end - chunk_start
            if progress:
                progress(chunk_end)


def verify_log(from_index: int = 0, progress: Callable[[int], None] | None = None,
               jobs: int | None = None) -> VerifyReport:
    """Check the log from ``from_index`` (0: everything) and report the first problem.

    ``jobs`` worker processes read and hash the rows (default: several for large logs).
    """
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
        stray = db.session.scalar(select(func.min(AuditLeaf.leaf_index)).where(AuditLeaf.leaf_index < purged))
        if stray is not None and stray >= start:
            raise _Failed(Problem("inserted", stray, f"leaf {stray}: a row was inserted into the purged range"))
        jobs = default_jobs(end - start) if jobs is None else jobs
        _scan(report, _Walk(tree, end, purged, checkpoint_roots), jobs, progress)
        if state is not None and tree.to_bytes() != bytes(state.compact_range):
            raise _Failed(Problem("state", end, "the sealer's stored tree state does not match the recomputed tree"))
        extra = db.session.scalar(select(func.min(AuditLeaf.leaf_index)).where(AuditLeaf.leaf_index >= end))
        if extra is not None:
            raise _Failed(Problem("inserted", extra, f"leaf {extra}: a row claims a leaf index beyond the tree "
                                  f"of {end} leaves"))
    except _Failed as failed:
        report.problem = failed.problem
    return report
