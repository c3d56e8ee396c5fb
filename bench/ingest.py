"""How fast audit events get in through the HTTP API, against the database's bulk-load floor.

Prints one JSON line per figure (``name``, ``value``, ``unit``; compared figures add
``baseline_name``, ``baseline_value``, ``ratio`` = value / baseline):

- ``ingest_http_batch`` (events/s): ``POST /v1/events`` with batches of ``--batch`` events
  (tests/factories.py payloads) to gunicorn (``--workers`` gthread workers, 2 as ``make run``
  starts) over one keep-alive connection; bodies encoded beforehand; median of
  ``--repeats`` after a warm-up batch.
- ``ingest_http_batch_concurrent`` (events/s): the same, from ``--clients`` connections at
  once, as several product services post; compared with the same one-connection floor.
- baseline ``ingest_raw_copy`` (PostgreSQL ``COPY``) / ``ingest_raw_executemany`` (SQLite):
  rows made by ``privacyhub.audit.ingest.build_row`` and SQLAlchemy's bind processors
  (so the stored bytes match), loaded into ``audit_events`` and ``audit_event_targets``
  (the API fills both), one transaction per batch; only the load is timed. HTTP and raw
  batches alternate, so both see the same table sizes and the same load on the machine.
  The tables are ANALYZEd after the warm-up: without statistics PostgreSQL may plan the
  ingest's de-duplicating ``id IN (...)`` probe as a sequential scan.
- ``ingest_single_post_p99`` (ms): sequential single-event POSTs, against their p50.

With ``--seal`` it measures instead whether sealing slows ingest down
(``bench/seal_ingest.py``): ``ingest_http_batch_while_sealing`` against
``ingest_http_batch_no_sealer``, ``--clients`` connections, a sealer every ``--seal-every`` s.

Run ``.venv/bin/python bench/ingest.py`` (fresh SQLite file in a temp dir), or add
``--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres --create-database``
to work in a throw-away PostgreSQL database that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import queue
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import gunicorn
from harness import ROOT, add_database_arguments, emit, run_with_database
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from privacyhub import create_app
from privacyhub.audit.ingest import build_row, content_digest
from privacyhub.audit.schemas import EventIn
from privacyhub.commands.setup import create_api_key, migrate_database
from privacyhub.crypto import keyring
from privacyhub.extensions import db
from privacyhub.models import AuditEvent, AuditEventTarget
from privacyhub.models.types import utcnow
from tests.factories import event_payload

SOURCE = "bench"
Table = tuple[str, list[str], list[tuple[Any, ...]]]


def start_gunicorn(env: dict[str, str], log: Path, workers: int = 1) -> tuple[subprocess.Popen[bytes], int]:
    """The app under gunicorn, as deployed; returns once it answers ``/healthz``."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
             "--worker-class", "gthread", "--threads", "4", "--keep-alive", "300",
             *(["--no-control-socket"] if gunicorn.version_info >= (27,) else []),
             "privacyhub:create_app({'RATELIMIT_ENABLED': False})"],
            cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not answer within 60 s")


class Client:
    """One keep-alive connection that posts pre-encoded bodies and checks they were stored."""

    def __init__(self, port: int, secret: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}

    def post(self, body: bytes, expect_accepted: int) -> float:
        """Seconds until the answer is in."""
        started = time.perf_counter()
        self.conn.request("POST", "/v1/events", body=body, headers=self.headers)
        response = self.conn.getresponse()
        answer = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 201 or json.loads(answer)["accepted"] != expect_accepted:
            raise RuntimeError(f"ingest failed: {response.status} {answer[:500]!r}")
        return elapsed


def concurrent_round(port: int, secret: str, args: argparse.Namespace, serial: itertools.count) -> float:
    """Events/s for ``--events`` events posted by ``--clients`` connections (bodies encoded beforehand)."""
    bodies = queue.SimpleQueue()
    for start in range(0, args.events, args.batch):
        size = min(args.batch, args.events - start)
        bodies.put((json.dumps({"events": [event_payload(next(serial)) for _ in range(size)]}).encode(), size))

    def client() -> None:
        conn = Client(port, secret)
        while True:
            try:
                body, size = bodies.get_nowait()
            except queue.Empty:
                return
            conn.post(body, size)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return args.events / (time.monotonic() - started)


def driver_rows(model: Any, dialect: Any, rows: list[dict[str, Any]]) -> Table:
    """(table, column names, rows) as SQLAlchemy hands them to the driver: same types, same bytes."""
    columns = {attr.key: attr.columns[0] for attr in inspect(model).column_attrs if attr.key in rows[0]}
    procs = {key: c.type.dialect_impl(dialect).bind_processor(dialect) for key, c in columns.items()}
    data = [tuple(procs[k](r[k]) if procs[k] else r[k] for k in columns) for r in rows]
    return model.__tablename__, [c.name for c in columns.values()], data


