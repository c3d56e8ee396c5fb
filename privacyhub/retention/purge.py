"""One batch of a retention run, inside the caller's product transaction.

A delete policy treats its due rows as the erasure engine treats a subject's own rows:
their children go first (their collection's erasure action applies: an invoice kept
under ``retain`` lets go of its deleted order), rows someone else still points at are
spared as shared, and legal holds keep what they cover, with the rows it points at. A
mask policy rewrites the due rows' fields in place, except held rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection

from privacyhub.datasets.graph import DatasetGraph
from privacyhub.fulfilment.erasure import apply_erasure, plan_erasure
from privacyhub.fulfilment.planner import find_rows_from
from privacyhub.fulfilment.rows import RowKey, ordered, row_key, update_keys
from privacyhub.holds.matching import HoldMatcher
from privacyhub.retention.targets import Target

COUNTED = ("deleted", "masked", "retained", "shared", "held")
Hasher = Callable[[str], str]


@dataclass
class BatchOutcome:
    """Counts per collection and action, the keys acted on (for samples), and where the batch ended."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    keys: dict[str, dict[str, list[RowKey]]] = field(default_factory=dict)
    last_key: RowKey = ()


def deleting(graph: DatasetGraph, collection: str) -> DatasetGraph:
    """The graph with ``collection``'s own erasure action set to delete, as its policy says."""
    spec = graph.collections[collection]
    if spec.erasure == "delete":
        return graph
    return DatasetGraph(graph.key, {**graph.collections, collection: replace(spec, erasure="delete")},
                        graph.references)


def purge_batch(conn: Connection, graph: DatasetGraph, target: Target, rows: list[dict[str, Any]],
                matcher: HoldMatcher, hasher: Hasher) -> BatchOutcome:
    """Delete or mask one batch of due rows (and, for deletes, what hangs off them); the caller commits."""
    last_key = row_key(target.spec, rows[-1])
    if target.mask:
        return _mask(conn, target, rows, matcher, last_key)
    reached = find_rows_from(conn, deleting(graph, target.name), target.name, rows)
    plan = plan_erasure(conn, reached, matcher.held_in(reached))
    apply_erasure(conn, plan, hasher)
    outcome = BatchOutcome(last_key=last_key)
    for name, entry in plan.report().items():
        counts = {action: int(entry.get(action, 0)) for action in COUNTED}
        if any(counts.values()):
            outcome.counts[name] = counts
    for name, decided in plan.collections.items():
        acted = {"deleted": decided.delete, "masked": decided.mask, "held": set(decided.held)}
        outcome.keys[name] = {action: ordered(keys) for action, keys in acted.items() if keys}
    return outcome


def _mask(conn: Connection, target: Target, rows: list[dict[str, Any]], matcher: HoldMatcher,
          last_key: RowKey) -> BatchOutcome:
    todo: list[RowKey] = []
    held: list[RowKey] = []
    for row in rows:
        key = row_key(target.spec, row)
        (held if matcher.hold_for(target.name, key, row) is not None else todo).append(key)
    update_keys(conn, target.spec, todo, target.mask)
    counts = {action: 0 for action in COUNTED}
    counts.update(masked=len(todo), held=len(held))
    return BatchOutcome(counts={target.name: counts},
                        keys={target.name: {k: v for k, v in (("masked", todo), ("held", held)) if v}},
                        last_key=last_key)
