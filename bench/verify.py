"""How fast ``privacyhub audit verify`` checks the log, against plain SHA-256 of the same bytes.

Prints one JSON line per figure (``name``, ``value``, ``unit``; compared figures add
``baseline_name``, ``baseline_value``, ``ratio`` = value / baseline):

- ``audit_seal`` (events/s): one sealing run over the whole log (leaf indices, tree
  nodes, checkpoints every 100,000 leaves).
- ``audit_verify`` (events/s): ``verify_log()`` over every leaf, as ``privacyhub audit
  verify`` runs it (worker processes, one per CPU, read and hash the rows): read each row back,
  re-encode it (RFC 8785), re-hash it, compare with the stored leaf, rebuild the tree,
  compare every interior node and every checkpoint root, check every signature.
- ``audit_verify_one_process`` (events/s): the same in a single process (``--jobs 1``).
- baseline ``sha256_canonical_bytes`` (events/s): ``hashlib.sha256`` over the very
  same canonical record bytes, in the same run (the bytes are produced untimed).

The log (default 1,000,000 events, tests/factories.py payloads) is built through the
ingest code path (``build_row``: personal fields sealed under subject keys, leaf hash
computed) and bulk-inserted, then sealed. Run ``.venv/bin/python bench/verify.py``
(fresh SQLite file in a temp dir), or add ``--database-url
postgresql+psycopg://postgres@127.0.0.1:5432/postgres --create-database`` to work in a
throw-away PostgreSQL database.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

from harness import add_database_arguments, emit, run_with_database
from sqlalchemy import insert, select, text

from privacyhub import create_app
from privacyhub.audit.ingest import build_row, content_digest, event_key_owner
from privacyhub.audit.personal import SealingKeys
from privacyhub.audit.record import RECORD_COLUMNS, canonical_json, stored_record
from privacyhub.audit.schemas import EventIn
from privacyhub.audit.sealer import SealPolicy, seal_pending_events
from privacyhub.audit.verify import verify_log
from privacyhub.commands.setup import migrate_database
from privacyhub.crypto import keyring
from privacyhub.extensions import db
from privacyhub.models import AuditEvent, AuditEventTarget, AuditLeaf
from privacyhub.models.types import utcnow
from tests.factories import event_payload

BATCH = 5000


def populate(total: int) -> None:
    """``total`` events stored as ingest stores them, in batches of ``BATCH``."""
    ring = keyring()
    for start in range(0, total, BATCH):
        events = [EventIn.model_validate(event_payload(n)) for n in range(start, min(total, start + BATCH))]
        keys = SealingKeys(ring, {owner for owner in map(event_key_owner, events) if owner})
        received_at = utcnow()
        rows = [build_row(ring, e, "bench", received_at, content_digest(ring, e), keys) for e in events]
        db.session.execute(insert(AuditEvent), rows)
        db.session.execute(insert(AuditEventTarget), [
            {"event_id": str(e.id), "target_type": t.type, "target_id": t.id} for e in events for t in e.targets])
        db.session.execute(insert(AuditLeaf).from_select(["seq"], select(AuditEvent.seq).where(
            AuditEvent.id.in_([row["id"] for row in rows]))))
        db.session.commit()
        db.session.expunge_all()


def sha256_baseline(total: int) -> float:
    """Seconds for ``hashlib.sha256`` over every leaf's canonical bytes (produced outside the timing)."""
    columns = [getattr(AuditEvent, name) for name in RECORD_COLUMNS]
    seconds = 0.0
    for start in range(0, total, 50_000):
        chunk = [b"\x00" + canonical_json(stored_record(row._mapping)) for row in db.session.execute(
            select(*columns).join(AuditLeaf, AuditLeaf.seq == AuditEvent.seq)
            .where(AuditLeaf.leaf_index >= start, AuditLeaf.leaf_index < start + 50_000))]
        sha256 = hashlib.sha256
        started = time.perf_counter()
        for data in chunk:
            sha256(data).digest()
        seconds += time.perf_counter() - started
    db.session.rollback()
    return seconds


def run(database_url: str, args: argparse.Namespace, tmp: Path) -> None:
    app = create_app({"PRIVACYHUB_INSTANCE_PATH": str(tmp / "instance"), "PRIVACYHUB_DATABASE_URL": database_url,
                      "PRIVACYHUB_BROKER_URL": "memory://", "PRIVACYHUB_RESULT_BACKEND": "cache+memory://"})
    with app.app_context():
        migrate_database()
        started = time.perf_counter()
        populate(args.events)
        print(f"# built {args.events} events in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        started = time.perf_counter()
        outcome = seal_pending_events(SealPolicy(batch=50_000, checkpoint_events=100_000, checkpoint_seconds=10**6),
                                      force_checkpoint=True)
        seal_seconds = time.perf_counter() - started
        assert outcome.tree_size == args.events, outcome
        emit("audit_seal", args.events / seal_seconds, "events/s")
        db.session.remove()

        rates = {}
        for name, jobs in (("audit_verify", None), ("audit_verify_one_process", 1)):
            started = time.perf_counter()
            report = verify_log(jobs=jobs)
            rates[name] = args.events / (time.perf_counter() - started)
            if not report.ok or report.leaves_checked != args.events:
                raise RuntimeError(f"verification failed: {report.summary()}")
            db.session.remove()
        baseline = args.events / sha256_baseline(args.events)
        for name, rate in rates.items():
            emit(name, rate, "events/s", ("sha256_canonical_bytes", baseline))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_database_arguments(parser)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    run_with_database(args, run)


if __name__ == "__main__":
    main()
