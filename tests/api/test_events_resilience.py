"""Ingest while PostgreSQL drops connections: retrying clients lose and duplicate nothing."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from privacyhub.extensions import db
from tests.factories import event_payload
from tests.services import POSTGRES_URL

pytestmark = pytest.mark.postgres

CLIENTS, BATCHES, BATCH_SIZE = 4, 12, 50


@pytest.fixture
def backend() -> str:
    return "postgres"


@pytest.fixture
def live_url(app):
    """The app served over HTTP from a thread, as clients reach it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def post_until_stored(url: str, secret: str, batch: list[dict], answers: list[int]) -> None:
    """What a well-behaved client does: re-send the same batch until the hub says it is stored."""
    body = json.dumps({"events": batch}).encode()
    for _ in range(200):
        request = urllib.request.Request(f"{url}/v1/events", data=body, headers={
            "Authorization": f"Bearer {secret}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answers.append(response.status)
                return
        except urllib.error.HTTPError as error:
            answers.append(error.code)
            assert error.code == 503 and error.headers["Retry-After"], error.read()
        except (urllib.error.URLError, ConnectionError):
            answers.append(0)
        time.sleep(0.02)
    raise AssertionError("the batch was never stored")


def test_retrying_clients_store_each_event_exactly_once_while_connections_drop(app, make_api_key, live_url):
    secret = make_api_key("events:write")
    database = make_url(str(db.engine.url)).database
    batches = [[[event_payload(c * 10_000 + b * 100 + i) for i in range(BATCH_SIZE)] for b in range(BATCHES)]
               for c in range(CLIENTS)]
    done, dropped, answers = threading.Event(), [], []
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")

    def drop_connections() -> None:
        with admin.connect() as conn:
            while not done.is_set():
                dropped.extend(conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :db AND pid <> pg_backend_pid() AND state = 'active'"), {"db": database}).all())
                time.sleep(0.01)

    def client(own: list[list[dict]]) -> None:
        for batch in own:
            post_until_stored(live_url, secret, batch, answers)

    killer = threading.Thread(target=drop_connections)
    workers = [threading.Thread(target=client, args=(own,)) for own in batches]
    killer.start()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    done.set()
    killer.join(timeout=30)
    admin.dispose()

    assert dropped, "no connection was dropped: the test did not exercise anything"
    assert 503 in answers, "no request met a dropped connection"
    sent = sorted(event["id"] for own in batches for batch in own for event in batch)
    with db.engine.connect() as conn:
        stored = sorted(conn.execute(text("SELECT id FROM audit_events WHERE source = 'shop'")).scalars())
        queued = conn.execute(text("SELECT count(*) FROM audit_leaves JOIN audit_events USING (seq) "
                                   "WHERE source = 'shop'")).scalar()
        targets = conn.execute(text("SELECT count(*) FROM audit_event_targets t JOIN audit_events e "
                                    "ON e.id = t.event_id WHERE source = 'shop'")).scalar()
    assert stored == sent  # every event once: none lost, none twice
    assert queued == targets == len(sent)  # each also queued for sealing once, with its one target
