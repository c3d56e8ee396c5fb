"""Rows an erasure retained under a legal basis are erased when the period ends, on a controllable clock;
the request's report shows the date, then the completion. Legal holds keep them until they end."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from privacyhub.extensions import db
from privacyhub.fulfilment.deferred import run_due_erasures
from privacyhub.holds.register import release_hold
from tests.fulfilment.shop import snapshot
from tests.fulfilment_support import file_request
from tests.retention_support import OFFICER, place_hold

ENDS = datetime(2033, 3, 1, 12, 0, tzinfo=UTC)  # invoice 900, issued 2025-03-01, kept 8 years


@pytest.fixture
def erased_ada(client, runner, make_api_key, shop):
    key = make_api_key("requests:write", "requests:read")
    request_id = file_request(client, key, "erasure", {"email": "ada@example.com"})
    result = runner.invoke(args=["requests", "process", request_id])
    assert json.loads(result.output)["status"] == "completed"
    return lambda: client.get(f"/v1/requests/{request_id}/report", headers={"Authorization": f"Bearer {key}"}
                              ).get_json()


def invoice_ids(url):
    return [row["id"] for row in snapshot(url)["invoices"]]


def test_deferred_erasure_fires_when_the_period_ends(erased_ada, shop_url):
    [deferred] = erased_ada()["deferred"]
    assert deferred == {"system": "shop", "collection": "invoices", "rows": 1,
                        "legal_basis": "German tax law (AO 147)", "erase_after": "2033-03-01T12:00:00+00:00",
                        "done_at": None}
    assert run_due_erasures(now=ENDS - timedelta(minutes=1)) == 0
    assert invoice_ids(shop_url) == [900, 901]
    assert run_due_erasures(now=ENDS + timedelta(minutes=1)) == 1
    assert invoice_ids(shop_url) == [901]
    assert erased_ada()["deferred"][0]["done_at"] == (ENDS + timedelta(minutes=1)).isoformat()
    assert run_due_erasures(now=ENDS + timedelta(days=1)) == 0       # done once


def test_a_hold_keeps_retained_rows_past_their_period(erased_ada, shop_url):
    hold = place_hold("collection", system="shop", collection="invoices", filter={"id": 900})
    assert run_due_erasures(now=ENDS + timedelta(days=1)) == 0
    assert invoice_ids(shop_url) == [900, 901]
    assert erased_ada()["deferred"][0]["done_at"] is None
    release_hold(hold, OFFICER, "tax audit finished", now=ENDS + timedelta(days=2))
    db.session.commit()
    assert run_due_erasures(now=ENDS + timedelta(days=3)) == 1
    assert invoice_ids(shop_url) == [901]
