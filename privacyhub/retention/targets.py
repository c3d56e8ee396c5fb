"""What a policy acts on: its collections, the clock column read with its real type, the rows now due.

Due rows are found by keyset pagination on the primary key (``WHERE clock < :cutoff AND
key > :last ORDER BY key LIMIT :batch``): every batch costs the same however far a run has
got, and memory holds one batch. A mask policy also skips rows already masked, so a rerun
never masks twice and its counts stay honest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Connection, Date, DateTime, String, and_, column, inspect, or_, select, tuple_
from sqlalchemy import table as table_clause
from sqlalchemy.engine import Engine
from sqlalchemy.sql import ColumnElement
from sqlalchemy.types import TypeEngine

from privacyhub.datasets.graph import DEFAULT_MASK_TEXT, CollectionSpec, DatasetGraph
from privacyhub.fulfilment.erasure import maskable_fields
from privacyhub.fulfilment.rows import RowKey
from privacyhub.models import RetentionPolicy

CLOCK_TYPES = (DateTime, Date)  # naive times are read as UTC


@dataclass
class Target:
    """One collection a policy acts on: the clock column's type, and for mask policies the new values."""

    spec: CollectionSpec
    clock: str
    clock_type: TypeEngine[Any]
    mask: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name


def cutoff_for(policy: RetentionPolicy, now: datetime) -> datetime:
    """Rows whose clock is before this moment are due: ``now`` minus the policy's period."""
    return now - relativedelta(**{policy.period_unit: policy.period_amount})  # type: ignore[arg-type]


def in_category(categories: tuple[str, ...], category: str) -> bool:
    """One of ``categories`` is ``category`` or below it in the taxonomy."""
    return any(c == category or c.startswith(category + ".") for c in categories)


def target_collections(policy: RetentionPolicy, graph: DatasetGraph) -> list[CollectionSpec]:
    """The policy's collection, or every collection with a field of its category and its clock field."""
    if policy.collection:
        spec = graph.collections.get(policy.collection)
        return [spec] if spec else []
    return sorted((spec for spec in graph.collections.values() if policy.clock_field in spec.fields
                   and any(in_category(f.categories, policy.data_category or "") for f in spec.fields.values())),
                  key=lambda spec: spec.name)


def mask_values(policy: RetentionPolicy, graph: DatasetGraph, spec: CollectionSpec,
                types: dict[str, TypeEngine[Any]]) -> dict[str, Any]:
    """Field -> value a mask policy writes: NULL, or the fixed text where NULL is not allowed or asked.

    The clock field is never masked (the schedule reads it), and neither is a NOT NULL column
    that cannot hold text (a number, a date): it stays as it is.
    """
    fields = [f for f in maskable_fields(graph, spec) if f.name != policy.clock_field]
    if policy.data_category:
        fields = [f for f in fields if in_category(f.categories, policy.data_category)]
    values: dict[str, Any] = {}
    for fld in fields:
        text = isinstance(types.get(fld.name), String)
        strategy = policy.mask_strategy or ("null" if fld.nullable else "fixed")
        if fld.nullable and (strategy == "null" or not text):
            values[fld.name] = None
        elif text:
            values[fld.name] = policy.mask_value or fld.mask_value or DEFAULT_MASK_TEXT
    return values


def resolve_targets(policy: RetentionPolicy, graph: DatasetGraph, engine: Engine) -> list[Target]:
    """The policy's targets, each clock column typed as the live database declares it."""
    inspector = inspect(engine)
    targets = []
    for spec in target_collections(policy, graph):
        types = {c["name"]: c["type"] for c in inspector.get_columns(spec.name)}
        targets.append(Target(spec, policy.clock_field, types.get(policy.clock_field, DateTime()),
                              mask_values(policy, graph, spec, types) if policy.action == "mask" else {}))
    return targets


def clock_bound(clock_type: TypeEngine[Any], cutoff: datetime) -> Any:
    """The cutoff as the clock column stores time: aware UTC, naive UTC, or a date."""
    if isinstance(clock_type, DateTime) and clock_type.timezone:
        return cutoff.astimezone(UTC)
    naive = cutoff.astimezone(UTC).replace(tzinfo=None)
    return naive.date() if isinstance(clock_type, Date) and not isinstance(clock_type, DateTime) else naive


def _not_masked(col: ColumnElement[Any], value: Any) -> ColumnElement[bool]:
    return col.is_not(None) if value is None else and_(col.is_not(None), col != value)


def due_rows(conn: Connection, target: Target, cutoff: datetime, after: RowKey | None,
             limit: int) -> list[dict[str, Any]]:
    """The next ``limit`` due rows after key ``after``, in key order, every annotated column included."""
    spec = target.spec
    tbl = table_clause(spec.name, *(column(name, target.clock_type if name == target.clock else None)
                                    for name in spec.fields))
    conditions: list[Any] = [tbl.c[target.clock] < clock_bound(target.clock_type, cutoff)]
    if target.mask:
        conditions.append(or_(*(_not_masked(tbl.c[name], value) for name, value in target.mask.items())))
    key = [tbl.c[name] for name in spec.primary_key]
    if after is not None:
        conditions.append(key[0] > after[0] if len(key) == 1 else tuple_(*key) > tuple_(*after))
    stmt = select(tbl).where(*conditions).order_by(*key).limit(limit)
    return [dict(row) for row in conn.execute(stmt).mappings()]


def json_key(key: RowKey) -> list[Any]:
    """A row key as JSON keeps it (cursor, samples): numbers and text as they are, the rest as text."""
    return [value if isinstance(value, int | float | str) else str(value) for value in key]
