"""A small product schema with every shape the planner must handle, and its annotation.

Subject Ada (customer 1, ada@example.com, +4915100000001) and Bob (customer 2) share
address 1; Ada alone uses address 2. Ada was referred by Bob (a self-reference), her
favourite order points back at her orders (a cycle), tags link through customer_tags
(many-to-many), ticket 700 is reachable by her e-mail and through her customer row,
invoice 900 is retained, review 800 is masked. Expected counts are written out by hand
in the tests.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    insert,
    update,
)

from tests.product_db import snapshot_tables

metadata = MetaData()
addresses = Table("addresses", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
                  Column("street", String(200), nullable=False), Column("city", String(100)))
customers = Table("customers", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
                  Column("email", String(200), nullable=False), Column("phone", String(40)),
                  Column("name", String(200)),
                  Column("address_id", ForeignKey("addresses.id")),
                  Column("referred_by", ForeignKey("customers.id")),
                  Column("favourite_order_id", ForeignKey("orders.id", use_alter=True,
                                                          name="fk_customers_favourite_order")))
orders = Table("orders", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
               Column("customer_id", ForeignKey("customers.id"), nullable=False),
               Column("shipping_address_id", ForeignKey("addresses.id")),
               Column("placed_at", DateTime))
products = Table("products", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
                 Column("title", String(200)), Column("price", Numeric(10, 2)))
order_items = Table("order_items", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
                    Column("order_id", ForeignKey("orders.id"), nullable=False),
                    Column("product_id", ForeignKey("products.id"), nullable=False), Column("quantity", Integer))
tags = Table("tags", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
             Column("label", String(50)))
customer_tags = Table("customer_tags", metadata,
                      Column("customer_id", ForeignKey("customers.id"), primary_key=True),
                      Column("tag_id", ForeignKey("tags.id"), primary_key=True))
invoices = Table("invoices", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
                 Column("order_id", ForeignKey("orders.id")), Column("billing_email", String(200)),
                 Column("amount", Numeric(10, 2)), Column("issued_at", DateTime))
support_tickets = Table("support_tickets", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
                        Column("email", String(200)), Column("customer_id", ForeignKey("customers.id")),
                        Column("body", String(500)))
reviews = Table("reviews", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
                Column("customer_id", ForeignKey("customers.id")), Column("author_name", String(200), nullable=False),
                Column("author_email", String(200)), Column("ip", String(64)), Column("nickname", String(100)),
                Column("body", String(500)))

ADA = {"email": ["ada@example.com"], "phone": ["+4915100000001"]}
ISSUED = datetime(2025, 3, 1, 12, 0)

ROWS = {
    "addresses": [{"id": 1, "street": "1 Shared Lane", "city": "Berlin"},
                  {"id": 2, "street": "2 Own Road", "city": "Hamburg"}],
    "customers": [
        {"id": 2, "email": "bob@example.com", "phone": None, "name": "Bob", "address_id": 1, "referred_by": None,
         "favourite_order_id": None},
        {"id": 1, "email": "ada@example.com", "phone": "+4915100000001", "name": "Ada Lovelace", "address_id": 2,
         "referred_by": 2, "favourite_order_id": 11},
    ],
    "products": [{"id": 1000, "title": "Lamp", "price": 20}, {"id": 1001, "title": "Desk", "price": 150}],
    "orders": [{"id": 10, "customer_id": 1, "shipping_address_id": 1, "placed_at": ISSUED},
               {"id": 11, "customer_id": 1, "shipping_address_id": 2, "placed_at": ISSUED},
               {"id": 12, "customer_id": 2, "shipping_address_id": 1, "placed_at": ISSUED}],
    "order_items": [{"id": 100, "order_id": 10, "product_id": 1000, "quantity": 1},
                    {"id": 101, "order_id": 10, "product_id": 1001, "quantity": 2},
                    {"id": 102, "order_id": 11, "product_id": 1000, "quantity": 1},
                    {"id": 103, "order_id": 12, "product_id": 1001, "quantity": 1}],
    "tags": [{"id": 500, "label": "vip"}, {"id": 501, "label": "newsletter"}, {"id": 502, "label": "unused"}],
    "customer_tags": [{"customer_id": 1, "tag_id": 500}, {"customer_id": 1, "tag_id": 501},
                      {"customer_id": 2, "tag_id": 500}],
    "invoices": [{"id": 900, "order_id": 10, "billing_email": "ada@example.com", "amount": 190, "issued_at": ISSUED},
                 {"id": 901, "order_id": 12, "billing_email": "bob@example.com", "amount": 150,
                  "issued_at": ISSUED}],
    "support_tickets": [{"id": 700, "email": "ada@example.com", "customer_id": 1, "body": "Where is my lamp?"},
                        {"id": 701, "email": "ada@example.com", "customer_id": None, "body": "Guest question"},
                        {"id": 702, "email": "bob@example.com", "customer_id": 2, "body": "Hello"}],
    "reviews": [{"id": 800, "customer_id": 1, "author_name": "Ada L.", "author_email": "ada@example.com",
                 "ip": "192.0.2.7", "nickname": "ada", "body": "Great lamp"}],
}

DATASET = """
dataset:
  - fides_key: shop
    name: Test shop
    collections:
      - name: addresses
        fields:
          - name: id
            fides_meta: {primary_key: true}
          - name: street
            data_categories: [user.contact.address.street]
          - name: city
            data_categories: [user.contact.address.city]
      - name: customers
        fields:
          - name: id
            data_categories: [user.unique_id]
            fides_meta: {primary_key: true}
          - name: email
            data_categories: [user.contact.email]
            fides_meta: {identity: email}
          - name: phone
            data_categories: [user.contact.phone_number]
            fides_meta: {identity: phone_number}
          - name: name
            data_categories: [user.name]
          - name: address_id
            fides_meta:
              references: [{dataset: shop, field: addresses.id, direction: to}]
            privacyhub: {owns: true}
          - name: referred_by
            fides_meta:
              references: [{dataset: shop, field: customers.id, direction: to}]
          - name: favourite_order_id
            fides_meta:
              references: [{dataset: shop, field: orders.id, direction: to}]
      - name: orders
        fields:
          - name: id
            fides_meta: {primary_key: true}
          - name: customer_id
            fides_meta:
              references: [{dataset: shop, field: customers.id, direction: from}]
          - name: shipping_address_id
            fides_meta:
              references: [{dataset: shop, field: addresses.id, direction: to}]
            privacyhub: {owns: true}
          - name: placed_at
            data_categories: [user.behavior.purchase_history]
      - name: order_items
        fields:
          - name: id
            fides_meta: {primary_key: true}
          - name: order_id
            fides_meta:
              references: [{dataset: shop, field: orders.id, direction: from}]
          - name: product_id
            fides_meta:
              references: [{dataset: shop, field: products.id, direction: to}]
            privacyhub: {owns: true}
          - name: quantity
            data_categories: [user.behavior.purchase_history]
      - name: products
        fields:
          - name: id
            fides_meta: {primary_key: true}
          - name: title
            data_categories: [system.operations]
          - name: price
            data_categories: [system.operations]
      - name: tags
        fields:
          - name: id
            fides_meta: {primary_key: true}
          - name: label
            data_categories: [system.operations]
      - name: customer_tags
        fields:
          - name: customer_id
            fides_meta:
              primary_key: true
              references: [{dataset: shop, field: customers.id, direction: from}]
          - name: tag_id
            fides_meta:
              primary_key: true
              references: [{dataset: shop, field: tags.id, direction: to}]
      - name: invoices
        privacyhub: {erasure: retain, retain_for: 8y, retain_from: issued_at, legal_basis: "German tax law (AO 147)"}
        fields:
          - name: id
            fides_meta: {primary_key: true}
          - name: order_id
            fides_meta:
              references: [{dataset: shop, field: orders.id, direction: from}]
          - name: billing_email
            data_categories: [user.contact.email]
            fides_meta: {identity: email}
          - name: amount
            data_categories: [user.financial]
          - name: issued_at
      - name: support_tickets
        fields:
          - name: id
            fides_meta: {primary_key: true}
          - name: email
            data_categories: [user.contact.email]
            fides_meta: {identity: email}
          - name: customer_id
            fides_meta:
              references: [{dataset: shop, field: customers.id, direction: from}]
          - name: body
            data_categories: [user.content.private]
      - name: reviews
        privacyhub: {erasure: mask}
        fields:
          - name: id
            fides_meta: {primary_key: true}
          - name: customer_id
            fides_meta:
              references: [{dataset: shop, field: customers.id, direction: from}]
          - name: author_name
            data_categories: [user.name]
            privacyhub: {mask: fixed, mask_value: "Former customer"}
          - name: author_email
            data_categories: [user.contact.email]
            privacyhub: {mask: hash}
          - name: ip
            data_categories: [user.device.ip_address]
            privacyhub: {mask: random}
          - name: nickname
            data_categories: [user.name]
          - name: body
"""

INSERT_ORDER = ["addresses", "customers", "products", "orders", "order_items", "tags", "customer_tags", "invoices",
                "support_tickets", "reviews"]


def create_shop(url: str) -> None:
    """Create the schema and the rows above in the database at ``url``."""
    engine = create_engine(url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        for name in INSERT_ORDER:
            rows = [{**r, "favourite_order_id": None} if name == "customers" else r for r in ROWS[name]]
            conn.execute(insert(metadata.tables[name]), rows)
        conn.execute(update(customers).where(customers.c.id == 1).values(favourite_order_id=11))
    engine.dispose()


def snapshot(url: str) -> dict[str, list[dict]]:
    """Every row of every table, sorted, for before/after comparisons."""
    return snapshot_tables(url, metadata, repr)


def utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC)
