"""The Demo Shop's tables: a typical web shop with realistic foreign keys."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, MetaData, Numeric, String, Table, Text

metadata = MetaData()

addresses = Table(
    "addresses", metadata,
    Column("id", Integer, primary_key=True),
    Column("street", String(200), nullable=False),
    Column("city", String(100), nullable=False),
    Column("postcode", String(20), nullable=False),
    Column("country", String(2), nullable=False),
)
users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("phone", String(32)),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("default_address_id", ForeignKey("addresses.id")),
    Column("created_at", DateTime, nullable=False),
    Column("deleted_at", DateTime),  # closed by the customer; purged by retention 30 days later
)
products = Table(
    "products", metadata,
    Column("id", Integer, primary_key=True),
    Column("sku", String(40), nullable=False, unique=True),
    Column("title", String(200), nullable=False),
    Column("price", Numeric(10, 2), nullable=False),
)
orders = Table(
    "orders", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("shipping_address_id", ForeignKey("addresses.id"), index=True),
    Column("status", String(20), nullable=False),
    Column("total", Numeric(10, 2), nullable=False),
    Column("placed_at", DateTime, nullable=False),
)
order_items = Table(
    "order_items", metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False, index=True),
    Column("product_id", ForeignKey("products.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Numeric(10, 2), nullable=False),
)
payments = Table(
    "payments", metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False, index=True),
    Column("method", String(20), nullable=False),
    Column("card_last4", String(4)),
    Column("amount", Numeric(10, 2), nullable=False),
    Column("paid_at", DateTime, nullable=False),
)
invoices = Table(
    "invoices", metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(20), nullable=False, unique=True),
    Column("order_id", ForeignKey("orders.id"), index=True),
    Column("billing_name", String(200), nullable=False),
    Column("billing_email", String(254), nullable=False, index=True),
    Column("billing_address", String(400), nullable=False),
    Column("amount", Numeric(10, 2), nullable=False),
    Column("issued_at", DateTime, nullable=False),
)
support_tickets = Table(
    "support_tickets", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), index=True),
    Column("email", String(254), nullable=False, index=True),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("opened_at", DateTime, nullable=False),
    Column("closed_at", DateTime),
)
sessions = Table(
    "sessions", metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("ip_address", String(45), nullable=False),
    Column("user_agent", String(300), nullable=False),
    Column("started_at", DateTime, nullable=False),
)
newsletter_subscriptions = Table(
    "newsletter_subscriptions", metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, index=True),
    Column("user_id", ForeignKey("users.id"), index=True),
    Column("confirmed", Boolean, nullable=False),
    Column("subscribed_at", DateTime, nullable=False),
)
