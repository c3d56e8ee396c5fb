"""Product databases with the test shop, on every backend the engine supports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from privacyhub.datasets.graph import DatasetGraph
from privacyhub.systems.sql import describe
from tests.fulfilment.shop import DATASET, create_shop
from tests.product_databases import PRODUCT_BACKENDS, product_database


@pytest.fixture
def backend() -> str:
    """The hub's own database stays on SQLite here; the product databases vary."""
    return "sqlite"


@pytest.fixture(params=PRODUCT_BACKENDS)
def shop_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The test shop in a fresh product database of each backend."""
    with product_database(request.param, tmp_path) as url:
        create_shop(url)
        yield url


@pytest.fixture
def shop_graph(shop_url: str) -> DatasetGraph:
    return describe(shop_url, DATASET, {})
