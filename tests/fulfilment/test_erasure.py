"""Erasure against the test shop: children before parents, shared rows spared, all or nothing."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from privacyhub.fulfilment.erasure import apply_erasure, plan_erasure
from privacyhub.fulfilment.planner import find_subject_rows
from tests.fulfilment.shop import ADA, ROWS, snapshot


def hasher(value: str) -> str:
    return hashlib.sha256(b"k" + value.encode()).hexdigest()


def erase(url, graph, identities=ADA, hasher=hasher):
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            plan = plan_erasure(conn, find_subject_rows(conn, graph, identities))
            apply_erasure(conn, plan, hasher)
    finally:
        engine.dispose()
    return plan


def ids(data, name):
    return sorted(r["id"] for r in data[name])


EXPECTED_REPORT = {
    "addresses": {"found": 2, "deleted": 1, "masked": 0, "retained": 0, "shared": 1},
    "customers": {"found": 2, "deleted": 1, "masked": 0, "retained": 0, "shared": 0},
    "customer_tags": {"found": 2, "deleted": 2, "masked": 0, "retained": 0, "shared": 0},
    "order_items": {"found": 3, "deleted": 3, "masked": 0, "retained": 0, "shared": 0},
    "orders": {"found": 2, "deleted": 2, "masked": 0, "retained": 0, "shared": 0},
    "products": {"found": 2, "deleted": 0, "masked": 0, "retained": 0, "shared": 0},
    "reviews": {"found": 1, "deleted": 0, "masked": 1, "retained": 0, "shared": 0},
    "support_tickets": {"found": 2, "deleted": 2, "masked": 0, "retained": 0, "shared": 0},
    "tags": {"found": 2, "deleted": 0, "masked": 0, "retained": 0, "shared": 0},
}


def test_erasure_report_and_remaining_rows(shop_url, shop_graph):
    report = erase(shop_url, shop_graph).report()
    invoices = report.pop("invoices")
    assert report == EXPECTED_REPORT
    assert invoices["retained"] == 1 and invoices["deleted"] == 0
    assert invoices["legal_basis"] == "German tax law (AO 147)"
    assert invoices["erase_after"].startswith("2033-03-01")   # issued 2025-03-01 + 8 years

    after = snapshot(shop_url)
    assert ids(after, "customers") == [2]
    assert ids(after, "addresses") == [1]                      # the shared address stays
    assert ids(after, "orders") == [12]
    assert ids(after, "order_items") == [103]
    assert ids(after, "products") == [1000, 1001]
    assert ids(after, "tags") == [500, 501, 502]
    assert [(r["customer_id"], r["tag_id"]) for r in after["customer_tags"]] == [(2, 500)]
    assert ids(after, "support_tickets") == [702]
    invoice = next(r for r in after["invoices"] if r["id"] == 900)
    assert invoice["billing_email"] == "ada@example.com"       # retained as it was...
    assert invoice["order_id"] is None                         # ...letting go of the deleted order


def test_masking_strategies(shop_url, shop_graph):
    erase(shop_url, shop_graph)
    review = snapshot(shop_url)["reviews"][0]
    assert review["author_name"] == "Former customer"          # fixed
    assert review["author_email"] == hasher("ada@example.com")[:32]  # keyed hash
    assert review["ip"] not in (None, "192.0.2.7") and len(review["ip"]) == 16  # random
    assert review["nickname"] is None                          # null, the default
    assert review["body"] == "Great lamp"                      # no category: untouched
    assert review["customer_id"] is None                       # pointer to the deleted customer cleared


def test_bob_is_untouched(shop_url, shop_graph):
    before = snapshot(shop_url)
    erase(shop_url, shop_graph)
    after = snapshot(shop_url)
    bob = [r for r in before["customers"] if r["id"] == 2]
    assert [r for r in after["customers"] if r["id"] == 2] == bob
    assert [r for r in after["invoices"] if r["id"] == 901] == [r for r in before["invoices"] if r["id"] == 901]


def test_second_run_finds_only_what_stays(shop_url, shop_graph):
    erase(shop_url, shop_graph)
    before = snapshot(shop_url)
    report = erase(shop_url, shop_graph).report()
    assert snapshot(shop_url) == before
    assert set(report) == {"invoices"}                         # only the retained invoice still matches
    assert report["invoices"]["retained"] == 1


def _install_failing_trigger(url: str) -> None:
    """Make deleting order items fail, as a product database might mid-erasure."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("CREATE TRIGGER no_item_delete BEFORE DELETE ON order_items "
                              "BEGIN SELECT RAISE(ABORT, 'order items are locked'); END"))
        elif engine.dialect.name == "postgresql":
            conn.execute(text("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                              "$$ BEGIN RAISE EXCEPTION 'order items are locked'; END $$"))
            conn.execute(text("CREATE TRIGGER no_item_delete BEFORE DELETE ON order_items "
                              "FOR EACH ROW EXECUTE FUNCTION refuse()"))
        else:
            conn.execute(text("CREATE TRIGGER no_item_delete BEFORE DELETE ON order_items FOR EACH ROW "
                              "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'order items are locked'"))
    engine.dispose()


def test_failure_mid_erasure_leaves_the_system_unchanged(shop_url, shop_graph):
    _install_failing_trigger(shop_url)
    before = snapshot(shop_url)
    with pytest.raises(SQLAlchemyError, match="order items are locked"):
        erase(shop_url, shop_graph)
    # masks, pointer clearing and earlier deletes (support tickets, tags) were all rolled back
    assert snapshot(shop_url) == before


def test_reference_cycle_is_deleted(shop_url, shop_graph):
    # customers.favourite_order_id -> orders and orders.customer_id -> customers form a cycle
    before = snapshot(shop_url)
    assert next(r for r in before["customers"] if r["id"] == 1)["favourite_order_id"] == 11
    erase(shop_url, shop_graph)
    assert 1 not in ids(snapshot(shop_url), "customers")


def test_rows_before_erasure_match_fixture(shop_url):
    assert ids(snapshot(shop_url), "customers") == sorted(r["id"] for r in ROWS["customers"])
