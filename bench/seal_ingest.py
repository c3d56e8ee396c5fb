"""Does sealing slow ingest down? API ingest throughput with and without a sealer running.

Prints JSON lines like ``bench/ingest.py`` (whose server and client it reuses):

- ``ingest_http_batch_while_sealing`` (events/s), baseline ``ingest_http_batch_no_sealer``:
  ``--clients`` keep-alive connections POST ``--events`` events in batches of ``--batch``
  to gunicorn (bodies encoded beforehand); in the "while sealing" rounds a separate process runs the sealer every
  ``--seal-every`` seconds, as beat does. Rounds alternate (no sealer, sealer, ...) and the
  medians of ``--repeats`` rounds are compared; before each round the log is sealed to the
  end, untimed, so both start from the same state. The ratio should stay >= 0.9.
- ``seal_lag_after_round`` (events): events still unsealed when a sealing round ends.

Run ``.venv/bin/python bench/ingest.py --seal`` (same options) or ``.venv/bin/python bench/seal_ingest.py --database-url
postgresql+psycopg://postgres@127.0.0.1:5432/postgres --create-database`` (the production
shape; on SQLite every writer queues for one lock, so sealing there shares it with ingest).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness import ROOT, add_database_arguments, emit, run_with_database
from ingest import concurrent_round, start_gunicorn
from sqlalchemy import func, select

from privacyhub import create_app
from privacyhub.audit.sealer import SealPolicy, seal_pending_events
from privacyhub.commands.setup import create_api_key, migrate_database
from privacyhub.extensions import db
from privacyhub.models import AuditLeaf

SEALER = """
import sys, time
from privacyhub import create_app
from privacyhub.audit.sealer import seal_pending_events
app = create_app({"RATELIMIT_ENABLED": False})
with app.app_context():
    print("ready", flush=True)
    while True:
        seal_pending_events()
        time.sleep(float(sys.argv[1]))
"""


def unsealed() -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(AuditLeaf).where(AuditLeaf.leaf_index.is_(None))))


def run(database_url: str, args: argparse.Namespace, tmp: Path) -> None:
    env = {"PRIVACYHUB_INSTANCE_PATH": str(tmp / "instance"), "PRIVACYHUB_DATABASE_URL": database_url,
           "PRIVACYHUB_BROKER_URL": "memory://", "PRIVACYHUB_RESULT_BACKEND": "cache+memory://"}
    app = create_app({**env, "RATELIMIT_ENABLED": False})
    with app.app_context():
        migrate_database()
        secret = create_api_key("bench", ["events:write"])
    proc, port = start_gunicorn(env, tmp / "gunicorn.log")
    serial = itertools.count()
    plain, sealing, lags = [], [], []
    try:
        with app.app_context():
            concurrent_round(port, secret, argparse.Namespace(**{**vars(args), "events": 5 * args.batch}), serial)
            for _ in range(args.repeats):
                for with_sealer in (False, True):
                    seal_pending_events(SealPolicy(batch=50_000))
                    db.session.remove()
                    sealer = None
                    if with_sealer:
                        sealer = subprocess.Popen([sys.executable, "-c", SEALER, str(args.seal_every)], cwd=ROOT,
                                                  env={**os.environ, **env}, stdout=subprocess.PIPE, text=True)
                        assert sealer.stdout is not None and sealer.stdout.readline().strip() == "ready"
                    try:
                        rate = concurrent_round(port, secret, args, serial)
                    finally:
                        if sealer is not None:
                            time.sleep(args.seal_every)
                            lags.append(unsealed())
                            sealer.terminate()
                            sealer.wait(timeout=30)
                    (sealing if with_sealer else plain).append(rate)
        baseline = statistics.median(plain)
        emit("ingest_http_batch_no_sealer", baseline, "events/s")
        emit("ingest_http_batch_while_sealing", statistics.median(sealing), "events/s",
             ("ingest_http_batch_no_sealer", baseline))
        emit("seal_lag_after_round", statistics.median(lags), "events")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_database_arguments(parser)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--events", type=int, default=50_000, help="events per round")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seal-every", type=float, default=1.0, help="seconds between sealing runs")
    args = parser.parse_args()
    run_with_database(args, run)


if __name__ == "__main__":
    main()
