"""Reading a test product database back whole, for before/after comparisons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import MetaData, create_engine


def snapshot_tables(url: str, metadata: MetaData, sort_key: Callable[[dict], Any]) -> dict[str, list[dict]]:
    """Every row of every table in ``metadata``, sorted by ``sort_key``."""
    engine = create_engine(url)
    with engine.connect() as conn:
        data = {name: sorted((dict(r) for r in conn.execute(table.select()).mappings()), key=sort_key)
                for name, table in metadata.tables.items()}
    engine.dispose()
    return data
