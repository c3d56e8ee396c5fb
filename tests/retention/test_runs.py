"""Retention runs on every product backend: the boundary, children first, shared rows, batches, audit."""

from __future__ import annotations

import re

from sqlalchemy import event, select

from privacyhub.extensions import db
from privacyhub.models import AuditEvent, RetentionRun
from privacyhub.retention.runner import run_policy
from privacyhub.systems.sql import engine_for
from tests.retention.shop import NOW, ago, ids, snapshot
from tests.retention_support import OFFICER, make_policy

DELETE = re.compile(r"^\s*DELETE FROM [`\"]?(\w+)", re.IGNORECASE)


def deletes_in_order(url: str) -> list[str]:
    """Tables in the order the product database receives DELETE statements (listened on the hub's engine)."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        match = DELETE.match(statement)
        if match:
            seen.append(match.group(1))

    event.listen(engine_for(url), "before_cursor_execute", note)
    return seen


def test_thirty_days_delete_exactly_the_older_rows_children_first(product, product_url):
    policy = make_policy("old-orders", collection="orders", clock="placed_at", amount=30)
    deletes = deletes_in_order(product_url)
    run = run_policy(policy, OFFICER, "test", now=NOW)

    assert run.status == "completed"
    after = snapshot(product_url)
    # 10 is 30 days and 1 s old; 11 exactly 30 days (not older); 12 one second younger
    assert ids(after, "orders") == [11, 12, 15]
    assert [o["note"] for o in after["orders"]][:2] == ["exactly 30 days", "just under 30 days"]
    assert ids(after, "order_items") == [102, 105]                 # the items of 10, 13 and 14 went with them
    assert deletes == ["order_items", "orders"]                    # children before parents
    assert ids(after, "invoices") == [900, 901]                    # retained under their own legal basis...
    assert [i["order_id"] for i in after["invoices"]] == [None, None]  # ...letting go of the deleted orders
    assert ids(after, "customers") == [1, 2, 3, 4, 5, 6]           # parents are never reached from children
    assert run.counts == {
        "orders": {"deleted": 3, "masked": 0, "retained": 0, "shared": 0, "held": 0},
        "order_items": {"deleted": 4, "masked": 0, "retained": 0, "shared": 0, "held": 0},
        "invoices": {"deleted": 0, "masked": 0, "retained": 2, "shared": 0, "held": 0},
    }
    assert run.samples["orders"]["deleted"] == [[10], [13], [14]]


def test_soft_deleted_rows_go_with_what_hangs_off_them_shared_rows_spared(product, product_url):
    policy = make_policy("closed-accounts", collection="customers", clock="deleted_at", amount=30)
    run = run_policy(policy, OFFICER, "test", now=NOW, batch_size=1)

    after = snapshot(product_url)
    assert ids(after, "customers") == [1, 2, 4]                    # 3, 5, 6 closed 40, 31, 35 days ago; 4 only 10
    assert ids(after, "addresses") == [1, 2]                       # 3 was theirs alone; 1 is still Ada's and Bob's
    assert ids(after, "orders") == [10, 11, 12, 13, 15]            # Cy's order 14 went, with its item
    assert 104 not in ids(after, "order_items")
    assert [s["customer_id"] for s in after["sessions"]] == [1, 2, 4, 1, 2, 4]
    # address 3 is spared in Cy's batch (Ed still points at it) and goes in Ed's; address 1 stays
    assert run.counts["addresses"] == {"deleted": 1, "masked": 0, "retained": 0, "shared": 2, "held": 0}
    assert run.counts["customers"]["deleted"] == 3
    assert run.batches == 3                                        # one customer per batch


def test_each_batch_is_one_bounded_transaction(product, product_url):
    policy = make_policy("old-sessions", collection="sessions", clock="started_at", amount=30)
    run = run_policy(policy, OFFICER, "test", now=NOW, batch_size=4)
    assert run.counts["sessions"]["deleted"] == 6                  # 32..42 days old; 30 days exactly stays
    assert run.batches == 2 and run.cursor == {"target": 1, "after": None}
    assert ids(product_url, "sessions") == [1000, 1001, 1002, 1003, 1004, 1005]


def test_a_run_is_one_audit_event_with_its_counts(product):
    policy = make_policy("old-orders")
    run = run_policy(policy, OFFICER, "test", now=NOW, batch_size=1)
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.run_completed")))
    assert len(events) == 1 and run.batches == 3
    from privacyhub.audit.query import events_to_dicts

    metadata = events_to_dicts(events)[0]["metadata"]
    assert metadata["totals"] == {"deleted": 7, "masked": 0, "retained": 2, "shared": 0, "held": 0}
    assert metadata["run"] == run.id and metadata["cutoff"] == "2026-05-16T12:00:00+00:00"


def test_mask_policy_masks_once(product, product_url):
    policy = make_policy("session-ips", collection=None, data_category="user.device.ip_address",
                         clock="started_at", amount=30, action="mask")
    first = run_policy(policy, OFFICER, "test", now=NOW)
    after = snapshot(product_url)
    masked = [s["id"] for s in after["sessions"] if s["ip"] == "[erased]"]
    assert masked == [1006, 1007, 1008, 1009, 1010, 1011]          # NOT NULL column: the fixed text
    assert len(after["sessions"]) == 12                            # rows stay
    assert first.counts == {"sessions": {"deleted": 0, "masked": 6, "retained": 0, "shared": 0, "held": 0}}
    second = run_policy(policy, OFFICER, "test", now=NOW)
    assert second.total("masked") == 0 and snapshot(product_url) == after


def test_months_and_years_follow_the_calendar(product, product_url):
    policy = make_policy("ancient-orders", amount=1, unit="years")
    run = run_policy(policy, OFFICER, "test", now=NOW)
    assert run.cutoff.isoformat() == "2025-06-15T12:00:00+00:00"
    assert run.samples["orders"]["deleted"] == [[13]]              # 400 days old; 14 is only 100
    assert ago(400) < run.cutoff.replace(tzinfo=None)
    assert db.session.scalar(select(RetentionRun).where(RetentionRun.dry_run.is_(True))) is not None


def test_a_policy_overrides_its_collection_s_erasure_action(product, product_url):
    # invoices are annotated `erasure: retain` for requests; their own policy deletes them when due
    policy = make_policy("invoices", collection="invoices", clock="issued_at", amount=1, unit="years")
    run = run_policy(policy, OFFICER, "test", now=NOW)
    assert ids(product_url, "invoices") == [901] and run.counts["invoices"]["deleted"] == 1
