"""Helpers for the audit-log tests: posting events, sealing, raw SQL, and searching every table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from privacyhub.audit.sealer import SealPolicy, seal_pending_events
from privacyhub.extensions import db
from tests.factories import event_payload


@pytest.fixture
def post_events(client, auth) -> Callable[..., list[dict[str, Any]]]:
    """POST payloads (a list, or ``count`` factory events) as batches; returns what was sent."""

    def post(payloads: list[dict[str, Any]] | None = None, count: int = 0, **overrides: Any) -> list[dict[str, Any]]:
        payloads = payloads if payloads is not None else [event_payload(i, **overrides) for i in range(count)]
        for start in range(0, len(payloads), 1000):
            response = client.post("/v1/events", json={"events": payloads[start:start + 1000]}, headers=auth)
            assert response.status_code in (200, 201), response.get_json()
        return payloads

    return post


@pytest.fixture
def seal(app) -> Callable[..., Any]:
    """Seal everything waiting and sign a checkpoint at the end."""

    def run(batch: int = 5000, checkpoint: bool = True):
        return seal_pending_events(SealPolicy(batch=batch, checkpoint_events=10**9, checkpoint_seconds=10**6),
                                   force_checkpoint=checkpoint)

    return run


@pytest.fixture
def sealed_log(post_events, seal) -> list[dict[str, Any]]:
    """40 events after the hub's own ``api_key.created`` (leaf 0): 41 leaves, checkpoints at 16, 32 and 41."""
    payloads = post_events(count=40)
    policy = SealPolicy(batch=16, checkpoint_events=16, checkpoint_seconds=10**6)
    seal_pending_events(policy, force_checkpoint=True)
    return payloads


def raw(sql: str, **params: Any) -> list[Any]:
    """Run SQL on the database directly, as someone with database access could, and commit."""
    db.session.remove()
    with db.engine.begin() as conn:
        result = conn.execute(text(sql), params)
        return result.all() if result.returns_rows else []


def row_at(condition: str) -> str:
    """SQL picking the ``audit_events`` rows sealed at the leaf indices matching ``condition`` ("= 13")."""
    return f"seq IN (SELECT seq FROM audit_leaves WHERE leaf_index {condition})"


def delete_rows_at(condition: str) -> None:
    """Delete the event rows (and their targets) sealed at the matching leaf indices, as raw SQL would."""
    raw(f"DELETE FROM audit_event_targets WHERE event_id IN (SELECT id FROM audit_events WHERE {row_at(condition)})")
    raw(f"DELETE FROM audit_events WHERE {row_at(condition)}")


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


def tables_containing(*needles: str) -> list[str]:
    """``table.column`` for every stored value holding one of the needles (case-insensitive), in every table."""
    wanted = [n.encode().lower() for n in needles]
    hits = []
    db.session.remove()
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            result = conn.execute(text(f'SELECT * FROM "{table}"'))  # noqa: S608 - names from the inspector
            columns = list(result.keys())
            for row in result:
                for column, value in zip(columns, row, strict=True):
                    if value is not None and any(n in _as_bytes(value).lower() for n in wanted):
                        hits.append(f"{table}.{column}")
    return sorted(set(hits))


def sqlite_files_containing(database_url: str, *needles: str) -> list[str]:
    """The SQLite database file and its WAL, searched byte for byte (free pages included)."""
    path = Path(database_url.removeprefix("sqlite:///"))
    hits = []
    for candidate in (path, path.with_name(path.name + "-wal")):
        if candidate.exists():
            data = candidate.read_bytes().lower()
            hits += [f"{candidate.name}:{n}" for n in needles if n.encode().lower() in data]
    return hits
