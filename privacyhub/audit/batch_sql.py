"""SQL for a whole ingest batch at once: bulk insert and membership in a list of values.

PostgreSQL (psycopg 3) gets ``COPY ... FROM STDIN`` on the session's own connection and
``= ANY(array)`` with one parameter; other databases get the ORM's bulk ``executemany`` and
``IN (...)``. Values go through the columns' bind processors either way, so the stored
bytes are the same as through the ORM.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, any_, bindparam, insert, inspect
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapper

from privacyhub.extensions import db

Processor = Callable[[Any], Any] | None


@cache
def _columns(model: type, dialect: Dialect) -> tuple[tuple[str, str, Processor], ...]:
    """(attribute key, column name, bind processor) of each column of the model's own table."""
    result: list[tuple[str, str, Processor]] = []
    mapper: Mapper[Any] = inspect(model)
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if getattr(column, "table", None) is not model.__table__:  # type: ignore[attr-defined]
            continue  # a column_property over another table
        result.append((attr.key, column.name, column.type.dialect_impl(dialect).bind_processor(dialect)))
    return tuple(result)


def bulk_insert(model: type, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (attribute keys as in the model) into the model's table; not committed.

    Columns missing from the first row take their database default (``seq``, ``id``).
    Errors are SQLAlchemy's, as from an ORM insert (``IntegrityError`` for a duplicate key).
    """
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.driver != "psycopg":  # COPY through psycopg 3, the driver the hub installs
        db.session.execute(insert(model), rows)
        return
    columns = [c for c in _columns(model, connection.dialect) if c[0] in rows[0]]
    _copy(connection, model.__tablename__, columns, rows)  # type: ignore[attr-defined]


def _copy(connection: Connection, table: str, columns: list[tuple[str, str, Processor]],
          rows: list[dict[str, Any]]) -> None:
    import psycopg
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(name) for _, name, _ in columns))
    driver = connection.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row([process(row[key]) if process else row[key] for key, _, process in columns])
    except psycopg.Error as exc:
        # As SQLAlchemy itself would: its exception types, and a lost connection leaves the pool.
        if driver.broken:  # type: ignore[union-attr]
            connection.invalidate(exc)
        raise DBAPIError.instance(f"COPY {table}", None, exc, psycopg.Error) from exc


def one_of(column: Any, values: list[Any]) -> ColumnElement[bool]:
    """``column IN values``, as one array parameter on PostgreSQL (no statement of a thousand binds)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type), expanding=False))
    return column.in_(values)  # type: ignore[no-any-return]
