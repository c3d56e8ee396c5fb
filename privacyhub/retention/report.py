"""What a run did, as the API, the console and the CSV download show it."""

from __future__ import annotations

from typing import Any

import pandas as pd

from privacyhub.models import RetentionRun
from privacyhub.retention.purge import COUNTED

CSV_COLUMNS = ["policy", "run", "dry_run", "cutoff", "collection", *COUNTED, "first_keys"]


def run_out(run: RetentionRun) -> dict[str, Any]:
    """A run record: status, times, cutoff, per-collection counts and first keys, errors."""
    return {"id": run.id, "policy": run.policy_name, "dry_run": run.dry_run, "status": run.status,
            "trigger": run.trigger, "started_by": run.started_by, "cutoff": run.cutoff.isoformat(),
            "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "batches": run.batches, "attempts": run.attempts,
            "totals": {action: run.total(action) for action in COUNTED},
            "collections": run.counts or {}, "first_keys": run.samples or {}, "errors": run.errors or []}


def first_keys(run: RetentionRun, collection: str) -> list[list[Any]]:
    """The first keys of rows the run deleted or masked in a collection (held ones are not listed)."""
    samples = (run.samples or {}).get(collection, {})
    return samples.get("deleted", []) + samples.get("masked", [])


def run_frame(run: RetentionRun) -> pd.DataFrame:
    """One row per collection: what would go (dry run) or went, with the first keys, for the CSV download."""
    rows = []
    for collection, counts in sorted((run.counts or {}).items()):
        keys = first_keys(run, collection)
        rows.append({"policy": run.policy_name, "run": run.id, "dry_run": run.dry_run,
                     "cutoff": run.cutoff.isoformat(), "collection": collection,
                     **{action: int(counts.get(action, 0)) for action in COUNTED},
                     "first_keys": " ".join("/".join(str(part) for part in key) for key in keys)})
    return pd.DataFrame(rows, columns=CSV_COLUMNS)


def run_csv(run: RetentionRun) -> bytes:
    """The run's table as CSV."""
    return run_frame(run).to_csv(index=False).encode()


def csv_name(run: RetentionRun) -> str:
    """``retention-<policy>-dry-run-<id>.csv`` or ``retention-<policy>-run-<id>.csv``."""
    return f"retention-{run.policy_name}-{'dry-run' if run.dry_run else 'run'}-{run.id}.csv"
