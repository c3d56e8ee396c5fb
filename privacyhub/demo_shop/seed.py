"""Deterministic demo data: a few hundred customers with orders, payments, invoices and more.

Every fifteenth customer shares the default address of the one before (a household), so
erasure has shared rows to spare; every fortieth closed the account (``deleted_at``) and most
support tickets are closed, so the retention policies have clocks to read. The first customer
is always ``alice@demo-shop.example``.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert

from privacyhub.demo_shop import schema

DEMO_EMAIL = "alice@demo-shop.example"
FIRST = ["Alice", "Ben", "Chiara", "Dmitri", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kaja", "Luca",
         "Mira", "Noah", "Olga", "Pablo", "Quinn", "Rosa", "Sven", "Tara"]
LAST = ["Adler", "Brandt", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ivanova", "Jensen",
        "Keller", "Lopez", "Meyer", "Novak", "Olsen", "Petrov", "Rossi", "Schmidt", "Tanaka", "Weber"]
CITIES = [("Berlin", "10115", "DE"), ("Hamburg", "20095", "DE"), ("Vienna", "1010", "AT"), ("Lyon", "69001", "FR"),
          ("Milan", "20121", "IT"), ("Porto", "4000-001", "PT"), ("Ghent", "9000", "BE"), ("Aarhus", "8000", "DK")]
PRODUCTS = [("LAMP-01", "Desk lamp", "29.90"), ("CHAIR-02", "Office chair", "189.00"),
            ("MUG-03", "Enamel mug", "9.50"), ("DESK-04", "Standing desk", "449.00"),
            ("PEN-05", "Fountain pen", "34.00"), ("BAG-06", "Laptop bag", "79.00"),
            ("NOTE-07", "Notebook set", "12.00"), ("PLANT-08", "Desk plant", "19.90")]
AGENTS = ["Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5) Safari/604.1",
          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0"]
EPOCH = datetime(2024, 1, 1)


def _rows(customers: int, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in schema.metadata.tables}
    rows["products"] = [{"id": i + 1, "sku": sku, "title": title, "price": Decimal(price)}
                        for i, (sku, title, price) in enumerate(PRODUCTS)]
    ids = {"order": 0, "item": 0, "invoice": 0, "ticket": 0, "address": 0}

    def address() -> int:
        ids["address"] += 1
        city, postcode, country = rng.choice(CITIES)
        rows["addresses"].append({"id": ids["address"], "street": f"{rng.randint(1, 199)} {rng.choice(LAST)}str.",
                                  "city": city, "postcode": postcode, "country": country})
        return ids["address"]

    for uid in range(1, customers + 1):
        first, last = (("Alice", "Adler") if uid == 1 else (rng.choice(FIRST), rng.choice(LAST)))
        email = DEMO_EMAIL if uid == 1 else f"{first}.{last}.{uid}@example.com".lower()
        home = rows["users"][-1]["default_address_id"] if uid % 15 == 0 else address()
        joined = EPOCH + timedelta(days=rng.randint(0, 300))
        rows["users"].append({"id": uid, "email": email, "phone": f"+49151{uid:07d}", "first_name": first,
                              "last_name": last, "password_hash": f"argon2id$demo${rng.getrandbits(64):016x}",
                              "default_address_id": home, "created_at": joined,
                              "deleted_at": joined + timedelta(days=250) if uid % 40 == 0 else None})
        for _ in range(rng.randint(1, 4)):
            ids["order"] += 1
            oid, placed = ids["order"], joined + timedelta(days=rng.randint(1, 200), minutes=rng.randint(0, 1440))
            ship = home if rng.random() < 0.8 else address()
            total = Decimal("0")
            for _ in range(rng.randint(1, 3)):
                ids["item"] += 1
                product = rng.choice(rows["products"])
                quantity = rng.randint(1, 3)
                total += product["price"] * quantity
                rows["order_items"].append({"id": ids["item"], "order_id": oid, "product_id": product["id"],
                                            "quantity": quantity, "unit_price": product["price"]})
            rows["orders"].append({"id": oid, "user_id": uid, "shipping_address_id": ship, "status": "delivered",
                                   "total": total, "placed_at": placed})
            rows["payments"].append({"id": oid, "order_id": oid, "method": rng.choice(["card", "paypal", "sepa"]),
                                     "card_last4": f"{rng.randint(0, 9999):04d}", "amount": total,
                                     "paid_at": placed + timedelta(minutes=3)})
            ids["invoice"] += 1
            street = next(a for a in rows["addresses"] if a["id"] == ship)
            rows["invoices"].append({"id": ids["invoice"], "number": f"INV-{ids['invoice']:06d}", "order_id": oid,
                                     "billing_name": f"{first} {last}", "billing_email": email,
                                     "billing_address": f"{street['street']}, {street['postcode']} {street['city']}",
                                     "amount": total, "issued_at": placed + timedelta(hours=1)})
        for n in range(rng.randint(1, 3)):
            rows["sessions"].append({"id": f"{uid:05d}{n:02d}{rng.getrandbits(64):016x}"[:32], "user_id": uid,
                                     "ip_address": f"198.51.100.{rng.randint(1, 254)}",
                                     "user_agent": rng.choice(AGENTS), "started_at": joined + timedelta(days=n)})
        if uid == 1 or rng.random() < 0.3:
            ids["ticket"] += 1
            opened = joined + timedelta(days=30)
            rows["support_tickets"].append({"id": ids["ticket"], "user_id": uid, "email": email,
                                            "subject": "Where is my parcel?", "body": f"Hello, this is {first}.",
                                            "opened_at": opened,
                                            "closed_at": opened + timedelta(days=3) if ids["ticket"] % 5 else None})
        if uid == 1 or rng.random() < 0.4:
            rows["newsletter_subscriptions"].append({"id": len(rows["newsletter_subscriptions"]) + 1, "email": email,
                                                     "user_id": uid, "confirmed": True, "subscribed_at": joined})
    return rows


INSERT_ORDER = ["addresses", "users", "products", "orders", "order_items", "payments", "invoices", "support_tickets",
                "sessions", "newsletter_subscriptions"]


def seed(conn: Connection, customers: int = 300, seed_value: int = 7) -> dict[str, int]:
    """Insert the demo rows; returns the count per table."""
    rows = _rows(customers, random.Random(seed_value))  # noqa: S311  (demo data, not secrets)
    for name in INSERT_ORDER:
        if rows[name]:
            conn.execute(insert(schema.metadata.tables[name]), rows[name])
    return {name: len(rows[name]) for name in INSERT_ORDER}
