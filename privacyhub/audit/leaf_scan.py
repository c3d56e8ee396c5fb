"""Recomputing leaf hashes from the stored rows, in this process or spread over worker processes.

Rows are read raw (JSON columns as their stored RFC 8785 text, no ORM) and hashed with
``leaf_hash_from_stored``. For a large log, ``chunk_leaves`` hands the reading and hashing
of each chunk to a pool of processes with their own database connections, while the
caller keeps the tree work; chunks come back in order.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, String, Text, cast, create_engine, select, type_coerce
from sqlalchemy.pool import NullPool

from privacyhub.audit.merkle import HASH_SIZE
from privacyhub.audit.record import STORED_ORDER, leaf_hash_from_stored
from privacyhub.audit.tree_store import raw_rows
from privacyhub.extensions import db
from privacyhub.models import AuditEvent, AuditLeaf

PARALLEL_FROM = 200_000  # leaves to check before worker processes pay for their start-up
_worker_engine: Engine | None = None


def _raw(name: str) -> ColumnElement[Any]:
    """A column as the database stores it: JSON as its text, times without result processing."""
    column = getattr(AuditEvent, name)
    if name in ("event_metadata", "targets"):
        return cast(column, Text)
    if name in ("occurred_at", "received_at"):
        return type_coerce(column, String)
    return column


RAW_COLUMNS = [_raw(name) for name in STORED_ORDER]


def _rows_in(start: int, end: int) -> Select[Any]:
    return (select(AuditLeaf.leaf_index, *RAW_COLUMNS).join(AuditEvent, AuditEvent.seq == AuditLeaf.seq)
            .where(AuditLeaf.leaf_index >= start, AuditLeaf.leaf_index < end).order_by(AuditLeaf.leaf_index))


def recomputed_leaves(start: int, end: int) -> Iterator[tuple[int, bytes]]:
    """(leaf index, recomputed leaf hash) of the sealed rows in ``[start, end)``, in order."""
    for row in raw_rows(_rows_in(start, end)):
        yield row[0], leaf_hash_from_stored(row[1:])


def _start_worker(database_url: str) -> None:
    global _worker_engine
    _worker_engine = create_engine(database_url, poolclass=NullPool)


def _worker_chunk(bounds: tuple[int, int]) -> tuple[list[int], bytes]:
    """In a worker: the chunk's leaf indices and their recomputed hashes, concatenated."""
    assert _worker_engine is not None
    with _worker_engine.connect() as conn:
        result = conn.execute(_rows_in(*bounds))
        rows = result.cursor.fetchall()  # type: ignore[union-attr]
        result.close()
    return [row[0] for row in rows], b"".join(leaf_hash_from_stored(row[1:]) for row in rows)


def default_jobs(leaves: int) -> int:
    """Worker processes worth starting: one per CPU (at most 4), none below ``PARALLEL_FROM`` leaves."""
    return min(4, os.cpu_count() or 1) if leaves >= PARALLEL_FROM else 1


@contextmanager
def chunk_leaves(ranges: list[tuple[int, int]], jobs: int) -> Iterator[Iterator[dict[int, bytes]]]:
    """Recomputed leaves of each ``[start, end)`` range, as dicts in range order."""
    if jobs <= 1:
        yield (dict(recomputed_leaves(start, end)) for start, end in ranges)
        return
    url = db.engine.url.render_as_string(hide_password=False)
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_start_worker,
                             initargs=(url,)) as pool:
        yield ({index: hashes[n * HASH_SIZE:(n + 1) * HASH_SIZE] for n, index in enumerate(indices)}
               for indices, hashes in pool.map(_worker_chunk, ranges))
