"""Erasure: decide per row (delete, mask, retain, or spare as shared) and apply it in one transaction.

Deciding keeps the database consistent: a row is deleted only when nothing that stays
points at it. A row the subject keeps (masked or retained) has its pointer set to NULL
when the column allows it; otherwise the row it points at is masked instead of deleted.
A row someone else's row points at is shared and left untouched. Deletion runs children
before parents (holders before the rows they point at); pointers inside a reference cycle
are cleared first so the cycle can go in any order.
"""

from __future__ import annotations

import graphlib
import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Connection

from privacyhub.datasets.annotation import parse_retention
from privacyhub.datasets.graph import DEFAULT_MASK_TEXT, CollectionSpec, DatasetGraph, FieldSpec, Reference
from privacyhub.fulfilment.planner import SubjectRows
from privacyhub.fulfilment.rows import RowKey, delete_keys, keys_where_in, update_each, update_keys
from privacyhub.models.types import utcnow

Hasher = Callable[[str], str]


@dataclass
class CollectionErasure:
    """What happens to the reached rows of one collection."""

    delete: set[RowKey] = field(default_factory=set)
    mask: set[RowKey] = field(default_factory=set)
    retain: set[RowKey] = field(default_factory=set)
    shared: set[RowKey] = field(default_factory=set)
    nullify: dict[str, set[RowKey]] = field(default_factory=lambda: defaultdict(set))
    erase_after: datetime | None = None
    held: dict[RowKey, int] = field(default_factory=dict)  # row -> the legal hold that keeps it


@dataclass
class ErasurePlan:
    """Per-collection decisions for one system, ready to apply or to preview."""

    rows: SubjectRows
    collections: dict[str, CollectionErasure]

    def report(self) -> dict[str, dict[str, Any]]:
        """Counts per collection (and, for retained rows, the legal basis and erase date)."""
        report: dict[str, dict[str, Any]] = {}
        for rows in self.rows.nonempty():
            decided = self.collections[rows.name]
            entry: dict[str, Any] = {"found": len(rows.rows), "deleted": len(decided.delete),
                                     "masked": len(decided.mask), "retained": len(decided.retain),
                                     "shared": len(decided.shared)}
            if decided.retain:
                spec = self.rows.graph.collections[rows.name]
                entry["legal_basis"] = spec.legal_basis
                entry["erase_after"] = decided.erase_after.isoformat() if decided.erase_after else None
            if decided.held:
                entry["held"] = len(decided.held)
                entry["holds"] = sorted(set(decided.held.values()))
            report[rows.name] = entry
        return report

    def holds(self) -> dict[int, dict[str, int]]:
        """Per legal hold, how many rows of each collection it kept."""
        held: dict[int, dict[str, int]] = defaultdict(dict)
        for name, decided in self.collections.items():
            for hold_id in decided.held.values():
                held[hold_id][name] = held[hold_id].get(name, 0) + 1
        return dict(held)


def mask_strategy(spec: FieldSpec) -> str:
    """The field's strategy; by default NULL, or the fixed text where the column forbids NULL."""
    return spec.mask or ("null" if spec.nullable else "fixed")


def maskable_fields(graph: DatasetGraph, spec: CollectionSpec) -> list[FieldSpec]:
    """Personal fields that masking rewrites: never a primary key or a pointer, so links survive."""
    pointers = graph.pointer_fields(spec.name)
    return [f for f in spec.personal_fields if not f.primary_key and f.name not in pointers]


def _erase_after(spec: CollectionSpec, rows: list[dict[str, Any]]) -> datetime:
    amount, unit = parse_retention(spec.retain_for or "0d")
    step = {"d": relativedelta(days=amount), "w": relativedelta(weeks=amount),
            "m": relativedelta(months=amount), "y": relativedelta(years=amount)}[unit]
    now, latest = utcnow(), None
    for row in rows:
        start = row.get(spec.retain_from) if spec.retain_from else None
        if isinstance(start, str):  # SQLite hands dates back as text
            try:
                start = datetime.fromisoformat(start)
            except ValueError:
                start = None
        if isinstance(start, datetime):
            start = start if start.tzinfo else start.replace(tzinfo=now.tzinfo)
        elif isinstance(start, date):
            start = datetime(start.year, start.month, start.day, tzinfo=now.tzinfo)
        else:
            start = now
        latest = max(latest or start + step, start + step)
    return latest or now + step


def _values_of(rows: SubjectRows, collection: str, keys: set[RowKey], name: str) -> dict[Any, set[RowKey]]:
    by_value: dict[Any, set[RowKey]] = defaultdict(set)
    for key in keys:
        value = rows.collections[collection].rows[key].get(name)
        if value is not None:
            by_value[value].add(key)
    return by_value


def _spare_foreign_pointed(conn: Connection, plan: ErasurePlan) -> None:
    """Rows another subject's rows point at (through a ``to`` reference) are shared, not deleted."""
    graph, rows = plan.rows.graph, plan.rows
    for target, decided in plan.collections.items():
        for edge in graph.pointers_into(target):
            if edge.kind != "to" or not decided.delete:
                continue
            by_value = _values_of(rows, target, decided.delete, edge.target_field)
            if not by_value:
                continue
            own = rows.collections[edge.holder].owned
            rows.queries += 1
            for holder_key, value in keys_where_in(conn, graph.collections[edge.holder], edge.holder_field,
                                                   set(by_value)):
                if holder_key not in own:
                    for key in by_value.get(value, set()):
                        decided.delete.discard(key)
                        decided.shared.add(key)


