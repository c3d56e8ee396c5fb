"""Carrying a policy's run through its batches: bounded memory, small transactions, resumable, audited.

A run fixes its cutoff when it starts and saves its cursor (target, last key) with its
counts after every batch, in the hub's own transaction right after the batch's product
transaction commits. A run stopped by an error or a crash resumes from that cursor with
the same cutoff, so it ends in the state one uninterrupted run would have reached.

A dry run does exactly what a run does, batch after batch, inside one product transaction
that is rolled back at the end: its counts are the run's counts (rows two due parents
share included), and nothing changes.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from privacyhub.audit.ingest import record_hub_event
from privacyhub.crypto import keyring
from privacyhub.dispatch import send_after_commit
from privacyhub.errors import Conflict
from privacyhub.extensions import db
from privacyhub.fulfilment.jobs import describe_error
from privacyhub.holds.matching import HoldMatcher
from privacyhub.models import DataSystem, RetentionPolicy, RetentionRun
from privacyhub.models.types import utcnow
from privacyhub.retention.purge import COUNTED, BatchOutcome, purge_batch
from privacyhub.retention.targets import Target, cutoff_for, due_rows, json_key, resolve_targets
from privacyhub.systems.catalogue import open_connector

log = logging.getLogger(__name__)
HUB = {"type": "system", "id": "privacyhub", "name": "PrivacyHub"}
CONTINUE_TASK = "tasks.retention.continue_retention_run"
STALE_AFTER = timedelta(minutes=10)  # a running run without a heartbeat this long died with its process
SAMPLE_KEYS = 10
UNFINISHED = ("queued", "running", "interrupted")


def run_targets(run: RetentionRun, policy: RetentionPolicy) -> list[dict[str, Any]]:
    """The run's audit targets: the policy and its system."""
    system = db.session.get(DataSystem, policy.system_id)
    return [{"type": "retention_policy", "id": str(policy.id), "name": policy.name},
            {"type": "data_system", "id": system.name if system else str(policy.system_id)}]


def unfinished_run(policy: RetentionPolicy) -> RetentionRun | None:
    """The policy's run that stopped before its end, if any (dry runs are never resumed)."""
    return db.session.scalar(select(RetentionRun).where(
        RetentionRun.policy_id == policy.id, RetentionRun.dry_run.is_(False),
        RetentionRun.status.in_(UNFINISHED)).order_by(RetentionRun.id.desc()).limit(1).with_for_update())


def _claim(run: RetentionRun) -> None:
    if run.status == "running" and run.heartbeat_at > utcnow() - STALE_AFTER:
        raise Conflict(f"run {run.id} of '{run.policy_name}' is running now")
    run.status, run.heartbeat_at = "running", utcnow()
    run.attempts += 1


def begin_run(policy: RetentionPolicy, actor: dict[str, Any], trigger: str, *, dry_run: bool = False,
              now: datetime | None = None) -> RetentionRun:
    """Start a run, or take over the policy's unfinished one with its cutoff and cursor; committed."""
    if not dry_run:
        if not policy.enabled:
            raise Conflict(f"the policy '{policy.name}' is disabled; review a dry run and enable it first")
        run = unfinished_run(policy)
        if run is not None:
            _claim(run)
            db.session.commit()
            return run
    run = RetentionRun(policy_id=policy.id, policy_name=policy.name, dry_run=dry_run, status="running",
                       trigger=trigger, started_by=str(actor.get("name") or actor["id"]),
                       cutoff=cutoff_for(policy, now or utcnow()), counts={}, samples={}, errors=[], batches=0,
                       attempts=1)
    db.session.add(run)
    db.session.commit()
    return run


def claim_run(run_id: int) -> RetentionRun | None:
    """Take over a queued, interrupted or stale run (a worker carrying on); None when there is nothing to do."""
    run = db.session.scalar(select(RetentionRun).where(RetentionRun.id == run_id).with_for_update())
    if run is None or run.dry_run or run.status not in UNFINISHED:
        db.session.rollback()
        return None
    try:
        _claim(run)
    except Conflict:
        db.session.rollback()
        return None
    db.session.commit()
    return run


def _record(run: RetentionRun, outcome: BatchOutcome, cursor: dict[str, Any] | None) -> None:
    """Add one batch's counts and first keys to the run (the caller commits)."""
    counts = {name: dict(entry) for name, entry in (run.counts or {}).items()}
    for name, entry in outcome.counts.items():
        total = counts.setdefault(name, {action: 0 for action in COUNTED})
        for action, value in entry.items():
            total[action] = total.get(action, 0) + value
    samples = {name: {k: list(v) for k, v in entry.items()} for name, entry in (run.samples or {}).items()}
    for name, by_action in outcome.keys.items():
        for action, keys in by_action.items():
            kept = samples.setdefault(name, {}).setdefault(action, [])
            kept.extend(json_key(key) for key in keys[:SAMPLE_KEYS - len(kept)])
    run.counts, run.samples = counts, samples
    run.batches += 1
    run.heartbeat_at = utcnow()
    if cursor is not None:
        run.cursor = cursor


class _Work:
    """Everything one attempt at a run needs from the product side."""

    def __init__(self, run: RetentionRun, policy: RetentionPolicy, now: datetime, batch_size: int) -> None:
        system = db.session.get(DataSystem, policy.system_id)
        assert system is not None  # a policy goes with its system
        connector = open_connector(system)
        self.engine = connector.engine  # type: ignore[attr-defined]
        self.graph = connector.graph()  # type: ignore[attr-defined]
        self.targets: list[Target] = resolve_targets(policy, self.graph, self.engine)
        self.matcher = HoldMatcher.for_system(system, self.graph, now)
        if not self.matcher.prepared:
            with self.engine.connect() as conn:
                self.matcher.prepare(conn)
        ring = keyring()
        self.hasher = lambda value: ring.digest(value.encode())
        self.batch_size = batch_size

    def batch(self, conn: Any, target: Target, cutoff: datetime, after: Any) -> tuple[BatchOutcome | None, bool]:
        """Purge the next batch; returns its outcome (None when nothing is due) and whether more may be due."""
        rows = due_rows(conn, target, cutoff, after, self.batch_size)
        if not rows:
            return None, False
        return purge_batch(conn, self.graph, target, rows, self.matcher, self.hasher), len(rows) == self.batch_size


