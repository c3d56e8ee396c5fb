"""The Demo Shop end to end: registered on first start, an access request downloads, an erasure keeps invoices."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import create_engine, func, select, text

from privacyhub.demo_shop.seed import DEMO_EMAIL
from privacyhub.demo_shop.setup import SYSTEM_NAME, register_demo_shop
from privacyhub.extensions import db
from privacyhub.models import DataSystem, ProcessingActivity
from tests.fulfilment_support import file_request


def demo_url(app) -> str:
    return f"sqlite:///{app.instance_path}/demo_shop.sqlite"


def count(url: str, sql: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar()
    engine.dispose()
    return int(value or 0)


def test_first_start_registers_the_demo_shop_once(app):
    from privacyhub.commands.dev import first_start

    shown = dict(first_start())
    assert DEMO_EMAIL in shown["Demo Shop"]
    assert "Demo Shop" not in dict(first_start())
    assert db.session.scalar(select(func.count()).select_from(DataSystem)) == 1
    assert db.session.scalar(select(func.count()).select_from(ProcessingActivity)) == 4
    url = demo_url(app)
    assert count(url, "SELECT count(*) FROM users") == 300
    assert count(url, "SELECT count(*) FROM (SELECT default_address_id FROM users GROUP BY default_address_id "
                      "HAVING count(*) > 1) AS shared") >= 10


def test_demo_requests_complete_end_to_end(app, client, runner, make_api_key):
    assert register_demo_shop()
    key = make_api_key("requests:write", "requests:read")
    headers = {"Authorization": f"Bearer {key}"}
    url = demo_url(app)
    invoices_before = count(url, f"SELECT count(*) FROM invoices WHERE billing_email = '{DEMO_EMAIL}'")
    assert invoices_before >= 1

    access = file_request(client, key, "access", {"email": DEMO_EMAIL})
    assert json.loads(runner.invoke(args=["requests", "process", access]).output)["status"] == "completed"
    link = client.get(f"/v1/requests/{access}", headers=headers).get_json()["results_url"]
    archive = zipfile.ZipFile(io.BytesIO(client.get(link[link.index("/v1/"):]).data))
    data = json.loads(archive.read("data.json"))["systems"][SYSTEM_NAME]
    assert [u["email"] for u in data["users"]] == [DEMO_EMAIL]
    assert "password_hash" not in data["users"][0]
    assert len(data["invoices"]) == invoices_before
    assert "Parcel carrier" in archive.read("summary.html").decode()

    erasure = file_request(client, key, "erasure", {"email": DEMO_EMAIL})
    outcome = json.loads(runner.invoke(args=["requests", "process", erasure]).output)
    assert outcome["status"] == "completed"
    report = outcome["systems"][SYSTEM_NAME]
    assert report["users"]["deleted"] == 1
    assert report["invoices"]["retained"] == invoices_before
    assert "HGB" in report["invoices"]["legal_basis"]
    assert count(url, f"SELECT count(*) FROM users WHERE email = '{DEMO_EMAIL}'") == 0
    assert count(url, "SELECT count(*) FROM orders WHERE user_id = 1") == 0
    assert count(url, "SELECT count(*) FROM sessions WHERE user_id = 1") == 0
    assert count(url, f"SELECT count(*) FROM invoices WHERE billing_email = '{DEMO_EMAIL}'") == invoices_before
    assert count(url, "SELECT count(*) FROM users") == 299
