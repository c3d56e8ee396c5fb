"""A small product database with clocks on every table, for retention runs and legal holds.

Customers 1-6: 1, 2 and 6 share address 1, 3 and 5 share address 3. Orders, their items,
invoices (retained 8 years) and sessions carry times around the 30-day boundary of ``NOW``,
so tests name exactly which rows are due. Customers 3, 5 and 6 were soft-deleted more than
30 days ago, customer 4 ten days ago.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, DateTime, ForeignKey, Integer, MetaData, String, Table, create_engine, insert

from tests.product_db import snapshot_tables

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
BOUNDARY = (NOW - timedelta(days=30)).replace(tzinfo=None)  # product databases keep naive UTC


def ago(days: float = 0, seconds: float = 0) -> datetime:
    """A naive UTC time this long before ``NOW``."""
    return (NOW - timedelta(days=days, seconds=seconds)).replace(tzinfo=None)


metadata = MetaData()
addresses = Table("addresses", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
                  Column("street", String(200), nullable=False))
customers = Table("customers", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
                  Column("email", String(200), nullable=False), Column("name", String(200)),
                  Column("address_id", ForeignKey("addresses.id")), Column("deleted_at", DateTime))
orders = Table("orders", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
               Column("customer_id", ForeignKey("customers.id"), nullable=False),
               Column("placed_at", DateTime, nullable=False), Column("note", String(200)))
order_items = Table("order_items", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
                    Column("order_id", ForeignKey("orders.id"), nullable=False), Column("sku", String(20)))
invoices = Table("invoices", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
                 Column("order_id", ForeignKey("orders.id")), Column("billing_email", String(200), nullable=False),
                 Column("issued_at", DateTime, nullable=False))
sessions = Table("sessions", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
                 Column("customer_id", ForeignKey("customers.id"), nullable=False),
                 Column("ip", String(64), nullable=False), Column("started_at", DateTime, nullable=False))

ROWS = {
    "addresses": [{"id": 1, "street": "1 Shared Lane"}, {"id": 2, "street": "2 Own Road"},
                  {"id": 3, "street": "3 Gone Street"}],
    "customers": [
        {"id": 1, "email": "ada@example.com", "name": "Ada", "address_id": 1, "deleted_at": None},
        {"id": 2, "email": "bob@example.com", "name": "Bob", "address_id": 1, "deleted_at": None},
        {"id": 3, "email": "cy@example.com", "name": "Cy", "address_id": 3, "deleted_at": ago(40)},
        {"id": 4, "email": "di@example.com", "name": "Di", "address_id": 2, "deleted_at": ago(10)},
        {"id": 5, "email": "ed@example.com", "name": "Ed", "address_id": 3, "deleted_at": ago(31)},
        {"id": 6, "email": "flo@example.com", "name": "Flo", "address_id": 1, "deleted_at": ago(35)},
    ],
    "orders": [
        {"id": 10, "customer_id": 1, "placed_at": ago(30, 1), "note": "just over 30 days"},
        {"id": 11, "customer_id": 1, "placed_at": ago(30), "note": "exactly 30 days"},
        {"id": 12, "customer_id": 1, "placed_at": ago(30, -1), "note": "just under 30 days"},
        {"id": 13, "customer_id": 2, "placed_at": ago(400), "note": "old"},
        {"id": 14, "customer_id": 3, "placed_at": ago(100), "note": "soft-deleted customer's"},
        {"id": 15, "customer_id": 2, "placed_at": ago(1), "note": "new"},
    ],
    "order_items": [{"id": 100, "order_id": 10, "sku": "A"}, {"id": 101, "order_id": 10, "sku": "B"},
                    {"id": 102, "order_id": 11, "sku": "A"}, {"id": 103, "order_id": 13, "sku": "C"},
                    {"id": 104, "order_id": 14, "sku": "D"}, {"id": 105, "order_id": 15, "sku": "E"}],
    "invoices": [{"id": 900, "order_id": 13, "billing_email": "bob@example.com", "issued_at": ago(400)},
                 {"id": 901, "order_id": 14, "billing_email": "cy@example.com", "issued_at": ago(100)}],
    "sessions": [{"id": 1000 + i, "customer_id": 1 + i % 6, "ip": f"192.0.2.{i}", "started_at": ago(20 + i * 2)}
                 for i in range(12)],
}
INSERT_ORDER = ["addresses", "customers", "orders", "order_items", "invoices", "sessions"]

DATASET = """
dataset:
  - fides_key: app
    name: Retention test app
    collections:
      - name: addresses
        fields:
          - name: id
            fides_meta: {primary_key: true}
          - name: street
            data_categories: [user.contact.address.street]
      - name: customers
        fields:
          - name: id
            data_categories: [user.unique_id]
            fides_meta: {primary_key: true, identity: user_id}
          - name: email
            data_categories: [user.contact.email]
            fides_meta: {identity: email}
          - name: name
            data_categories: [user.name]
          - name: address_id
            fides_meta:
              references: [{dataset: app, field: addresses.id, direction: to}]
            privacyhub: {owns: true}
          - name: deleted_at
            data_categories: [system.operations]
      - name: orders
        fields:
          - name: id
            fides_meta: {primary_key: true}
          - name: customer_id
            fides_meta:
              references: [{dataset: app, field: customers.id, direction: from}]
          - name: placed_at
            data_categories: [user.behavior.purchase_history]
          - name: note
            data_categories: [user.content.private]
      - name: order_items
        fields:
          - name: id
            fides_meta: {primary_key: true}
          - name: order_id
            fides_meta:
              references: [{dataset: app, field: orders.id, direction: from}]
          - name: sku
            data_categories: [user.behavior.purchase_history]
      - name: invoices
        privacyhub: {erasure: retain, retain_for: 8y, retain_from: issued_at, legal_basis: "Tax law: 8 years"}
        fields:
          - name: id
            fides_meta: {primary_key: true}
          - name: order_id
            fides_meta:
              references: [{dataset: app, field: orders.id, direction: from}]
          - name: billing_email
            data_categories: [user.contact.email]
            fides_meta: {identity: email}
          - name: issued_at
            data_categories: [system.operations]
      - name: sessions
        fields:
          - name: id
            fides_meta: {primary_key: true}
          - name: customer_id
            fides_meta:
              references: [{dataset: app, field: customers.id, direction: from}]
          - name: ip
            data_categories: [user.device.ip_address]
          - name: started_at
            data_categories: [user.behavior.browsing_history]
"""


def create_app_database(url: str) -> None:
    """Create the schema and the rows above at ``url``."""
    engine = create_engine(url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        for name in INSERT_ORDER:
            conn.execute(insert(metadata.tables[name]), ROWS[name])
    engine.dispose()


def snapshot(url: str) -> dict[str, list[dict]]:
    """Every row of every table, sorted by id."""
    return snapshot_tables(url, metadata, lambda row: row["id"])


def ids(url_or_data, name: str) -> list[int]:
    data = snapshot(url_or_data) if isinstance(url_or_data, str) else url_or_data
    return [row["id"] for row in data[name]]
