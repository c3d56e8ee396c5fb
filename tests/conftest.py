"""Fixtures shared by the whole suite: the app on SQLite and PostgreSQL, clients, keys."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from privacyhub import create_app
from privacyhub.commands.setup import create_api_key, migrate_database
from privacyhub.extensions import db
from tests.services import POSTGRES_URL, need_postgres


def _migrated_app(tmp: Path, database_url: str):
    app = create_app({
        "TESTING": True,
        "PRIVACYHUB_INSTANCE_PATH": str(tmp / "instance"),
        "PRIVACYHUB_DATABASE_URL": database_url,
        "PRIVACYHUB_BROKER_URL": "memory://",
        "PRIVACYHUB_RESULT_BACKEND": "cache+memory://",
    })
    with app.app_context():
        migrate_database()
        db.session.remove()
        db.engine.dispose()
    return app


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, copied for each test so every test starts empty."""
    tmp = tmp_path_factory.mktemp("sqlite-template")
    path = tmp / "template.sqlite"
    _migrated_app(tmp, f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throw-away PostgreSQL database, migrated once for the session and dropped after."""
    need_postgres()
    name = f"privacyhub_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    _migrated_app(tmp_path_factory.mktemp("pg"), url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Which database the app under test uses; override in a module to pin one."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of the chosen backend."""
    if backend == "sqlite":
        path = tmp_path / "privacyhub.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("postgres_database")  # type: ignore[no-any-return]


@pytest.fixture
def app_config(tmp_path: Path, database_url: str) -> dict:
    """The config the test app is built with; override or extend in a module."""
    return {
        "TESTING": True,
        "PRIVACYHUB_INSTANCE_PATH": str(tmp_path / "instance"),
        "PRIVACYHUB_DATABASE_URL": database_url,
        "PRIVACYHUB_BROKER_URL": "memory://",
        "PRIVACYHUB_RESULT_BACKEND": "cache+memory://",
        "RATELIMIT_ENABLED": False,
    }


@pytest.fixture
def app(app_config: dict, backend: str):
    """The app under test, on an empty database; PostgreSQL tables are emptied afterwards."""
    app = create_app(app_config)
    with app.app_context():
        yield app
        db.session.remove()
        if backend == "postgres":
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_api_key(app):
    """Create an API key with the given scopes and return its secret."""

    def make(*scopes: str, name: str = "shop") -> str:
        return create_api_key(name, list(scopes))

    return make


@pytest.fixture
def auth(make_api_key):
    """Authorization headers for a key with every event scope."""
    return {"Authorization": f"Bearer {make_api_key('events:write', 'events:read')}"}
