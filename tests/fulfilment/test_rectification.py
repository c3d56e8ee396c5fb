"""Rectification writes the corrections into every field of the named categories Ada owns."""

from __future__ import annotations

from sqlalchemy import create_engine

from privacyhub.fulfilment.planner import find_subject_rows
from privacyhub.fulfilment.rectification import apply_rectification, plan_rectification
from tests.fulfilment.shop import ADA, snapshot

CORRECTIONS = {"user.contact.email": "ada@new.example", "user.name": "Ada King"}


def rectify(url, graph, corrections=CORRECTIONS):
    engine = create_engine(url)
    with engine.begin() as conn:
        rows = find_subject_rows(conn, graph, ADA)
        plan = plan_rectification(rows, corrections)
        apply_rectification(conn, rows, plan)
    engine.dispose()
    return plan.report


def test_rectification_report_counts(shop_url, shop_graph):
    report = rectify(shop_url, shop_graph)
    assert report["customers"] == {"found": 2, "rectified": 1, "unchanged": 0, "shared": 1}  # Bob is not Ada's
    assert report["support_tickets"] == {"found": 2, "rectified": 2, "unchanged": 0, "shared": 0}
    assert report["invoices"] == {"found": 1, "rectified": 1, "unchanged": 0, "shared": 0}
    assert report["reviews"] == {"found": 1, "rectified": 1, "unchanged": 0, "shared": 0}
    assert report["orders"] == {"found": 2, "rectified": 0, "unchanged": 0, "shared": 0}
    assert "ada@example.com" not in repr(report) and "Ada King" not in repr(report)


def test_rectification_writes_every_field_of_the_categories(shop_url, shop_graph):
    rectify(shop_url, shop_graph)
    after = snapshot(shop_url)
    ada = next(r for r in after["customers"] if r["id"] == 1)
    bob = next(r for r in after["customers"] if r["id"] == 2)
    assert (ada["email"], ada["name"]) == ("ada@new.example", "Ada King")
    assert (bob["email"], bob["name"]) == ("bob@example.com", "Bob")
    assert {r["email"] for r in after["support_tickets"] if r["id"] in (700, 701)} == {"ada@new.example"}
    review = after["reviews"][0]
    assert (review["author_name"], review["author_email"], review["nickname"]) == (
        "Ada King", "ada@new.example", "Ada King")
    assert next(r for r in after["invoices"] if r["id"] == 900)["billing_email"] == "ada@new.example"


def test_repeating_a_rectification_changes_nothing(shop_url, shop_graph):
    rectify(shop_url, shop_graph)
    # the old e-mail no longer matches; the phone still finds Ada
    engine = create_engine(shop_url)
    with engine.connect() as conn:
        rows = find_subject_rows(conn, shop_graph, {"phone": ["+4915100000001"]})
        report = plan_rectification(rows, CORRECTIONS).report
    engine.dispose()
    assert report["customers"]["rectified"] == 0 and report["customers"]["unchanged"] == 1
