"""The portal end to end in Chromium: file, open the link from the captured mail, see the status."""

import re
import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from privacyhub.extensions import db
from privacyhub.models import OutboxMessage, SubjectRequest
from tests.dsr_support import free_port, text_part
from tests.services import CHROMIUM, need_chromium

pytestmark = pytest.mark.browser
PORT = free_port()
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture
def app_config(app_config, smtp_server):  # noqa: F811
    return {**app_config, "PRIVACYHUB_SMTP_URL": smtp_server.url, "PRIVACYHUB_BASE_URL": f"http://127.0.0.1:{PORT}"}


@pytest.fixture
def live_server(app):
    """The app served over real HTTP from a thread, on its SQLite file database."""
    server = make_server("127.0.0.1", PORT, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{PORT}"
    server.shutdown()


@pytest.fixture
def page():
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(java_script_enabled=False)  # the portal must work without it
        yield context.new_page()
        browser.close()


def run_mail_worker():
    """What the Celery worker does after the commit: hand queued mail to the SMTP server."""
    from tasks.requests import deliver_mail

    db.session.expire_all()
    for message_id in db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "queued")):
        deliver_mail.apply(args=[message_id])


def test_file_verify_and_see_status_in_chromium(live_server, page, smtp_server, tmp_path):
    page.goto(f"{live_server}/privacy/")
    page.screenshot(path=str(tmp_path / "1-form.png"), full_page=True)
    page.get_by_label("Erasure (Art. 17)").check()
    page.get_by_label("Your e-mail address").fill("chromium.user@example.com")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url(f"{live_server}/privacy/sent")
    assert page.get_by_role("heading", name="Check your inbox").is_visible()
    page.screenshot(path=str(tmp_path / "2-sent.png"), full_page=True)

    run_mail_worker()
    [message] = smtp_server.messages
    assert message["To"] == "chromium.user@example.com"
    link = re.search(rf"{re.escape(live_server)}/privacy/verify/\S+", text_part(message)).group(0)

    page.goto(link)
    page.screenshot(path=str(tmp_path / "3-confirm.png"), full_page=True)
    page.get_by_role("button", name="Confirm my request").click()
    page.wait_for_url(re.compile(r".*/privacy/status/.*"))
    status = page.locator("#status")
    assert status.get_attribute("data-status") == "pending"
    assert "received, waiting to be processed" in status.inner_text()
    assert "Erasure (Art. 17)" in page.content()
    page.screenshot(path=str(tmp_path / "4-status.png"), full_page=True)

    db.session.expire_all()
    request = db.session.query(SubjectRequest).one()
    assert (request.status, request.type, request.channel) == ("pending", "erasure", "portal")
    assert all((tmp_path / name).stat().st_size > 0 for name in ("1-form.png", "4-status.png"))
