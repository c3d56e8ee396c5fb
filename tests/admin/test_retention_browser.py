"""A retention policy end to end in Chromium: create it, look at its dry run (and its CSV), enable it from
there, run it and read the run record.

The live server, the Chromium page (screenshots, CSP-violation capture) and the operator fixtures
are the console's own.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.admin.test_console_browser import live_server, page  # noqa: F401
from tests.admin.test_incidents_browser import sign_in
from tests.retention.shop import create_app_database, ids
from tests.retention_support import register_app

pytestmark = pytest.mark.browser


@pytest.fixture
def backend():
    return "sqlite"


def test_retention_policy_flow_in_chromium(app, live_server, page, make_operator, tmp_path: Path):  # noqa: F811
    base, _ = live_server
    product_url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    create_app_database(product_url)
    register_app(product_url)
    officer = make_operator("compliance", email="officer@example.com", totp=True)
    sign_in(page, base, officer)
    page.on("dialog", lambda dialog: dialog.accept())        # "Delete or mask the due rows now?"

    # Create the policy: sessions, 30 days from started_at, delete.
    page.click("a.nav-link:has-text('Retention')")
    page.click("#new-policy")
    page.fill("#name", "old-sessions")
    page.select_option("#system", "app")
    page.fill("#collection", "sessions")
    page.fill("#period_amount", "30")
    page.select_option("#period_unit", "days")
    page.fill("#clock_field", "started_at")
    page.select_option("#action", "delete")
    page.fill("#legal_basis", "Security logs are kept 30 days (legitimate interests)")
    page.shot("01-new-policy")
    page.click("#save-policy")
    page.wait_for_selector("#policy-state")
    assert page.inner_text("#policy-state") == "disabled"
    assert page.locator("button:has-text('Run now')").count() == 0
    page.shot("02-policy-disabled")

    # Its dry run: what would go, per collection, with the first keys; nothing changes.
    page.click("button:has-text('Dry run')")
    page.wait_for_selector("#run-counts")
    assert "Nothing was changed" in page.content()
    would_go = int(page.inner_text("#run-counts .count-deleted"))
    assert would_go == 12 and len(ids(product_url, "sessions")) == 12
    assert "1000" in page.inner_text("#run-counts")
    with page.expect_download() as download:
        page.click("#download-csv")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    table = pd.read_csv(path)
    assert table.to_dict("records")[0] | {"first_keys": None, "cutoff": None} == {
        "policy": "old-sessions", "run": 1, "dry_run": True, "cutoff": None, "collection": "sessions",
        "deleted": 12, "masked": 0, "retained": 0, "shared": 0, "held": 0, "first_keys": None}
    page.shot("03-dry-run")

    # Enable it from the dry run's page, then run it.
    page.click("button:has-text('Enable this policy')")
    page.wait_for_selector("#policy-state")
    assert page.inner_text("#policy-state") == "enabled"
    page.shot("04-enabled")
    page.click("button:has-text('Run now')")
    page.wait_for_selector("#run-status")
    assert page.inner_text("#run-status") == "completed"
    assert page.inner_text("#run-title").startswith("Run 2 of old-sessions")
    assert int(page.inner_text("#run-counts .count-deleted")) == would_go
    assert ids(product_url, "sessions") == []
    page.shot("05-run-record")

    # The run record is listed with the policy and on the overview.
    page.click("a:has-text('old-sessions')")
    runs = page.inner_text("#runs-table")
    assert "completed" in runs and "console (officer@example.com)" in runs
    page.click("a:has-text('Retention policies')")
    assert "run 2: completed" in page.inner_text("#policies-table")
    page.shot("06-overview")

    assert page.problems == [], page.problems  # no CSP violations, no script errors
    assert len(list(tmp_path.glob("*.png"))) == 6
