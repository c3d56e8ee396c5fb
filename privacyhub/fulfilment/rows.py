"""Batched row access on a product database: ``IN`` queries in chunks, by column name only.

Tables are addressed with lightweight ``table()``/``column()`` constructs built from the
graph, so no reflection happens on the hot path.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, and_, any_, bindparam, column, delete, select, table, tuple_, update
from sqlalchemy.sql import ColumnElement, TableClause

from privacyhub.datasets.graph import CollectionSpec

CHUNK = 1000
ARRAY_CHUNK = 20000  # PostgreSQL takes the values as one array parameter
RowKey = tuple[Any, ...]


def table_of(spec: CollectionSpec) -> TableClause:
    """The collection as a selectable with every known column."""
    return table(spec.name, *(column(name) for name in spec.fields))


def chunks(values: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """``values`` in lists of at most ``size``."""
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def member_of(conn: Connection, col: ColumnElement[Any], batch: list[Any]) -> ColumnElement[bool]:
    """``col IN (...)``; on PostgreSQL ``col = ANY(:array)``, one parameter however long the list."""
    if conn.dialect.name == "postgresql":
        return col == any_(bindparam("members", value=batch))
    return col.in_(batch)


def batches(conn: Connection, values: Iterable[Any]) -> Iterator[list[Any]]:
    """Chunks sized for the dialect."""
    return chunks(values, ARRAY_CHUNK if conn.dialect.name == "postgresql" else CHUNK)


def ordered(keys: Iterable[RowKey]) -> list[RowKey]:
    """Keys in their natural order (by ``repr`` where values do not compare)."""
    try:
        return sorted(keys)
    except TypeError:
        return sorted(keys, key=repr)


def row_key(spec: CollectionSpec, row: dict[str, Any]) -> RowKey:
    """The primary-key tuple of a row."""
    pk = spec.primary_key
    return (row[pk[0]],) if len(pk) == 1 else tuple(row[name] for name in pk)


def fetch_where_in(conn: Connection, spec: CollectionSpec, field: str, values: set[Any]) -> list[dict[str, Any]]:
    """Every row whose ``field`` is one of ``values``, one query per chunk."""
    tbl = table_of(spec)
    rows: list[dict[str, Any]] = []
    for batch in batches(conn, values):
        rows.extend(dict(r) for r in conn.execute(select(tbl).where(member_of(conn, tbl.c[field], batch))).mappings())
    return rows


def keys_where_in(conn: Connection, spec: CollectionSpec, field: str, values: set[Any]) -> list[tuple[RowKey, Any]]:
    """(row key, field value) of rows whose ``field`` is one of ``values``."""
    tbl = table_of(spec)
    found: list[tuple[RowKey, Any]] = []
    columns = [tbl.c[name] for name in spec.primary_key] + [tbl.c[field]]
    for batch in batches(conn, values):
        for row in conn.execute(select(*columns).where(member_of(conn, tbl.c[field], batch))):
            found.append((tuple(row[:-1]), row[-1]))
    return found


def _key_condition(conn: Connection, spec: CollectionSpec, tbl: TableClause, batch: list[RowKey]) -> Any:
    if len(spec.primary_key) == 1:
        return member_of(conn, tbl.c[spec.primary_key[0]], [key[0] for key in batch])
    return tuple_(*(tbl.c[name] for name in spec.primary_key)).in_(batch)


def delete_keys(conn: Connection, spec: CollectionSpec, keys: Iterable[RowKey]) -> int:
    """Delete rows by key; returns how many went."""
    tbl, count = table_of(spec), 0
    for batch in batches(conn, keys):
        count += conn.execute(delete(tbl).where(_key_condition(conn, spec, tbl, batch))).rowcount
    return count


def update_keys(conn: Connection, spec: CollectionSpec, keys: Iterable[RowKey], values: dict[str, Any]) -> int:
    """Set the same ``values`` on rows by key."""
    tbl, count = table_of(spec), 0
    for batch in batches(conn, keys):
        count += conn.execute(update(tbl).where(_key_condition(conn, spec, tbl, batch)).values(**values)).rowcount
    return count


def update_each(conn: Connection, spec: CollectionSpec, changes: dict[RowKey, dict[str, Any]]) -> int:
    """Set per-row values (hashes, random tokens); one statement per row, as values differ."""
    tbl = table_of(spec)
    count = 0
    for key, values in changes.items():
        condition = and_(*(tbl.c[name] == value for name, value in zip(spec.primary_key, key, strict=True)))
        count += conn.execute(update(tbl).where(condition).values(**values)).rowcount
    return count
