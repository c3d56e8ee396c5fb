"""Retention on 10^6 rows in bounded memory: a run's peak RSS against the process before it, and its
throughput against a hand-written DELETE of the same rows in the same run.

Two scenarios, each in a throw-away PostgreSQL product database built server-side (so building
it costs this process no memory), at each size (default 10^5 and 10^6 rows):

- ``sessions``: a leaf table, nine in ten rows older than the policy's 30 days;
- ``orders``: orders with four items each, every order older than 30 days, so the run deletes
  children first (one fifth of the rows are orders, four fifths items).

Each policy is registered, dry-run and run through the hub itself (``run_policy``: keyset
batches of ``--batch-size`` rows, one transaction each). Figures, one JSON line each (``name``,
``value``, ``unit``; compared ones add ``baseline_name``, ``baseline_value`` and ``ratio`` =
figure / baseline):

- ``retention_<scenario>_<rows>_dry_run_peak_rss`` / ``..._run_peak_rss`` (MiB): the process's
  peak resident memory during the dry run / run (peak reset just before it), against
  ``rss_before_run``, the process's resident memory just before; a ratio near 1 is bounded memory.
- ``retention_<scenario>_<rows>_rows_per_s`` (rows/s): rows the run deleted per second, against
  ``handwritten_delete_rows_per_s``: the same rows deleted from an identical database by
  hand-written ``DELETE ... WHERE clock < cutoff`` statements (children first), one transaction.
- ``retention_<scenario>_<rows>_run_rss_above_start`` (MiB): how far the run's peak rose above
  the RSS it started with.
- ``retention_<scenario>_run_peak_rss_growth`` (ratio): the run's peak RSS at the largest size
  over the same at the smallest; near 1 means memory does not grow with the number of rows.

Run: ``.venv/bin/python bench/retention.py`` (the local PostgreSQL by default),
``--sizes 100000,1000000``, ``--scenarios sessions,orders``, ``--batch-size 5000`` (the default of
``PRIVACYHUB_RETENTION_BATCH_SIZE``).
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from contextlib import ExitStack
from datetime import timedelta
from functools import partial
from typing import Any

import harness
from sqlalchemy import create_engine, text

from privacyhub import create_app
from privacyhub.commands.setup import migrate_database
from privacyhub.extensions import db
from privacyhub.models.types import utcnow
from privacyhub.retention.policies import PolicyDraft, create_policy, enable_policy
from privacyhub.retention.runner import run_policy
from privacyhub.systems.catalogue import RegisterSystem
from privacyhub.systems.sql import dispose_engines

emit = partial(harness.emit, digits=4)  # seconds and MiB: four decimals
ACTOR = {"type": "bench", "id": "bench", "name": "bench/retention.py"}
CUSTOMERS = 10_000
SCHEMA = """
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, name text NOT NULL);
CREATE TABLE sessions (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
                       ip text NOT NULL, started_at timestamp NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
                     placed_at timestamp NOT NULL, total numeric(10,2) NOT NULL);
CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders(id),
                          sku text NOT NULL, quantity int NOT NULL);
CREATE INDEX ON sessions (customer_id); CREATE INDEX ON orders (customer_id); CREATE INDEX ON order_items (order_id);
"""
DATASET = """
dataset:
  - fides_key: bench
    collections:
      - name: customers
        fields:
          - {name: id, fides_meta: {primary_key: true}}
          - {name: email, data_categories: [user.contact.email], fides_meta: {identity: email}}
          - {name: name, data_categories: [user.name]}
      - name: sessions
        fields:
          - {name: id, fides_meta: {primary_key: true}}
          - name: customer_id
            fides_meta: {references: [{dataset: bench, field: customers.id, direction: from}]}
          - {name: ip, data_categories: [user.device.ip_address]}
          - {name: started_at, data_categories: [user.behavior.browsing_history]}
      - name: orders
        fields:
          - {name: id, fides_meta: {primary_key: true}}
          - name: customer_id
            fides_meta: {references: [{dataset: bench, field: customers.id, direction: from}]}
          - {name: placed_at, data_categories: [user.behavior.purchase_history]}
          - {name: total, data_categories: [user.financial]}
      - name: order_items
        fields:
          - {name: id, fides_meta: {primary_key: true}}
          - name: order_id
            fides_meta: {references: [{dataset: bench, field: orders.id, direction: from}]}
          - {name: sku, data_categories: [user.behavior.purchase_history]}
          - {name: quantity, data_categories: [user.behavior.purchase_history]}
"""
SCENARIOS: dict[str, dict[str, Any]] = {
    "sessions": {
        "collection": "sessions", "clock": "started_at",
        "populate": lambda n: [
            f"INSERT INTO sessions SELECT g, 1 + g % {CUSTOMERS}, '198.51.100.' || (g % 250), "
            f"now() - CASE WHEN g % 10 = 0 THEN interval '1 day' ELSE interval '60 days' END "
            f"FROM generate_series(1, {n}) g"],
        "by_hand": ["DELETE FROM sessions WHERE started_at < :cutoff"],
    },
    "orders": {
        "collection": "orders", "clock": "placed_at",
        "populate": lambda n: [
            f"INSERT INTO orders SELECT g, 1 + g % {CUSTOMERS}, now() - interval '90 days', 10 "
            f"FROM generate_series(1, {n // 5}) g",
            f"INSERT INTO order_items SELECT g, 1 + (g - 1) / 4, 'SKU-' || g % 97, 1 "
            f"FROM generate_series(1, {n // 5 * 4}) g"],
        "by_hand": ["DELETE FROM order_items WHERE order_id IN (SELECT id FROM orders WHERE placed_at < :cutoff)",
                    "DELETE FROM orders WHERE placed_at < :cutoff"],
    },
}


def memory(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak since the last reset) of this process, in MiB."""
    with open("/proc/self/status") as status:
        return int(re.search(rf"{field}:\s+(\d+) kB", status.read()).group(1)) / 1024  # type: ignore[union-attr]


