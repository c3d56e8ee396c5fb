"""Portal tests run on SQLite: the pages do not differ by backend."""

import pytest

from tests.dsr_support import smtp_server  # noqa: F401


@pytest.fixture
def backend() -> str:
    return "sqlite"
