"""Whose rows: the walk from Ada's identities, checked against hand-written expectations."""

from __future__ import annotations

from sqlalchemy import create_engine

from privacyhub.fulfilment.planner import find_subject_rows
from tests.fulfilment.shop import ADA


def walk(url, graph, identities=ADA):
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = find_subject_rows(conn, graph, identities)
    engine.dispose()
    return rows


def keys(rows, name, which="rows"):
    return sorted(k[0] if len(k) == 1 else k for k in getattr(rows.collections[name], which))


def test_access_reaches_exactly_the_expected_rows(shop_url, shop_graph):
    rows = walk(shop_url, shop_graph)
    assert {c.name: keys(rows, c.name) for c in rows.nonempty()} == {
        "addresses": [1, 2],
        "customers": [1, 2],            # Ada, and Bob who referred her (referenced)
        "customer_tags": [(1, 500), (1, 501)],
        "invoices": [900],
        "order_items": [100, 101, 102],
        "orders": [10, 11],
        "products": [1000, 1001],
        "reviews": [800],
        "support_tickets": [700, 701],  # 700 by e-mail and through her customer row, once
        "tags": [500, 501],
    }


def test_ownership_reference_and_sharing(shop_url, shop_graph):
    rows = walk(shop_url, shop_graph)
    assert keys(rows, "customers", "owned") == [1]
    assert keys(rows, "customers", "referenced") == [2]
    assert keys(rows, "addresses", "owned") == [2]        # owns: true, only Ada points at it
    assert keys(rows, "addresses", "shared") == [1]       # Bob lives there too
    assert keys(rows, "products", "owned") == []          # owns: true, but no personal field
    assert keys(rows, "tags", "referenced") == [500, 501]
    assert keys(rows, "orders", "owned") == [10, 11]


def test_one_identity_alone_reaches_the_same_customer(shop_url, shop_graph):
    by_phone = walk(shop_url, shop_graph, {"phone": ["+4915100000001"]})
    assert keys(by_phone, "customers", "owned") == [1]
    assert keys(by_phone, "support_tickets") == [700]     # the guest ticket is only matched by e-mail


def test_walk_is_batched_per_level(shop_url, shop_graph):
    rows = walk(shop_url, shop_graph)
    # one query per (collection, field) and level, never one per row
    assert rows.queries <= 30


def test_unknown_subject_reaches_nothing(shop_url, shop_graph):
    assert walk(shop_url, shop_graph, {"email": ["nobody@example.com"]}).nonempty() == []


def test_without_annotation_foreign_keys_and_identity_columns_are_used(shop_url):
    from privacyhub.systems.sql import describe

    graph = describe(shop_url, None, {"customers.email": "email", "support_tickets.email": "email"})
    rows = walk(shop_url, graph, {"email": ["ada@example.com"]})
    assert keys(rows, "customers", "owned") == [1]
    assert keys(rows, "customers", "referenced") == [2]             # a self-reference only references
    assert keys(rows, "orders", "owned") == [10, 11]                 # foreign keys to owned rows: children
    assert keys(rows, "order_items", "owned") == [100, 101, 102]
    assert keys(rows, "invoices", "owned") == [900]
    assert keys(rows, "support_tickets", "owned") == [700, 701]
    assert keys(rows, "customer_tags", "owned") == [(1, 500), (1, 501)]
    assert keys(rows, "addresses", "referenced") == [1, 2]           # pointed at: exported, never erased
    assert keys(rows, "products", "referenced") == [1000, 1001]
