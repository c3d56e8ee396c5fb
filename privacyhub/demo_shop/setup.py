"""Creating the Demo Shop database, registering it, recording its processing activities and
adding its retention policies."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import create_engine, func, inspect, select

from privacyhub.demo_shop import schema
from privacyhub.demo_shop.retention import add_demo_policies
from privacyhub.demo_shop.seed import DEMO_EMAIL, seed
from privacyhub.extensions import db
from privacyhub.models import DataSystem, ProcessingActivity
from privacyhub.systems.catalogue import RegisterSystem

SYSTEM_NAME = "demo-shop"
ACTOR = {"type": "system", "id": "privacyhub", "name": "PrivacyHub (demo setup)"}
ACTIVITIES: list[dict[str, Any]] = [
    {"name": "Demo Shop: orders and delivery", "purpose": "Taking, paying for and delivering customers' orders",
     "legal_basis": "contract", "data_categories": ["user.name", "user.contact", "user.financial",
                                                     "user.behavior.purchase_history"],
     "subject_categories": ["customers"], "recipients": ["Parcel carrier", "Payment provider"],
     "retention": "Orders until the account is closed; invoices 8 years (tax law)", "source": "the customer"},
    {"name": "Demo Shop: customer support", "purpose": "Answering customers' questions and complaints",
     "legal_basis": "legitimate_interests", "legal_basis_detail": "Helping customers with their orders",
     "data_categories": ["user.contact.email", "user.content.private"], "subject_categories": ["customers"],
     "recipients": [], "retention": "2 years after the ticket is closed", "source": "the customer"},
    {"name": "Demo Shop: newsletter", "purpose": "Sending the newsletter to those who asked for it",
     "legal_basis": "consent", "data_categories": ["user.contact.email", "user.privacy_preferences"],
     "subject_categories": ["subscribers"], "recipients": ["E-mail delivery service (EU)"],
     "retention": "Until consent is withdrawn", "source": "the subscriber"},
    {"name": "Demo Shop: security logs", "purpose": "Keeping accounts safe and detecting abuse",
     "legal_basis": "legitimate_interests", "legal_basis_detail": "Security of the service",
     "data_categories": ["user.device.ip_address", "user.device"], "subject_categories": ["customers"],
     "recipients": [], "retention": "90 days", "source": "observed when the customer signs in"},
]


def dataset_yaml() -> str:
    """The Demo Shop's Fides dataset annotation."""
    return files("privacyhub.demo_shop").joinpath("dataset.yml").read_text()


def create_demo_database(url: str, customers: int = 300) -> dict[str, int]:
    """Create the tables and the demo rows at ``url`` unless they exist; returns counts of new rows."""
    engine = create_engine(url)
    try:
        if "users" in inspect(engine).get_table_names():
            return {}
        schema.metadata.create_all(engine)
        with engine.begin() as conn:
            return seed(conn, customers)
    finally:
        engine.dispose()


def default_url() -> str:
    return f"sqlite:///{Path(current_app.instance_path) / 'demo_shop.sqlite'}"


def register_demo_shop(url: str | None = None, customers: int = 300) -> str | None:
    """Create and register the Demo Shop once; returns a hint to show, or None when it exists."""
    if db.session.scalar(select(func.count()).select_from(DataSystem).where(DataSystem.name == SYSTEM_NAME)):
        return None
    url = url or default_url()
    create_demo_database(url, customers)
    RegisterSystem(name=SYSTEM_NAME, kind="sql", config={"url": url}, actor=ACTOR, dataset_yaml=dataset_yaml(),
                   description="Demo product database shipped with PrivacyHub").run()
    known = set(db.session.scalars(select(ProcessingActivity.name)))
    for activity in ACTIVITIES:
        if activity["name"] not in known:
            db.session.add(ProcessingActivity(systems=[SYSTEM_NAME], **activity))
    db.session.commit()
    add_demo_policies(SYSTEM_NAME, ACTOR)
    return f"registered at {url}; file a request for {DEMO_EMAIL} to watch it complete"
