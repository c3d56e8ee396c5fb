"""Which real services the suite can reach, and what to do when one is missing.

A test that needs a service skips with the reason when it is unreachable, except under
``PRIVACYHUB_REQUIRE_SERVICES=1`` (set by ``.ci/run``), where it fails instead.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

POSTGRES_URL = os.environ.get(
    "PRIVACYHUB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MYSQL_URL = os.environ.get("PRIVACYHUB_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/mysql")
REDIS_URL = os.environ.get("PRIVACYHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("PRIVACYHUB_TEST_CHROMIUM", "/usr/bin/chromium")


def services_required() -> bool:
    """True when a missing service must fail the run rather than skip."""
    return os.environ.get("PRIVACYHUB_REQUIRE_SERVICES") == "1"


def reachable(url: str) -> bool:
    """A TCP connection to the URL's host and port succeeds."""
    parsed = urlparse(url.replace("+psycopg", ""))
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), timeout=1):
            return True
    except OSError:
        return False


def need(service: str, available: bool, how: str) -> None:
    """Skip (or, when services are required, fail) a test whose service is missing."""
    if available:
        return
    message = f"{service} not available: {how}"
    if services_required():
        pytest.fail(message + " (PRIVACYHUB_REQUIRE_SERVICES=1)")
    pytest.skip(message)


def need_postgres() -> None:
    need("PostgreSQL", reachable(POSTGRES_URL), f"nothing answers at {POSTGRES_URL}")


def need_mariadb() -> None:
    need("MariaDB", reachable(MYSQL_URL), f"nothing answers at {MYSQL_URL}")


def need_redis() -> None:
    need("Redis", reachable(REDIS_URL), f"nothing answers at {REDIS_URL}")


def need_chromium() -> None:
    need("Chromium", bool(shutil.which(CHROMIUM)), f"{CHROMIUM} is not installed (apt-get install chromium)")
