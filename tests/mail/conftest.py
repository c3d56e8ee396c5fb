"""Mail tests run on SQLite against a real local SMTP server."""

import pytest

from tests.dsr_support import smtp_server  # noqa: F401


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def app_config(app_config, smtp_server):  # noqa: F811
    return {**app_config, "PRIVACYHUB_SMTP_URL": smtp_server.url, "PRIVACYHUB_BASE_URL": "https://privacy.example.com"}
