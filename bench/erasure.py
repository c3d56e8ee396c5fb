"""How fast one subject is erased: the fulfilment engine against hand-written DELETEs.

A subject owning about 10,000 rows across 8 collections (orders, their items, payments,
shipments, reviews, sessions, support tickets, plus the customer and an address) is erased
from a PostgreSQL product database whose big tables hold 10^4, 10^5 and 10^6 rows each.

Figures, one JSON line each (``name``, ``value``, ``unit``; compared ones add
``baseline_name``, ``baseline_value`` and ``ratio`` = figure / baseline):

- ``erasure_engine_rows_<N>`` (s): find the subject's rows from the e-mail identity
  (breadth-first, batched ``IN`` queries), decide, and delete them in one transaction,
  median of the repeats; the baseline ``erasure_handwritten_rows_<N>`` is the same rows
  removed by hand-written ``DELETE ... WHERE ... IN (SELECT ...)`` statements, children first,
  in one transaction, in the same run and at the same table size.
- ``erasure_engine_growth`` (ratio): engine time at the largest size over the smallest
  (the quality bar asks for at most 2).

Run: ``.venv/bin/python bench/erasure.py`` (defaults to the local PostgreSQL; creates and
drops a throw-away database), ``--sizes 10000,100000`` to pick sizes, ``--repeats 5``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from functools import partial
from typing import Any

import harness
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from privacyhub.datasets.annotation import parse_dataset
from privacyhub.datasets.schema import build_graph, reflect_tables
from privacyhub.fulfilment.erasure import apply_erasure, plan_erasure
from privacyhub.fulfilment.planner import find_subject_rows

emit = partial(harness.emit, digits=4)  # seconds and MiB: four decimals
SUBJECT = "subject@bench.example"
BASE = 10_000_000  # ids of the subject's rows start here, above every background row
OWNED = {"orders": 1000, "order_items": 4000, "payments": 1000, "shipments": 1000, "reviews": 1000,
         "sessions": 1500, "support_tickets": 497}  # + customer + address + ... = 10,000 rows
CHILD_TABLES = ["order_items", "payments", "shipments", "reviews", "sessions", "support_tickets"]

SCHEMA = """
CREATE TABLE addresses (id bigint PRIMARY KEY, street text NOT NULL, city text NOT NULL);
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, name text NOT NULL,
                        address_id bigint REFERENCES addresses(id));
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
                     placed_at timestamptz NOT NULL, total numeric(10,2) NOT NULL);
CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders(id),
                          sku text NOT NULL, quantity int NOT NULL);
CREATE TABLE payments (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders(id),
                       card_last4 text NOT NULL, amount numeric(10,2) NOT NULL);
CREATE TABLE shipments (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders(id),
                        tracking text NOT NULL);
CREATE TABLE reviews (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
                      body text NOT NULL);
CREATE TABLE sessions (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
                       ip text NOT NULL);
CREATE TABLE support_tickets (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers(id),
                              email text NOT NULL, body text NOT NULL);