def reset_peak() -> None:
    """Start ``VmHWM`` again from the current RSS (Linux: clear_refs)."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def measured(work: Any) -> tuple[Any, float, float, float]:
    """Run ``work()``; returns its result, the RSS before, the peak RSS during it, and the seconds it took."""
    reset_peak()
    before = memory("VmRSS")
    start = time.perf_counter()
    result = work()
    return result, before, memory("VmHWM"), time.perf_counter() - start


class Server:
    """Throw-away databases on one PostgreSQL server."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.databases = ExitStack()

    def database(self, scenario: str, rows: int) -> str:
        """A populated product database; returns its URL."""
        url = self.databases.enter_context(harness.throw_away_database(self.url, "bench_retention"))
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(SCHEMA))
            conn.execute(text(f"INSERT INTO customers SELECT g, 'c' || g || '@example.com', 'Customer ' || g "
                              f"FROM generate_series(1, {CUSTOMERS}) g"))
            for statement in SCENARIOS[scenario]["populate"](rows):
                conn.execute(text(statement))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        engine.dispose()
        return url

    def drop_all(self) -> None:
        dispose_engines()
        self.databases.close()


def delete_by_hand(url: str, scenario: str, cutoff: Any) -> tuple[int, float]:
    """The hand-written statements on an identical database; returns (rows, seconds)."""
    engine = create_engine(url)
    start = time.perf_counter()
    rows = 0
    with engine.begin() as conn:
        for statement in SCENARIOS[scenario]["by_hand"]:
            rows += conn.execute(text(statement), {"cutoff": cutoff}).rowcount
    elapsed = time.perf_counter() - start
    engine.dispose()
    return rows, elapsed


def bench_one(server: Server, scenario: str, rows: int, batch_size: int) -> float:
    """Dry run and run one policy on ``rows`` rows; returns the run's peak RSS."""
    spec = SCENARIOS[scenario]
    url, twin = server.database(scenario, rows), server.database(scenario, rows)
    name = f"{scenario}-{rows}"
    RegisterSystem(name=name, kind="sql", config={"url": url}, actor=ACTOR, dataset_yaml=DATASET).run()
    db.session.commit()
    policy = create_policy(PolicyDraft(name=name, system=name, collection=spec["collection"], period_amount=30,
                                       period_unit="days", clock_field=spec["clock"],
                                       legal_basis="bench"), ACTOR)
    db.session.commit()
    label = f"retention_{scenario}_{rows}"
    now = utcnow()

    dry, before, peak, _ = measured(lambda: run_policy(policy, ACTOR, "bench", dry_run=True, now=now,
                                                       batch_size=batch_size))
    assert dry.status == "completed", dry.errors
    emit(f"{label}_dry_run_peak_rss", peak, "MiB", ("rss_before_run", before))
    enable_policy(policy, ACTOR)
    db.session.commit()

    run, before, peak, seconds = measured(lambda: run_policy(policy, ACTOR, "bench", now=now,
                                                             batch_size=batch_size))
    assert run.status == "completed", run.errors
    deleted = run.total("deleted")
    assert deleted == dry.total("deleted"), (deleted, dry.total("deleted"))
    emit(f"{label}_run_peak_rss", peak, "MiB", ("rss_before_run", before))
    emit(f"{label}_run_rss_above_start", peak - before, "MiB")
    by_hand, by_hand_seconds = delete_by_hand(twin, scenario, (now - timedelta(days=30)).replace(tzinfo=None))
    assert by_hand == deleted, (by_hand, deleted)
    emit(f"{label}_rows_per_s", deleted / seconds, "rows/s",
         ("handwritten_delete_rows_per_s", by_hand / by_hand_seconds))
    emit(f"{label}_batches", run.batches, "batches")
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server to create the throw-away product databases on")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--scenarios", default="sessions,orders")
    parser.add_argument("--batch-size", type=int, default=5000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    server = Server(args.database_url)
    with tempfile.TemporaryDirectory(prefix="bench-retention-") as instance:
        app = create_app({"PRIVACYHUB_INSTANCE_PATH": instance, "PRIVACYHUB_BROKER_URL": "memory://",
                          "PRIVACYHUB_RESULT_BACKEND": "cache+memory://",
                          "PRIVACYHUB_DATABASE_URL": f"sqlite:///{instance}/hub.sqlite"})
        try:
            with app.app_context():
                migrate_database()
                for scenario in args.scenarios.split(","):
                    peaks = {rows: bench_one(server, scenario, rows, args.batch_size) for rows in sizes}
                    if len(sizes) > 1:
                        emit(f"retention_{scenario}_run_peak_rss_growth", peaks[sizes[-1]] / peaks[sizes[0]],
                             "ratio")
        finally:
            server.drop_all()


if __name__ == "__main__":
    main()
