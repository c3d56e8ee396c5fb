"""``privacyhub retention list|run`` and the beat jobs: the daily run (schedule configurable), the hold sweep."""

from __future__ import annotations

import json

import pytest
from celery.schedules import crontab

from privacyhub import create_app
from tests.retention.shop import ids
from tests.retention_support import make_policy, place_hold


@pytest.fixture
def product_url(tmp_path):
    """The commands' behaviour needs only one product backend."""
    from tests.retention_support import app_database

    yield from app_database("sqlite", tmp_path)


def test_list_and_dry_run_then_run(runner, product, product_url):
    make_policy("old-orders")
    make_policy("old-sessions", collection="sessions", clock="started_at", enable=False)
    listed = runner.invoke(args=["retention", "list"]).output.splitlines()
    assert listed[0].split("\t")[:7] == ["old-orders", "app", "orders", "30 days", "from placed_at", "delete",
                                         "enabled"]
    assert listed[1].split("\t")[6] == "disabled"

    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    runs = [json.loads(line) for line in dry.output.splitlines()]
    assert [(r["policy"], r["dry_run"]) for r in runs] == [("old-orders", True), ("old-sessions", True)]
    assert len(ids(product_url, "sessions")) == 12

    real = runner.invoke(args=["retention", "run"])
    assert real.exit_code == 0, real.output
    [run] = [json.loads(line) for line in real.output.splitlines()]
    assert run["policy"] == "old-orders" and run["status"] == "completed" and not run["dry_run"]
    assert len(ids(product_url, "sessions")) == 12                           # disabled: not run

    refused = runner.invoke(args=["retention", "run", "--policy", "old-sessions"])
    assert refused.exit_code == 1 and "disabled" in refused.output
    assert runner.invoke(args=["retention", "run", "--policy", "nope"]).exit_code == 1


def test_beat_runs_enabled_policies(app, product, product_url):
    from tasks.retention import run_retention_policies

    make_policy("old-sessions", collection="sessions", clock="started_at")
    assert run_retention_policies() == {"old-sessions": "completed"}
    assert len(ids(product_url, "sessions")) < 12


def test_hold_sweep_reminds_and_resumes(app, product):
    from datetime import timedelta

    from privacyhub.models.types import utcnow
    from tasks.retention import sweep_legal_holds

    place_hold("collection", system="app", collection="orders", expires_at=utcnow() + timedelta(days=2))
    assert sweep_legal_holds() == {"reminded": 1, "resumed": 0}
    assert sweep_legal_holds() == {"reminded": 0, "resumed": 0}


def test_the_daily_schedule_is_configurable(app_config):
    app = create_app({**app_config, "PRIVACYHUB_RETENTION_SCHEDULE": "15 2 * * 1-5"})
    entry = app.config["CELERY_BEAT_SCHEDULE"]["retention-policies"]
    assert entry["task"] == "tasks.retention.run_retention_policies"
    assert entry["schedule"] == crontab(minute="15", hour="2", day_of_week="1-5")
    assert app.extensions["celery"].conf.beat_schedule["retention-policies"]["schedule"] == entry["schedule"]
    with pytest.raises(ValueError, match="five crontab fields"):
        create_app({**app_config, "PRIVACYHUB_RETENTION_SCHEDULE": "daily"})