def raw_batch(app: Any, payloads: list[dict[str, Any]]) -> tuple[Table, Table]:
    """The event rows and target rows for one batch, built as the ingest path builds them."""
    with app.app_context():
        ring, dialect, received_at = keyring(), db.engine.dialect, utcnow()
        events = [EventIn.model_validate(p) for p in payloads]
        rows = [build_row(ring, e, SOURCE, received_at, content_digest(ring, e)) for e in events]
        targets = [{"event_id": str(e.id), "target_type": t.type, "target_id": t.id}
                   for e in events for t in e.targets]
        db.session.commit()  # whatever building the rows stored alongside (subject keys), as ingest does
        return driver_rows(AuditEvent, dialect, rows), driver_rows(AuditEventTarget, dialect, targets)


class RawLoader:
    """The database's own bulk path on one open connection: COPY or executemany."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self.postgres = url.get_backend_name() == "postgresql"
        self.name = "ingest_raw_copy" if self.postgres else "ingest_raw_executemany"
        if self.postgres:
            import psycopg

            self.conn: Any = psycopg.connect(url.set(drivername="postgresql").render_as_string(False))
        else:
            import sqlite3

            self.conn = sqlite3.connect(url.database or "", isolation_level=None, timeout=30)
            self.conn.execute("PRAGMA foreign_keys=ON")  # as on the app's connections

    def analyze(self) -> None:
        """Fresh planner statistics, as autovacuum would keep them (test servers may run without)."""
        self.conn.execute("ANALYZE")
        self.conn.commit()

    def load(self, tables: tuple[Table, ...]) -> float:
        """Seconds to store one batch in one transaction."""
        started = time.perf_counter()
        if self.postgres:
            with self.conn.cursor() as cur:
                for table, cols, data in tables:
                    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in data:
                            copy.write_row(row)
            self.conn.commit()
        else:
            self.conn.execute("BEGIN")
            for table, cols, data in tables:
                marks = ", ".join("?" * len(cols))
                self.conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", data)
            self.conn.execute("COMMIT")
        return time.perf_counter() - started


def run(database_url: str, args: argparse.Namespace, tmp: Path) -> None:
    """Migrate, start the server, then time HTTP and raw batches in alternation."""
    env = {"PRIVACYHUB_INSTANCE_PATH": str(tmp / "instance"), "PRIVACYHUB_DATABASE_URL": database_url,
           "PRIVACYHUB_BROKER_URL": "memory://", "PRIVACYHUB_RESULT_BACKEND": "cache+memory://"}
    app = create_app({**env, "RATELIMIT_ENABLED": False})
    with app.app_context():
        migrate_database()
        secret = create_api_key(SOURCE, ["events:write"])
        db.session.remove()
        db.engine.dispose()
    proc, port = start_gunicorn(env, tmp / "gunicorn.log", args.workers)
    client, raw, serial = Client(port, secret), RawLoader(database_url), itertools.count()
    try:
        http_rates, raw_rates, concurrent_rates = [], [], []
        for repeat in range(args.repeats + 1):  # round 0 is one warm-up batch, not counted
            sizes = [min(args.batch, args.events - s) for s in range(0, args.events, args.batch)]
            http_seconds = raw_seconds = 0.0
            for n in sizes if repeat else [args.batch]:
                body = json.dumps({"events": [event_payload(next(serial)) for _ in range(n)]}).encode()
                tables = raw_batch(app, [event_payload(next(serial)) for _ in range(n)])
                http_seconds += client.post(body, n)
                raw_seconds += raw.load(tables)
            if not repeat:
                raw.analyze()
            else:
                http_rates.append(args.events / http_seconds)
                raw_rates.append(args.events / raw_seconds)
                concurrent_rates.append(concurrent_round(port, secret, args, serial))
        floor = statistics.median(raw_rates)
        emit(raw.name, floor, "events/s")
        emit("ingest_http_batch", statistics.median(http_rates), "events/s", (raw.name, floor))
        emit("ingest_http_batch_concurrent", statistics.median(concurrent_rates), "events/s", (raw.name, floor))
        latencies = [client.post(json.dumps(event_payload(next(serial))).encode(), 1) * 1000
                     for _ in range(args.singles + 20)][20:]
        cuts = statistics.quantiles(latencies, n=100)
        emit("ingest_single_post_p99", cuts[98], "ms", ("ingest_single_post_p50", cuts[49]))
    finally:
        raw.conn.close()
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_database_arguments(parser)
    parser.add_argument("--events", type=int, default=10_000, help="events per measured repeat")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--singles", type=int, default=300, help="single-event POSTs for the latency figure")
    parser.add_argument("--seal", action="store_true", help="instead: ingest with and without a sealer running")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (make run starts 2)")
    parser.add_argument("--clients", type=int, default=4, help="connections for the concurrent figure and --seal")
    parser.add_argument("--seal-every", type=float, default=1.0, help="with --seal: seconds between sealing runs")
    args = parser.parse_args()
    runner = run
    if args.seal:
        from seal_ingest import run as runner
    run_with_database(args, runner)


if __name__ == "__main__":
    main()
