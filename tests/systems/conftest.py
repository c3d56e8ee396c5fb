"""The hub stays on SQLite for these tests; product databases are created per test."""

from __future__ import annotations

import pytest


@pytest.fixture
def backend() -> str:
    return "sqlite"
