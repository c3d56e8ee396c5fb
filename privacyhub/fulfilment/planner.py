"""Whose rows are they: a breadth-first walk of the reference graph from the subject's identities.

Each level issues one batched ``IN`` query per (collection, field) with every value the
level discovered, never a query per row. The walk yields owned rows (matched by an
identity, or reaching an owned row through a ``from`` reference) and referenced rows
(pointed at by a ``to`` reference). A referenced row behind an ``owns: true`` reference is
promoted to owned when its collection holds personal data and no row outside the subject's
own points at it; otherwise it is shared. Erasure decisions live in ``erasure_plan``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from privacyhub.datasets.graph import DatasetGraph
from privacyhub.fulfilment.rows import RowKey, fetch_where_in, keys_where_in, row_key

Probe = tuple[str, str, str]  # (collection, field, "owned" | "referenced")


@dataclass
class CollectionRows:
    """The reachable rows of one collection and how the subject relates to each."""

    name: str
    rows: dict[RowKey, dict[str, Any]] = field(default_factory=dict)
    owned: set[RowKey] = field(default_factory=set)
    referenced: set[RowKey] = field(default_factory=set)
    shared: set[RowKey] = field(default_factory=set)

    def values(self, keys: set[RowKey], name: str) -> set[Any]:
        """The non-null values of one field over some rows."""
        return {self.rows[k][name] for k in keys if self.rows[k].get(name) is not None}


@dataclass
class SubjectRows:
    """Every row of one system the subject's identities reach."""

    graph: DatasetGraph
    collections: dict[str, CollectionRows]
    queries: int = 0

    def found(self, name: str) -> int:
        """How many rows of a collection were reached."""
        return len(self.collections[name].rows)

    def nonempty(self) -> list[CollectionRows]:
        """Collections with at least one reachable row, in name order."""
        return [c for _, c in sorted(self.collections.items()) if c.rows]


class _Walk:
    """State of one breadth-first walk."""

    def __init__(self, conn: Connection, graph: DatasetGraph) -> None:
        self.conn, self.graph = conn, graph
        self.result = SubjectRows(graph, {name: CollectionRows(name) for name in graph.collections})
        self.asked: dict[Probe, set[Any]] = defaultdict(set)
        self.new_owned: dict[str, set[RowKey]] = defaultdict(set)
        self.new_referenced: dict[str, set[RowKey]] = defaultdict(set)

    def add(self, collection: str, row: dict[str, Any], owned: bool) -> None:
        rows = self.result.collections[collection]
        key = row_key(self.graph.collections[collection], row)
        rows.rows.setdefault(key, row)
        if owned and key not in rows.owned:
            rows.owned.add(key)
            rows.referenced.discard(key)
            self.new_owned[collection].add(key)
        elif not owned and key not in rows.owned and key not in rows.referenced:
            rows.referenced.add(key)
            self.new_referenced[collection].add(key)

    def probe(self, probes: dict[Probe, set[Any]]) -> None:
        """Run one batched query per probe, skipping values already asked for."""
        for (collection, name, kind), values in sorted(probes.items()):
            fresh = values - self.asked[(collection, name, kind)]
            if not fresh:
                continue
            self.asked[(collection, name, kind)] |= fresh
            self.result.queries += 1
            spec = self.graph.collections[collection]
            for row in fetch_where_in(self.conn, spec, name, fresh):
                self.add(collection, row, owned=kind == "owned")

    def step(self) -> bool:
        """Expand the rows found in the previous level; False when nothing was new."""
        owned, referenced = self.new_owned, self.new_referenced
        if not owned and not referenced:
            return False
        self.new_owned, self.new_referenced = defaultdict(set), defaultdict(set)
        probes: dict[Probe, set[Any]] = defaultdict(set)
        for collection, keys in owned.items():
            rows = self.result.collections[collection]
            for edge in self.graph.child_edges(collection):
                probes[(edge.holder, edge.holder_field, "owned")] |= rows.values(keys, edge.target_field)
        for collection, keys in list(owned.items()) + list(referenced.items()):
            rows = self.result.collections[collection]
            for edge in self.graph.referencing_edges(collection):
                probes[(edge.target, edge.target_field, "referenced")] |= rows.values(keys, edge.holder_field)
        self.probe(probes)
        return True

    def run(self) -> None:
        while self.step():
            pass


def _seed(walk: _Walk, identities: dict[str, list[str]]) -> None:
    probes: dict[Probe, set[Any]] = defaultdict(set)
    for collection, name, identity in walk.graph.identity_fields():
        values = {v for v in identities.get(identity, []) if v}
        if identity == "email":
            values |= {v.strip().lower() for v in values}
        if values:
            probes[(collection, name, "owned")] |= values
    walk.probe(probes)


def _outside_pointers(walk: _Walk, target: str, candidates: set[RowKey]) -> set[RowKey]:
    """Candidates some row outside the subject's own points at, through a ``to`` or reflected edge."""
    rows = walk.result.collections[target]
    shared: set[RowKey] = set()
    for edge in walk.graph.pointers_into(target):
        if edge.kind == "from":
            continue  # children of a promoted row become the subject's own
        by_value: dict[Any, set[RowKey]] = defaultdict(set)
        for key in candidates:
            value = rows.rows[key].get(edge.target_field)
            if value is not None:
                by_value[value].add(key)
        if not by_value:
            continue
        holder = walk.graph.collections[edge.holder]
        owned = walk.result.collections[edge.holder].owned
        walk.result.queries += 1
        for holder_key, value in keys_where_in(walk.conn, holder, edge.holder_field, set(by_value)):
            if holder_key not in owned and not (edge.holder == target and holder_key in candidates):
                shared |= by_value.get(value, set())
    return shared


def _promote(walk: _Walk) -> bool:
    """Promote unshared rows behind ``owns: true`` references; True when any was promoted."""
    promoted = False
    for edge in walk.graph.references:
        if not edge.owns or not walk.graph.collections[edge.target].has_personal_data:
            continue
        holders, targets = walk.result.collections[edge.holder], walk.result.collections[edge.target]
        pointed = holders.values(holders.owned, edge.holder_field)
        candidates = {k for k in targets.referenced if targets.rows[k].get(edge.target_field) in pointed}
        if not candidates:
            continue
        shared = _outside_pointers(walk, edge.target, candidates)
        targets.shared = (targets.shared - candidates) | shared
        for key in candidates - shared:
            walk.add(edge.target, targets.rows[key], owned=True)
            promoted = True
    return promoted


def find_subject_rows(conn: Connection, graph: DatasetGraph, identities: dict[str, list[str]]) -> SubjectRows:
    """Every row the identities reach, sorted into owned, referenced and shared."""
    walk = _Walk(conn, graph)
    _seed(walk, identities)
    walk.run()
    while _promote(walk):
        walk.run()
    return walk.result


def find_rows_from(conn: Connection, graph: DatasetGraph, collection: str, rows: list[dict[str, Any]]) -> SubjectRows:
    """Every row the given rows of ``collection`` reach, those rows owned: a retention purge's batch."""
    walk = _Walk(conn, graph)
    for row in rows:
        walk.add(collection, row, owned=True)
    walk.run()
    while _promote(walk):
        walk.run()
    return walk.result
