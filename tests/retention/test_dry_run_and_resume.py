"""A dry run shows exactly what the run does and changes nothing; an interrupted run resumes to the same end."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

from privacyhub.errors import Conflict
from privacyhub.extensions import db
from privacyhub.models.types import utcnow
from privacyhub.retention.report import run_frame
from privacyhub.retention.runner import run_enabled_policies, run_policy
from tests.retention.shop import NOW, create_app_database, snapshot
from tests.retention_support import OFFICER, make_policy, register_app

POLICIES = [
    {"name": "old-orders", "collection": "orders", "clock": "placed_at"},
    {"name": "closed-accounts", "collection": "customers", "clock": "deleted_at"},
    {"name": "old-sessions", "collection": "sessions", "clock": "started_at"},
]


@pytest.mark.parametrize("options", POLICIES, ids=[p["name"] for p in POLICIES])
def test_dry_run_counts_equal_the_run_and_change_nothing(product, product_url, options):
    policy = make_policy(enable=False, **options)
    before = snapshot(product_url)
    dry = run_policy(policy, OFFICER, "test", dry_run=True, now=NOW, batch_size=1)
    assert snapshot(product_url) == before
    assert dry.status == "completed" and dry.dry_run and dry.total("deleted") > 0

    from privacyhub.retention.policies import enable_policy

    enable_policy(policy, OFFICER)
    db.session.commit()
    real = run_policy(policy, OFFICER, "test", now=NOW, batch_size=1)
    assert real.counts == dry.counts                    # rows shared by two due parents included
    assert real.samples == dry.samples
    assert snapshot(product_url) != before


def test_dry_run_table_lists_counts_and_first_keys(product):
    policy = make_policy(enable=False)
    dry = run_policy(policy, OFFICER, "test", dry_run=True, now=NOW)
    frame = run_frame(dry)
    assert list(frame["collection"]) == ["invoices", "order_items", "orders"]
    orders = frame[frame["collection"] == "orders"].iloc[0]
    assert (orders["deleted"], orders["first_keys"]) == (3, "10 13 14")
    assert frame[frame["collection"] == "invoices"].iloc[0]["retained"] == 2


def _fail_on_order(url: str, order_id: int) -> None:
    """Make deleting one order fail, as a product database might in the middle of a run."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text(f"CREATE TRIGGER refuse_order BEFORE DELETE ON orders WHEN OLD.id = {order_id} "
                              "BEGIN SELECT RAISE(ABORT, 'order is under review'); END"))
        elif engine.dialect.name == "postgresql":
            conn.execute(text(f"CREATE FUNCTION refuse_order() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                              f"IF OLD.id = {order_id} THEN RAISE EXCEPTION 'order is under review'; END IF; "
                              "RETURN OLD; END $$"))
            conn.execute(text("CREATE TRIGGER refuse_order BEFORE DELETE ON orders FOR EACH ROW "
                              "EXECUTE FUNCTION refuse_order()"))
        else:
            conn.execute(text(f"CREATE TRIGGER refuse_order BEFORE DELETE ON orders FOR EACH ROW BEGIN "
                              f"IF OLD.id = {order_id} THEN SIGNAL SQLSTATE '45000' "
                              "SET MESSAGE_TEXT = 'order is under review'; END IF; END"))
    engine.dispose()


def _allow_orders(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER refuse_order" + (" ON orders" if engine.dialect.name == "postgresql"
                                                          else "")))
    engine.dispose()


@pytest.fixture
def twin_url(product_url, tmp_path):
    """A second database of the same backend with the same rows, for the uninterrupted run."""
    from tests.product_databases import product_database

    backend = product_url.split(":", 1)[0].split("+", 1)[0]
    with product_database({"sqlite": "sqlite", "postgresql": "postgres", "mysql": "mariadb"}[backend],
                          tmp_path) as url:
        create_app_database(url)
        yield url


def test_interrupted_run_resumes_to_the_uninterrupted_end(product, product_url, twin_url):
    register_app(twin_url, "twin")
    uninterrupted = run_policy(make_policy("twin-orders", system="twin"), OFFICER, "test", now=NOW, batch_size=1)
    policy = make_policy("old-orders")
    _fail_on_order(product_url, 13)                      # due rows in key order: 10, 13, 14

    stopped = run_policy(policy, OFFICER, "test", now=NOW, batch_size=1)
    assert stopped.status == "interrupted"
    assert "order is under review" in stopped.errors[0]["message"]
    assert stopped.cursor == {"target": 0, "after": [10]}
    assert [o["id"] for o in snapshot(product_url)["orders"]] == [11, 12, 13, 14, 15]  # batch 2 rolled back whole

    _allow_orders(product_url)
    resumed = run_policy(policy, OFFICER, "test", now=NOW + timedelta(days=3), batch_size=1)
    assert resumed.id == stopped.id and resumed.attempts == 2 and resumed.status == "completed"
    assert resumed.cutoff == uninterrupted.cutoff        # the cutoff fixed when the run began
    assert snapshot(product_url) == snapshot(twin_url)
    assert resumed.counts == uninterrupted.counts


def test_a_crashed_run_is_taken_over_once_stale(product, product_url):
    policy = make_policy("old-orders")
    run = run_policy(policy, OFFICER, "test", now=NOW, batch_size=1)
    run.status, run.cursor, run.heartbeat_at = "running", {"target": 0, "after": [10]}, utcnow()
    db.session.commit()                                  # as if its process died a moment ago, after batch 1
    with pytest.raises(Conflict, match="is running now"):
        run_policy(policy, OFFICER, "test", now=NOW)
    db.session.rollback()
    run.heartbeat_at = utcnow() - timedelta(minutes=11)
    db.session.commit()
    taken = run_policy(policy, OFFICER, "test", now=NOW)
    assert taken.id == run.id and taken.status == "completed" and taken.attempts == 2


def test_beat_runs_enabled_policies_only(product, product_url):
    make_policy("old-orders")
    make_policy("old-sessions", collection="sessions", clock="started_at", enable=False)
    runs = run_enabled_policies(OFFICER, now=NOW)
    assert [r.policy_name for r in runs] == ["old-orders"]
    assert len(snapshot(product_url)["sessions"]) == 12
