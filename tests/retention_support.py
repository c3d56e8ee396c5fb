"""Builders shared by retention and legal-hold tests: the test app's database, policies, holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from privacyhub.extensions import db
from privacyhub.holds.register import PlaceHold
from privacyhub.models import DataSystem, LegalHold, RetentionPolicy
from privacyhub.retention.policies import PolicyDraft, create_policy, enable_policy
from privacyhub.retention.runner import run_policy
from tests.fulfilment.shop import DATASET as SHOP_DATASET
from tests.fulfilment.shop import create_shop
from tests.fulfilment_support import register_sql
from tests.product_databases import PRODUCT_BACKENDS, product_database
from tests.retention.shop import DATASET, NOW, create_app_database

OFFICER = {"type": "operator", "id": "7", "name": "officer@example.com"}


def app_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """The retention test app in a fresh product database of ``backend``."""
    with product_database(backend, tmp_path) as url:
        create_app_database(url)
        yield url


def register_app(url: str, name: str = "app") -> DataSystem:
    return register_sql(name, url, DATASET)


def make_policy(name: str = "old-orders", *, collection: str | None = "orders", clock: str = "placed_at",
                amount: int = 30, unit: str = "days", enable: bool = True, system: str = "app",
                **options: Any) -> RetentionPolicy:
    """A policy on the test app; enabled (after the dry run that allows it) unless told otherwise."""
    draft = PolicyDraft(name=name, system=system, period_amount=amount, period_unit=unit, clock_field=clock,
                        legal_basis=options.pop("legal_basis", "Kept 30 days for support questions"),
                        collection=collection, **options)
    policy = create_policy(draft, OFFICER)
    db.session.commit()
    if enable:
        run_policy(policy, OFFICER, "test", dry_run=True, now=NOW)
        enable_policy(policy, OFFICER)
        db.session.commit()
    return policy


def place_hold(scope: str, **options: Any) -> LegalHold:
    """A hold placed by the officer (committed), in force since a day before the tests' ``NOW``."""
    options.setdefault("starts_at", NOW - timedelta(days=1))
    options.setdefault("reason", "Litigation: Example v. Shop")
    options.setdefault("owner", "counsel@example.com")
    hold = PlaceHold(scope=scope, actor=OFFICER, **options).run()
    db.session.commit()
    return hold


@pytest.fixture
def backend() -> str:
    """The hub's own database stays on SQLite; the product databases vary."""
    return "sqlite"


@pytest.fixture(params=PRODUCT_BACKENDS)
def product_url(request, tmp_path):
    """The test app's database on every product backend."""
    yield from app_database(request.param, tmp_path)


@pytest.fixture
def product(app, product_url):
    """The test app registered as the system ``app``."""
    return register_app(product_url)


@pytest.fixture(params=["sqlite", "postgres"])
def shop_url(request, tmp_path):
    """The fulfilment tests' shop (the subject Ada and her rows) for erasure requests."""
    with product_database(request.param, tmp_path) as url:
        create_shop(url)
        yield url


@pytest.fixture
def shop(app, shop_url):
    return register_sql("shop", shop_url, SHOP_DATASET)
