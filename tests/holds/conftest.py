"""Legal-hold tests: the hub on SQLite, the test app's database on every product backend."""

from __future__ import annotations

import pytest

from tests.product_databases import PRODUCT_BACKENDS
from tests.retention_support import app_database, register_app


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture(params=PRODUCT_BACKENDS)
def product_url(request, tmp_path):
    yield from app_database(request.param, tmp_path)


@pytest.fixture
def product(app, product_url):
    return register_app(product_url)
