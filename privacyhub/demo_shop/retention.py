"""The Demo Shop's retention policies: what a small web shop keeps, for how long, and why.

They are added when the Demo Shop is registered, each dry-run first and then enabled,
the same way a compliance officer switches a policy on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from privacyhub.extensions import db
from privacyhub.models import RetentionPolicy
from privacyhub.retention.policies import PolicyDraft, create_policy, enable_policy
from privacyhub.retention.runner import run_policy

POLICIES: list[dict[str, Any]] = [
    {"name": "demo-shop-sessions", "collection": "sessions", "clock_field": "started_at",
     "period_amount": 30, "period_unit": "days",
     "legal_basis": "Legitimate interests (Art. 6(1)(f)): sign-in sessions are kept 30 days to detect abuse"},
    {"name": "demo-shop-closed-accounts", "collection": "users", "clock_field": "deleted_at",
     "period_amount": 30, "period_unit": "days",
     "legal_basis": "Storage limitation (Art. 5(1)(e)): a closed account can be restored for 30 days, then it "
                    "is erased with what hangs off it (invoices stay under their own policy)"},
    {"name": "demo-shop-support-tickets", "collection": "support_tickets", "clock_field": "closed_at",
     "period_amount": 2, "period_unit": "years",
     "legal_basis": "Legitimate interests (Art. 6(1)(f)): follow-up questions and complaints, 2 years after "
                    "the ticket is closed"},
    {"name": "demo-shop-invoices", "collection": "invoices", "clock_field": "issued_at",
     "period_amount": 8, "period_unit": "years",
     "legal_basis": "Legal obligation (Art. 6(1)(c)): commercial and tax record-keeping (HGB s. 257, AO s. 147)"},
]


def add_demo_policies(system_name: str, actor: dict[str, Any]) -> list[RetentionPolicy]:
    """Create the policies the Demo Shop lacks, dry-run each and enable it; commits."""
    known = set(db.session.scalars(select(RetentionPolicy.name)))
    added = []
    for options in POLICIES:
        if options["name"] in known:
            continue
        policy = create_policy(PolicyDraft(system=system_name, **options), actor)
        db.session.commit()
        run_policy(policy, actor, "setup", dry_run=True)
        enable_policy(policy, actor)
        db.session.commit()
        added.append(policy)
    return added
