"""Legal holds stop retention runs for exactly the rows they cover, while they are in force."""

from __future__ import annotations

from datetime import timedelta

import pytest

from privacyhub.extensions import db
from privacyhub.holds.register import release_hold
from privacyhub.retention.runner import run_policy
from tests.retention.shop import NOW, ids, snapshot
from tests.retention_support import OFFICER, make_policy, place_hold

KEPT = [1000, 1001, 1002, 1003, 1004, 1005]  # 20-30 days old: not due
DUE = [1006, 1007, 1008, 1009, 1010, 1011]   # 32-42 days old, of customers 1-6


def bob_hold(**options):
    return place_hold("subject", identity_type="email", identity_value="Bob@Example.com", **options)


def ip_hold(**options):
    return place_hold("collection", system="app", collection="sessions", filter={"ip": "192.0.2.9"}, **options)


@pytest.mark.parametrize(("holds", "held"), [
    ((bob_hold,), [1007]),                      # Bob is customer 2: his due session
    ((ip_hold,), [1009]),                       # the session with that address
    ((bob_hold, ip_hold), [1007, 1009]),
], ids=["subject", "collection", "both"])
def test_holds_stop_the_rows_they_cover_and_nothing_else(product, product_url, holds, held):
    for place in holds:
        place()
    run = run_policy(make_policy("old-sessions", collection="sessions", clock="started_at"), OFFICER, "test",
                     now=NOW)
    assert ids(product_url, "sessions") == sorted(KEPT + held)
    assert run.counts["sessions"]["deleted"] == len(DUE) - len(held)
    assert run.counts["sessions"]["held"] == len(held)
    assert run.samples["sessions"]["held"] == [[key] for key in held]
    assert ids(product_url, "customers") == [1, 2, 3, 4, 5, 6]


def test_holds_out_of_force_hold_nothing(product, product_url):
    bob_hold(expires_at=NOW - timedelta(days=1), starts_at=NOW - timedelta(days=90))
    ip_hold(starts_at=NOW + timedelta(days=1))                      # not yet
    released = ip_hold()
    release_hold(released, OFFICER, "claim settled")
    db.session.commit()
    run = run_policy(make_policy("old-sessions", collection="sessions", clock="started_at"), OFFICER, "test",
                     now=NOW)
    assert run.total("held") == 0 and ids(product_url, "sessions") == KEPT


def test_a_held_row_keeps_what_it_points_at(product, product_url):
    place_hold("collection", system="app", collection="orders", filter={"id": 14})  # Cy's order
    run = run_policy(make_policy("closed-accounts", collection="customers", clock="deleted_at"), OFFICER, "test",
                     now=NOW)
    after = snapshot(product_url)
    assert 14 in ids(after, "orders")
    assert ids(after, "customers") == [1, 2, 3, 4]      # Cy stays: her held order points at her
    assert ids(after, "addresses") == [1, 2, 3]         # and so does the address she points at
    assert run.counts["customers"] == {"deleted": 2, "masked": 0, "retained": 0, "shared": 0, "held": 1}
    assert run.counts["orders"]["held"] == 1


def test_mask_runs_skip_held_rows(product, product_url):
    bob_hold()
    policy = make_policy("session-ips", collection="sessions", clock="started_at", action="mask",
                         mask_strategy="fixed", mask_value="0.0.0.0")
    run = run_policy(policy, OFFICER, "test", now=NOW)
    masked = [s["id"] for s in snapshot(product_url)["sessions"] if s["ip"] == "0.0.0.0"]
    assert masked == [1006, 1008, 1009, 1010, 1011]
    assert run.counts["sessions"]["held"] == 1
