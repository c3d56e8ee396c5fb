"""Rectification (Art. 16): the corrections, by data category, written into the subject's rows.

A correction names a category (``user.contact.email``) and the new value; every field
carrying that category in every row the subject owns is set to it, in one transaction
per system. Referenced rows the subject does not own (a shared address) are counted as
shared and left alone. The report holds counts only, never values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from privacyhub.datasets.graph import DatasetGraph, FieldSpec
from privacyhub.fulfilment.planner import SubjectRows
from privacyhub.fulfilment.rows import RowKey, update_each


@dataclass
class RectificationPlan:
    """The per-row changes and the counts to report."""

    changes: dict[str, dict[RowKey, dict[str, Any]]] = field(default_factory=dict)
    report: dict[str, dict[str, int]] = field(default_factory=dict)


def corrected_fields(graph: DatasetGraph, collection: str, corrections: dict[str, Any]) -> dict[str, Any]:
    """field name -> new value for the fields of ``collection`` a correction names.

    A correction names a data category, or a field as ``field`` or ``collection.field``.
    """
    pointers = graph.pointer_fields(collection)
    chosen: dict[str, Any] = {}
    spec_fields: list[FieldSpec] = list(graph.collections[collection].fields.values())
    for target, value in corrections.items():
        for fld in spec_fields:
            named = target in fld.categories or target in (fld.name, f"{collection}.{fld.name}")
            if named and not fld.primary_key and fld.name not in pointers:
                chosen.setdefault(fld.name, value)
    return chosen


def plan_rectification(rows: SubjectRows, corrections: dict[str, Any]) -> RectificationPlan:
    """Work out which owned rows change; reads only."""
    plan = RectificationPlan()
    for reached in rows.nonempty():
        targets = corrected_fields(rows.graph, reached.name, corrections)
        entry = {"found": len(reached.rows), "rectified": 0, "unchanged": 0, "shared": 0}
        if targets:
            entry["shared"] = len(reached.rows) - len(reached.owned)
            for key in reached.owned:
                row = reached.rows[key]
                diff = {name: value for name, value in targets.items() if row.get(name) != value}
                if diff:
                    plan.changes.setdefault(reached.name, {})[key] = diff
                    entry["rectified"] += 1
                else:
                    entry["unchanged"] += 1
        plan.report[reached.name] = entry
    return plan


def apply_rectification(conn: Connection, rows: SubjectRows, plan: RectificationPlan) -> None:
    """Write the changes on ``conn``; the caller owns the transaction."""
    for collection, changes in plan.changes.items():
        update_each(conn, rows.graph.collections[collection], changes)
