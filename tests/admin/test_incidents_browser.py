"""An incident end to end in Chromium: open it, watch the countdown, fill the record, draft the
authority's notification, mark it sent and export the breach register.

The live server, the Chromium page (screenshots, CSP-violation capture) and the operator
fixtures are the console's own, shared with its journey test.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from privacyhub.localtime import to_local
from privacyhub.models.types import utcnow
from tests.admin.test_console_browser import live_server, page  # noqa: F401

pytestmark = pytest.mark.browser
BERLIN = ZoneInfo("Europe/Berlin")
COUNTDOWN = re.compile(r"^\d+ h \d\d min left$")


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PRIVACYHUB_TIMEZONE": BERLIN.key}


def sign_in(page, base: str, operator) -> None:  # noqa: F811 (page is the fixture's value here)
    """Password, then a fresh TOTP code, as every operator signs in."""
    page.goto(f"{base}/admin/")
    page.fill("#email", operator.email)
    page.fill("#password", operator.password)
    page.click("#sign-in button[type=submit]")
    page.wait_for_url("**/admin/account/login/code**")
    page.fill("#code", operator.code())
    page.click("#sign-in-code button[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def test_incident_flow_in_chromium(live_server, page, make_operator, tmp_path: Path):  # noqa: F811
    base, _ = live_server
    officer = make_operator("compliance", email="officer@example.com", totp=True)
    sign_in(page, base, officer)

    # Open an incident: aware five hours ago, Berlin time.
    page.click("a.nav-link:has-text('Incidents')")
    page.click("#new-incident")
    aware_local = to_local(utcnow() - timedelta(hours=5), BERLIN)
    page.fill("#title", "Customer export left on a public share")
    page.fill("#aware_at", aware_local.strftime("%Y-%m-%dT%H:%M"))
    page.check("input[name=nature][value=confidentiality]")
    page.shot("01-open")
    page.click("#save-incident")
    page.wait_for_selector("#countdown")

    # The countdown runs: about 67 hours left, and the dashboard shows it too.
    countdown = page.inner_text("#countdown").strip()
    assert COUNTDOWN.match(countdown) and countdown.startswith(("66 h", "67 h")), countdown
    assert "CE" in page.inner_text("#deadline")  # shown in Berlin time (CET/CEST)
    page.shot("02-countdown")
    incident_url = page.url
    page.goto(f"{base}/admin/")
    clocks = page.locator("#incident-clocks")
    assert "Customer export left on a public share" in clocks.inner_text()
    assert COUNTDOWN.match(clocks.locator(".incident-clock").inner_text().strip())
    page.shot("03-dashboard-clock")

    # Fill the record.
    page.goto(incident_url)
    page.click("#edit-incident")
    page.fill("#description", "A CSV export of 2,300 customers was on a share readable by anyone with the link.")
    page.fill("#discovery", "Found by the IT team during an access review.")
    page.select_option("#data_categories", ["user.contact.email", "user.name", "user.health_and_medical"])
    page.select_option("#subject_categories", ["customer"])
    page.fill("#subjects_min", "2300")
    page.fill("#subjects_max", "2300")
    page.fill("#records_min", "2300")
    page.fill("#records_max", "2300")
    page.fill("#consequences", "Phishing; disclosure of health information.")
    page.fill("#measures_taken", "Share removed; access logs reviewed: 3 downloads.")
    page.fill("#measures_proposed", "Customers warned about phishing.")
    page.fill("#contact_point", "Dana Schmidt, DPO, dpo@example.com")
    page.select_option("#risk", "high_risk")
    page.fill("#risk_rationale", "Health data, downloaded by unknown parties.")
    page.select_option("#authority_decision", "notify")
    page.select_option("#subjects_decision", "notify")
    page.shot("04-record")
    page.click("#save-incident")
    page.wait_for_selector("#special-flag")

    # Generate the authority's draft: every Art. 33(3) element comes from the record.
    page.select_option("#audience", "authority")
    page.select_option("#phase", "initial")
    page.click("#generate-draft")
    page.wait_for_selector("#draft-form")
    assert page.input_value("#contact_point") == "Dana Schmidt, DPO, dpo@example.com"
    assert "about 2,300" in page.input_value("#subjects_concerned")
    assert "special categories of personal data (Art. 9)" in page.input_value("#records_concerned")
    assert "Share removed" in page.input_value("#measures")
    page.shot("05-draft")
    draft_url = page.url
    page.goto(base + page.locator("#print-link").get_attribute("href"))
    assert "Art. 33(3)(d)" in page.content() and "DRAFT" in page.content()
    page.shot("06-printable")
    page.goto(draft_url)

    # Mark it sent: date (prefilled now), channel, reference.
    page.fill("#channel", "Authority online form")
    page.fill("#reference", "DPA-2026-0815")
    page.click("#mark-sent")
    page.wait_for_url(incident_url)
    assert page.inner_text("#incident-status") == "notified"
    assert "authority notified" in page.inner_text("#countdown") and "in time" in page.inner_text("#countdown")
    assert "DPA-2026-0815" in page.inner_text("#notifications-table")
    page.shot("07-sent")

    # Export the register and read it back.
    page.click("a:has-text('All incidents')")
    with page.expect_download() as download:
        page.click("#register-xlsx")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    register = pd.read_excel(path)
    assert list(register["title"]) == ["Customer export left on a public share"]
    assert register["authority_reference"][0] == "DPA-2026-0815" and not register["deadline_missed"][0]
    page.shot("08-register")

    assert page.problems == [], page.problems  # no CSP violations, no script errors
    assert len(list(tmp_path.glob("*.png"))) == 8