def _settle(plan: ErasurePlan) -> None:
    """Until stable: rows kept by the subject let go of deleted rows, or keep them alive as masked."""
    graph, rows = plan.rows.graph, plan.rows
    changed = True
    while changed:
        changed = False
        for target, decided in plan.collections.items():
            for edge in graph.pointers_into(target):
                by_value = _values_of(rows, target, decided.delete, edge.target_field)
                if not by_value:
                    continue
                holders, holder_plan = rows.collections[edge.holder], plan.collections[edge.holder]
                holder_field = graph.collections[edge.holder].fields.get(edge.holder_field)
                for holder_key, holder_row in holders.rows.items():
                    value = holder_row.get(edge.holder_field)
                    if value not in by_value or holder_key in holder_plan.delete:
                        continue
                    if (holder_key in holders.owned and holder_key not in holder_plan.shared and holder_field
                            and holder_key not in holder_plan.held
                            and holder_field.nullable and not holder_field.primary_key):
                        holder_plan.nullify[edge.holder_field].add(holder_key)
                        continue
                    spared = by_value[value] & decided.delete
                    decided.delete -= spared
                    if holder_key in holder_plan.held:  # a held row keeps what it points at, untouched
                        decided.held.update(dict.fromkeys(spared, holder_plan.held[holder_key]))
                        changed = True
                        continue
                    own = {k for k in spared if k in rows.collections[target].owned}
                    decided.mask |= own
                    decided.shared |= spared - own
                    changed = True


def plan_erasure(conn: Connection, rows: SubjectRows, held: dict[str, dict[RowKey, int]] | None = None) -> ErasurePlan:
    """Decide what erasure does to every reached row; reads only, changes nothing.

    ``held`` (collection -> row -> hold id) names rows legal holds keep: they stay untouched,
    and so do the rows they point at.
    """
    graph = rows.graph
    plan = ErasurePlan(rows, {name: CollectionErasure() for name in graph.collections})
    for name, reached in rows.collections.items():
        spec, decided = graph.collections[name], plan.collections[name]
        decided.shared |= reached.shared
        action = {"delete": decided.delete, "mask": decided.mask, "retain": decided.retain}[spec.erasure]
        action |= reached.owned
        for key, hold_id in (held or {}).get(name, {}).items():
            if key in action:
                action.discard(key)
                decided.held[key] = hold_id
    _spare_foreign_pointed(conn, plan)
    _settle(plan)
    for name, decided in plan.collections.items():
        if decided.retain:
            reached = rows.collections[name]
            decided.erase_after = _erase_after(graph.collections[name], [reached.rows[k] for k in decided.retain])
    return plan


def _components(nodes: set[str], successors: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components (Tarjan); collections that point at each other in a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in successors.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            components.append(component)

    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return components


def _deletion_order(graph: DatasetGraph, collections: list[str]) -> tuple[list[str], list[Reference]]:
    """Collections holders-first, and the cycle edges whose pointers are cleared before deleting.

    Inside a cycle, nullable pointers are cleared and left out of the ordering; the rest of
    the cycle is then ordered like any other edges.
    """
    wanted = set(collections)
    edges = [e for e in graph.references if e.holder in wanted and e.target in wanted]
    successors: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        successors[edge.holder].add(edge.target)
    member_of = {name: i for i, component in enumerate(_components(wanted, successors)) for name in component}
    cleared = [e for e in edges if member_of[e.holder] == member_of[e.target]
               and graph.collections[e.holder].fields.get(e.holder_field, FieldSpec(e.holder_field)).nullable]
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter({name: set() for name in wanted})
    for edge in edges:
        if edge not in cleared and edge.holder != edge.target:
            sorter.add(edge.target, edge.holder)
    try:
        return list(sorter.static_order()), cleared
    except graphlib.CycleError:  # a cycle of NOT NULL pointers: leave the checks to the database
        return sorted(wanted), cleared


def _mask_values(graph: DatasetGraph, spec: CollectionSpec, keys: set[RowKey], rows: dict[RowKey, dict[str, Any]],
                 hasher: Hasher) -> tuple[dict[str, Any], dict[RowKey, dict[str, Any]]]:
    """Values shared by every masked row (null, fixed) and values that differ per row (hash, random)."""
    common: dict[str, Any] = {}
    per_row: dict[RowKey, dict[str, Any]] = defaultdict(dict)
    for fld in maskable_fields(graph, spec):
        strategy = mask_strategy(fld)
        if strategy == "null":
            common[fld.name] = None
        elif strategy == "fixed":
            common[fld.name] = fld.mask_value if fld.mask_value is not None else DEFAULT_MASK_TEXT
        else:
            for key in keys:
                value = rows[key].get(fld.name)
                if value is None:
                    continue
                per_row[key][fld.name] = hasher(str(value))[:32] if strategy == "hash" else secrets.token_hex(8)
    return common, per_row


def apply_erasure(conn: Connection, plan: ErasurePlan, hasher: Hasher) -> None:
    """Carry the plan out on ``conn``; the caller owns the transaction (all or nothing)."""
    graph = plan.rows.graph
    for name, decided in plan.collections.items():
        spec = graph.collections[name]
        for pointer, keys in decided.nullify.items():
            update_keys(conn, spec, keys - decided.delete, {pointer: None})
    for name, decided in plan.collections.items():
        if not decided.mask:
            continue
        spec = graph.collections[name]
        common, per_row = _mask_values(graph, spec, decided.mask, plan.rows.collections[name].rows, hasher)
        if common:
            update_keys(conn, spec, decided.mask, common)
        if per_row:
            update_each(conn, spec, per_row)
    doomed = [name for name, decided in plan.collections.items() if decided.delete]
    order, cleared = _deletion_order(graph, doomed)
    for edge in cleared:
        update_keys(conn, graph.collections[edge.holder], plan.collections[edge.holder].delete,
                    {edge.holder_field: None})
    for name in order:
        delete_keys(conn, graph.collections[name], plan.collections[name].delete)
