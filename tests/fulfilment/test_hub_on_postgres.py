"""The hub's own fulfilment records on PostgreSQL (the product database stays SQLite)."""

from __future__ import annotations

import json

import pytest

from tests.fulfilment.shop import DATASET, create_shop, snapshot
from tests.fulfilment_support import file_request, register_sql


@pytest.fixture
def backend() -> str:
    return "postgres"


def test_erasure_and_access_with_the_hub_on_postgres(app, client, runner, make_api_key, tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    create_shop(url)
    register_sql("shop", url, DATASET)
    key = make_api_key("requests:write", "requests:read")
    access = file_request(client, key, "access", {"email": "ada@example.com"})
    assert json.loads(runner.invoke(args=["requests", "process", access]).output)["status"] == "completed"
    erasure = file_request(client, key, "erasure", {"email": "ada@example.com"})
    outcome = json.loads(runner.invoke(args=["requests", "process", erasure]).output)
    assert outcome["status"] == "completed"
    assert outcome["systems"]["shop"]["customers"]["deleted"] == 1
    assert [r["id"] for r in snapshot(url)["customers"]] == [2]
