"""Throw-away product databases (SQLite, PostgreSQL, MariaDB) for fulfilment tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.services import MYSQL_URL, POSTGRES_URL, need_mariadb, need_postgres

PRODUCT_BACKENDS = ["sqlite", "postgres", "mariadb"]


@contextmanager
def product_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of ``backend``; yields its URL and drops it afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'product-{uuid.uuid4().hex[:6]}.sqlite'}"
        return
    name = f"product_{uuid.uuid4().hex[:10]}"
    if backend == "postgres":
        need_postgres()
        server = POSTGRES_URL
        drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        create = f'CREATE DATABASE "{name}"'
    else:
        need_mariadb()
        server = MYSQL_URL
        drop = f"DROP DATABASE IF EXISTS `{name}`"
        create = f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(create))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        from privacyhub.systems.sql import dispose_engines

        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(drop))
        admin.dispose()