"""
INDEXES = """
CREATE INDEX ON customers (email); CREATE INDEX ON customers (address_id); CREATE INDEX ON orders (customer_id);
CREATE INDEX ON order_items (order_id); CREATE INDEX ON payments (order_id); CREATE INDEX ON shipments (order_id);
CREATE INDEX ON reviews (customer_id); CREATE INDEX ON sessions (customer_id);
CREATE INDEX ON support_tickets (customer_id); CREATE INDEX ON support_tickets (email);
"""


def _fields(*specs: str) -> str:
    return "".join(f"          - name: {s}\n" if ":" not in s else f"          - name: {s.split(':')[0]}\n"
                   f"            data_categories: [{s.split(':')[1]}]\n" for s in specs)


def _ref(name: str, target: str, direction: str, owns: bool = False) -> str:
    owned = "            privacyhub: {owns: true}\n" if owns else ""
    return (f"          - name: {name}\n            fides_meta:\n              references: "
            f"[{{dataset: bench, field: {target}, direction: {direction}}}]\n{owned}")


def _collection(name: str, body: str) -> str:
    return (f"      - name: {name}\n        fields:\n          - name: id\n"
            f"            fides_meta: {{primary_key: true}}\n{body}")


DATASET = "dataset:\n  - fides_key: bench\n    collections:\n" + "".join([
    _collection("addresses", _fields("street:user.contact.address.street", "city:user.contact.address.city")),
    _collection("customers", "          - name: email\n            data_categories: [user.contact.email]\n"
                "            fides_meta: {identity: email}\n" + _fields("name:user.name")
                + _ref("address_id", "addresses.id", "to", owns=True)),
    _collection("orders", _ref("customer_id", "customers.id", "from")
                + _fields("placed_at:user.behavior.purchase_history", "total:user.financial")),
    _collection("order_items", _ref("order_id", "orders.id", "from")
                + _fields("sku:user.behavior.purchase_history", "quantity:user.behavior.purchase_history")),
    _collection("payments", _ref("order_id", "orders.id", "from")
                + _fields("card_last4:user.financial.credit_card", "amount:user.financial")),
    _collection("shipments", _ref("order_id", "orders.id", "from") + _fields("tracking:user.contact.address")),
    _collection("reviews", _ref("customer_id", "customers.id", "from") + _fields("body:user.content.public")),
    _collection("sessions", _ref("customer_id", "customers.id", "from") + _fields("ip:user.device.ip_address")),
    _collection("support_tickets", _ref("customer_id", "customers.id", "from")
                + "          - name: email\n            data_categories: [user.contact.email]\n"
                "            fides_meta: {identity: email}\n" + _fields("body:user.content.private")),
])


def populate_background(engine: Engine, rows: int) -> None:
    """Other customers' rows: ``rows`` in each big table, a tenth as many customers and addresses."""
    people = max(rows // 10, 1)
    statements = [
        f"INSERT INTO addresses SELECT g, g || ' Main St', 'Berlin' FROM generate_series(1, {people}) g",
        f"INSERT INTO customers SELECT g, 'c' || g || '@example.com', 'Customer ' || g, g "
        f"FROM generate_series(1, {people}) g",
        f"INSERT INTO orders SELECT g, 1 + g % {people}, now(), 10 FROM generate_series(1, {rows}) g",
        f"INSERT INTO order_items SELECT g, 1 + g % {rows}, 'SKU', 1 FROM generate_series(1, {rows}) g",
        f"INSERT INTO payments SELECT g, 1 + g % {rows}, '4242', 10 FROM generate_series(1, {rows}) g",
        f"INSERT INTO shipments SELECT g, 1 + g % {rows}, 'TRACK' || g FROM generate_series(1, {rows}) g",
        f"INSERT INTO reviews SELECT g, 1 + g % {people}, 'fine' FROM generate_series(1, {rows}) g",
        f"INSERT INTO sessions SELECT g, 1 + g % {people}, '198.51.100.1' FROM generate_series(1, {rows}) g",
        f"INSERT INTO support_tickets SELECT g, 1 + g % {people}, 'c' || (1 + g % {people}) || '@example.com', "
        f"'help' FROM generate_series(1, {rows}) g",
    ]
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def insert_subject(engine: Engine) -> int:
    """The subject's ~10,000 rows; returns how many."""
    o, b = OWNED, BASE
    statements = [
        f"INSERT INTO addresses VALUES ({b}, '1 Subject Rd', 'Hamburg')",
        f"INSERT INTO customers VALUES ({b}, '{SUBJECT}', 'Subject', {b})",
        f"INSERT INTO orders SELECT {b} + g, {b}, now(), 20 FROM generate_series(0, {o['orders'] - 1}) g",
        f"INSERT INTO order_items SELECT {b} + g, {b} + g % {o['orders']}, 'SKU', 2 "
        f"FROM generate_series(0, {o['order_items'] - 1}) g",
        f"INSERT INTO payments SELECT {b} + g, {b} + g, '1111', 20 FROM generate_series(0, {o['payments'] - 1}) g",
        f"INSERT INTO shipments SELECT {b} + g, {b} + g, 'T' || g FROM generate_series(0, {o['shipments'] - 1}) g",
        f"INSERT INTO reviews SELECT {b} + g, {b}, 'great' FROM generate_series(0, {o['reviews'] - 1}) g",
        f"INSERT INTO sessions SELECT {b} + g, {b}, '203.0.113.9' FROM generate_series(0, {o['sessions'] - 1}) g",
        f"INSERT INTO support_tickets SELECT {b} + g, {b}, '{SUBJECT}', 'where?' "
        f"FROM generate_series(0, {o['support_tickets'] - 1}) g",
    ]
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    return 2 + sum(o.values())


def erase_with_engine(engine: Engine, graph: Any) -> tuple[float, int]:
    """Plan and apply the erasure in one transaction; returns (seconds, rows deleted)."""
    start = time.perf_counter()
    with engine.begin() as conn:
        plan = plan_erasure(conn, find_subject_rows(conn, graph, {"email": [SUBJECT]}))
        apply_erasure(conn, plan, lambda value: value)
    elapsed = time.perf_counter() - start
    return elapsed, sum(len(c.delete) for c in plan.collections.values())


def erase_by_hand(engine: Engine) -> float:
    """The same rows by hand-written statements, children first, one transaction."""
    orders = f"SELECT id FROM orders WHERE customer_id = (SELECT id FROM customers WHERE email = '{SUBJECT}')"
    customer = f"SELECT id FROM customers WHERE email = '{SUBJECT}'"
    start = time.perf_counter()
    with engine.begin() as conn:
        for table in ("order_items", "payments", "shipments"):
            conn.execute(text(f"DELETE FROM {table} WHERE order_id IN ({orders})"))
        for table in ("reviews", "sessions"):
            conn.execute(text(f"DELETE FROM {table} WHERE customer_id IN ({customer})"))
        conn.execute(text(f"DELETE FROM support_tickets WHERE customer_id IN ({customer}) OR email = '{SUBJECT}'"))
        conn.execute(text(f"DELETE FROM orders WHERE customer_id IN ({customer})"))
        address = conn.execute(text(f"SELECT address_id FROM customers WHERE email = '{SUBJECT}'")).scalar()
        conn.execute(text(f"DELETE FROM customers WHERE email = '{SUBJECT}'"))
        conn.execute(text("DELETE FROM addresses WHERE id = :a AND NOT EXISTS "
                          "(SELECT 1 FROM customers WHERE address_id = :a)"), {"a": address})
    return time.perf_counter() - start


def run(url: str, sizes: list[int], repeats: int) -> None:
    engine_times: dict[int, float] = {}
    for size in sizes:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            conn.execute(text(SCHEMA))
            conn.execute(text(INDEXES))
        populate_background(engine, size)
        graph = build_graph(parse_dataset(DATASET), reflect_tables(engine))
        ours, theirs = [], []
        for _ in range(repeats):
            expected = insert_subject(engine)
            elapsed, deleted = erase_with_engine(engine, graph)
            assert deleted == expected, (deleted, expected)
            ours.append(elapsed)
            insert_subject(engine)
            theirs.append(erase_by_hand(engine))
        engine_times[size] = statistics.median(ours)
        emit(f"erasure_engine_rows_{size}", engine_times[size], "s",
             (f"erasure_handwritten_rows_{size}", statistics.median(theirs)))
        engine.dispose()
    if len(sizes) > 1:
        emit("erasure_engine_growth", engine_times[sizes[-1]] / engine_times[sizes[0]], "ratio")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server to create the throw-away database on")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with harness.throw_away_database(args.database_url, "bench_erasure") as url:
        run(url, [int(s) for s in args.sizes.split(",")], args.repeats)


if __name__ == "__main__":
    main()
