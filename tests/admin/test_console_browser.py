"""The console in real Chromium: sign in with password + TOTP, the dashboard chart, API keys, the explorer.

The app runs in a thread on a real port against an SQLite file, as it serves in
production; screenshots of each step land in the test's tmp dir.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pyotp
import pytest
from werkzeug.serving import make_server

from privacyhub import create_app
from privacyhub.commands.operators import add_operator
from tests.services import CHROMIUM, need_chromium

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PASSWORD = "browser tests choose this passphrase"
SCRIPT = "<script>document.title='pwned'</script>"


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def live_server(app_config):
    """The real app served over HTTP from a thread; yields its base URL and the admin's one-time password."""
    app = create_app({k: v for k, v in app_config.items() if k != "TESTING"})
    with app.app_context():
        password = add_operator("admin@example.com", "admin")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", password
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def page(tmp_path):
    """A Chromium page that collects script errors and CSP violations, and saves screenshots."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.problems = []
        page.on("console", lambda m: page.problems.append(f"{page.url}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: page.problems.append(str(e)))
        page.shot = lambda name: page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
        yield page
        browser.close()


def post_event(base: str, key: str, event: dict) -> int:
    request = urllib.request.Request(f"{base}/v1/events", data=json.dumps(event).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_operator_journey_in_chromium(live_server, page, tmp_path: Path):
    base, one_time_password = live_server

    # First sign-in with the one-time password: choose a password, then enrol TOTP from the QR page.
    page.goto(f"{base}/admin/")
    assert page.url.startswith(f"{base}/admin/account/login")
    page.fill("#email", "admin@example.com")
    page.fill("#password", one_time_password)
    page.click("#sign-in button[type=submit]")
    page.wait_for_url("**/admin/account/password")
    page.fill("#current", one_time_password)
    page.fill("#new", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("#change-password button[type=submit]")
    page.wait_for_url("**/admin/account/two-factor")
    assert page.locator("#totp-qr").evaluate("img => img.complete && img.naturalWidth > 0")
    page.shot("01-enrol-totp")
    totp = pyotp.TOTP(page.inner_text("#totp-secret").strip())
    page.fill("#code", totp.now())
    page.click("#enrol-totp button[type=submit]")
    page.wait_for_url(f"{base}/admin/")

    # Sign out, then sign in the everyday way: password, then a fresh TOTP code.
    page.click("text=Sign out")
    page.wait_for_url("**/admin/account/login")
    page.fill("#email", "admin@example.com")
    page.fill("#password", PASSWORD)
    page.click("#sign-in button[type=submit]")
    page.wait_for_url("**/admin/account/login/code**")
    page.shot("02-code-step")
    page.fill("#code", totp.at(time.time() + 30))  # the next step: the current one was used to enrol
    page.click("#sign-in-code button[type=submit]")
    page.wait_for_url(f"{base}/admin/")

    # The dashboard and its chart.
    chart = page.locator("svg#events-per-hour")
    chart.wait_for(state="visible")
    assert chart.locator("rect.bar").count() == 7 * 24
    assert chart.bounding_box()["width"] > 600
    assert "operator.login" in page.inner_text("#actions-table")
    page.shot("03-dashboard")

    # Create an API key; its secret is shown once.
    page.click("a.nav-link:has-text('API keys')")
    page.click("a:has-text('Create')")
    page.fill("#name", "browser-shop")
    page.check("input[value='events:write']")
    page.check("input[value='events:read']")
    page.click("#new-api-key button[type=submit]")
    secret = page.inner_text("#shown-once").strip()
    assert secret.startswith("phk_")
    page.shot("04-api-key-shown-once")

    # A product service posts an event with that key; the explorer finds it and shows it inert.
    event_id = str(uuid.uuid4())
    assert post_event(base, secret, {"id": event_id, "action": "order.paid", "actor": {"type": "user", "id": "u-7"},
                                     "metadata": {"note": SCRIPT}}) == 201
    page.click("a.nav-link:has-text('Audit events')")
    page.fill("#action", "order.paid")
    page.click("#event-search button[type=submit]")
    row = page.locator(f"tr[data-event-id='{event_id}']")
    row.wait_for(state="visible")
    row.locator("summary").click()
    assert SCRIPT in row.locator("pre.event-json").inner_text()
    assert page.title() != "pwned"
    page.shot("05-explorer")

    # Revoke the key (accepting the confirmation); the service is refused from then on.
    page.click("a.nav-link:has-text('API keys')")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("tr", has_text="browser-shop").locator("button:has-text('Revoke')").click()
    page.wait_for_selector("text=is revoked")
    page.shot("06-api-key-revoked")
    assert post_event(base, secret, {"id": str(uuid.uuid4()), "action": "order.paid",
                                     "actor": {"type": "user", "id": "u-7"}}) == 401

    # Flask-Admin's list pages (search, the javascript: tab links) work under the CSP too.
    page.click("a.nav-link:has-text('Operators')")
    page.wait_for_url("**/admin/operators/")  # loaded: console.js, cancelling javascript: links, has run
    page.click("a.nav-link.active:has-text('List')")
    page.fill("input[name=search]", "admin@")
    page.press("input[name=search]", "Enter")
    page.wait_for_url("**/admin/operators/?search=admin*")
    assert page.locator("td:has-text('admin@example.com')").count() == 1
    page.shot("07-operators")

    assert page.problems == [], page.problems  # no CSP violations, no script errors
    assert len(list(tmp_path.glob("*.png"))) == 7
