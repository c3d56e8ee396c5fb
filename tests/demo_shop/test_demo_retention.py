"""The Demo Shop's retention policies out of the box: dry-run, enabled, and doing what they say."""

from __future__ import annotations

from datetime import UTC, datetime

from privacyhub.demo_shop.retention import POLICIES
from privacyhub.demo_shop.setup import register_demo_shop
from privacyhub.retention.policies import list_policies
from privacyhub.retention.runner import run_enabled_policies
from privacyhub.retention.schemas import latest_run
from tests.demo_shop.test_demo_shop import count

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ACTOR = {"type": "test", "id": "pytest", "name": "pytest"}


def test_demo_policies_are_reviewed_enabled_and_do_what_they_say(app):
    assert register_demo_shop()
    url = f"sqlite:///{app.instance_path}/demo_shop.sqlite"
    policies = {p.name: p for p in list_policies()}
    assert set(policies) == {p["name"] for p in POLICIES}
    assert all(p.enabled and latest_run(p, dry_run=True).status == "completed" for p in policies.values())
    assert {p.name: p.period for p in policies.values()} == {
        "demo-shop-sessions": "30 days", "demo-shop-closed-accounts": "30 days",
        "demo-shop-support-tickets": "2 years", "demo-shop-invoices": "8 years"}

    closed = count(url, "SELECT count(*) FROM users WHERE deleted_at IS NOT NULL")
    old_tickets = count(url, "SELECT count(*) FROM support_tickets WHERE closed_at < '2024-06-01'")
    invoices = count(url, "SELECT count(*) FROM invoices")
    assert closed == 7 and old_tickets > 0

    runs = {run.policy_name: run for run in run_enabled_policies(ACTOR, now=NOW)}
    assert all(run.status == "completed" for run in runs.values())
    assert count(url, "SELECT count(*) FROM sessions") == 0               # all from 2024
    assert count(url, "SELECT count(*) FROM users") == 300 - closed
    assert count(url, "SELECT count(*) FROM users WHERE deleted_at IS NOT NULL") == 0
    assert count(url, "SELECT count(*) FROM users WHERE email = 'alice@demo-shop.example'") == 1
    assert count(url, "SELECT count(*) FROM invoices") == invoices         # 8 years not over; kept with closed accounts
    assert runs["demo-shop-closed-accounts"].counts["invoices"]["retained"] > 0
    assert runs["demo-shop-support-tickets"].total("deleted") > 0
    assert count(url, "SELECT count(*) FROM support_tickets WHERE closed_at < '2024-06-01'") == 0
    assert count(url, "SELECT count(*) FROM support_tickets WHERE closed_at IS NULL") > 0  # open ones stay