def _carry(run: RetentionRun, work: _Work, deadline: float | None) -> bool:
    """Batches of a real run, each in its own product transaction; False when stopped by the deadline."""
    position = run.cursor or {"target": 0, "after": None}
    for index in range(position["target"], len(work.targets)):
        target = work.targets[index]
        after = tuple(position["after"]) if index == position["target"] and position["after"] is not None else None
        more = True
        while more:
            with work.engine.begin() as conn:
                outcome, more = work.batch(conn, target, run.cutoff, after)
            if outcome is None:
                break
            after = outcome.last_key
            _record(run, outcome, {"target": index, "after": json_key(after)})
            db.session.commit()
            if deadline is not None and time.monotonic() > deadline:
                run.status = "queued"
                send_after_commit(CONTINUE_TASK, run.id)
                db.session.commit()
                return False
        run.cursor = {"target": index + 1, "after": None}
    return True


def _rehearse(run: RetentionRun, work: _Work) -> None:
    """Batches of a dry run: applied in one product transaction, then rolled back."""
    with work.engine.connect() as conn:
        transaction = conn.begin()
        try:
            for target in work.targets:
                after, more = None, True
                while more:
                    outcome, more = work.batch(conn, target, run.cutoff, after)
                    if outcome is None:
                        break
                    after = outcome.last_key
                    _record(run, outcome, None)
        finally:
            transaction.rollback()


def _finish(run: RetentionRun, policy: RetentionPolicy) -> None:
    run.status, run.finished_at = "completed", utcnow()
    totals = {action: run.total(action) for action in COUNTED}
    if run.dry_run and policy.updated_at <= run.started_at:  # not if the policy changed meanwhile
        policy.reviewed_at = run.finished_at
    record_hub_event("retention.dry_run" if run.dry_run else "retention.run_completed", HUB,
                     run_targets(run, policy),
                     metadata={"run": run.id, "trigger": run.trigger, "started_by": run.started_by,
                               "cutoff": run.cutoff.isoformat(), "batches": run.batches, "attempts": run.attempts,
                               "totals": totals, "collections": run.counts})
    db.session.commit()


def _stopped(run_id: int, exc: BaseException) -> None:
    """Record why a run stopped; a real run resumes from its cursor next time (committed)."""
    log.warning("retention run %s stopped", run_id, exc_info=exc)
    db.session.rollback()
    run = db.session.get(RetentionRun, run_id)
    assert run is not None
    message = describe_error(exc)
    run.errors = [*(run.errors or []), {"at": utcnow().isoformat(), "batch": run.batches, "message": message}]
    run.status = "failed" if run.dry_run else "interrupted"
    run.finished_at = utcnow() if run.dry_run else None
    policy = db.session.get(RetentionPolicy, run.policy_id) if run.policy_id else None
    record_hub_event("retention.dry_run" if run.dry_run else "retention.run_interrupted", HUB,
                     run_targets(run, policy) if policy else [], outcome="failure",
                     metadata={"run": run.id, "error": message, "batches": run.batches,
                               "totals": {action: run.total(action) for action in COUNTED}})
    db.session.commit()


def carry_on(run: RetentionRun, *, now: datetime | None = None, deadline: float | None = None,
             batch_size: int | None = None) -> RetentionRun:
    """Work a claimed run to its end (or the deadline); errors are recorded on the run, not raised."""
    run_id = run.id
    try:
        policy = db.session.get(RetentionPolicy, run.policy_id)
        if policy is None:
            raise Conflict("the policy was deleted")
        size = batch_size or current_app.extensions["privacyhub.settings"].retention_batch_size
        work = _Work(run, policy, now or utcnow(), size)
        if run.dry_run:
            _rehearse(run, work)
        elif not _carry(run, work, deadline):
            return run
        _finish(run, policy)
    except Exception as exc:  # noqa: BLE001  (kept on the run; the next run resumes from its cursor)
        _stopped(run_id, exc)
    finished = db.session.get(RetentionRun, run_id)
    assert finished is not None
    return finished


def run_policy(policy: RetentionPolicy, actor: dict[str, Any], trigger: str = "cli", *, dry_run: bool = False,
               now: datetime | None = None, deadline: float | None = None,
               batch_size: int | None = None) -> RetentionRun:
    """Run a policy now (or resume its unfinished run); a dry run changes nothing. Commits as it goes."""
    run = begin_run(policy, actor, trigger, dry_run=dry_run, now=now)
    return carry_on(run, now=now, deadline=deadline, batch_size=batch_size)


def run_enabled_policies(actor: dict[str, Any], trigger: str = "beat",
                         now: datetime | None = None) -> list[RetentionRun]:
    """Every enabled policy, one after the other; one already running elsewhere is left to it."""
    runs = []
    for policy in db.session.scalars(select(RetentionPolicy).where(RetentionPolicy.enabled.is_(True))
                                     .order_by(RetentionPolicy.name)).all():
        try:
            runs.append(run_policy(policy, actor, trigger, now=now))
        except Conflict as busy:
            db.session.rollback()
            log.info("retention policy %s skipped: %s", policy.name, busy.detail)
    return runs
