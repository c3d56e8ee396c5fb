"""``/v1/retention-policies`` and ``/v1/retention-runs``: keep, dry-run, enable and run policies (scope ``admin``)."""

from __future__ import annotations

import time
from typing import Any

from flask import Response, g
from flask_openapi3 import Tag
from sqlalchemy import select

from privacyhub.api import BEARER, api_blueprint
from privacyhub.auth.api_keys import require_scope
from privacyhub.errors import NotFound
from privacyhub.extensions import db
from privacyhub.models import RetentionRun
from privacyhub.retention.policies import (
    create_policy,
    delete_policy,
    disable_policy,
    enable_policy,
    get_policy,
    list_policies,
    update_policy,
)
from privacyhub.retention.report import csv_name, run_csv, run_out
from privacyhub.retention.runner import run_policy
from privacyhub.retention.schemas import (
    PolicyIn,
    PolicyList,
    PolicyOut,
    PolicyPath,
    RunList,
    RunOut,
    RunPath,
    policy_out,
)

bp = api_blueprint("retention_api")
TAG = [Tag(name="retention", description="Retention policies, their dry runs and runs")]
RUN_BUDGET_SECONDS = 20  # a longer run carries on in a worker; the answer is then 202


def _actor() -> dict[str, Any]:
    return {"type": "api_key", "id": str(g.api_key.id), "name": g.api_key.name}


@bp.get("/retention-policies", tags=TAG, security=BEARER, responses={200: PolicyList})
@require_scope("admin")
def list_retention_policies():
    """Every policy, by name, with its newest run."""
    return {"policies": [policy_out(p) for p in list_policies()]}


@bp.post("/retention-policies", tags=TAG, security=BEARER, responses={201: PolicyOut})
@require_scope("admin")
def create_retention_policy(body: PolicyIn):
    """Add a policy, disabled: dry-run it, then enable it. 422 names each problem (unknown collection,
    clock field, category...), checked against the system's annotation and live schema."""
    policy = create_policy(body.draft(), _actor())
    db.session.commit()
    return policy_out(policy), 201, {"Location": f"/v1/retention-policies/{policy.name}"}


@bp.get("/retention-policies/<name>", tags=TAG, security=BEARER, responses={200: PolicyOut})
@require_scope("admin")
def show_retention_policy(path: PolicyPath):
    """One policy with its newest run."""
    return policy_out(get_policy(path.name))


@bp.put("/retention-policies/<name>", tags=TAG, security=BEARER, responses={200: PolicyOut})
@require_scope("admin")
def replace_retention_policy(path: PolicyPath, body: PolicyIn):
    """Replace a policy (renaming it with `name`); it is disabled until a dry run of the new form."""
    policy = update_policy(get_policy(path.name), body.draft(), _actor())
    db.session.commit()
    return policy_out(policy)


@bp.delete("/retention-policies/<name>", tags=TAG, security=BEARER, responses={204: None})
@require_scope("admin")
def delete_retention_policy(path: PolicyPath):
    """Remove a policy; its runs stay on record."""
    delete_policy(get_policy(path.name), _actor())
    db.session.commit()
    return "", 204


@bp.post("/retention-policies/<name>/dry-run", tags=TAG, security=BEARER, responses={200: RunOut})
@require_scope("admin")
def dry_run_retention_policy(path: PolicyPath):
    """What the policy would delete or mask now, per collection, with the first keys; changes nothing."""
    run = run_policy(get_policy(path.name), _actor(), "api", dry_run=True)
    return run_out(run)


@bp.post("/retention-policies/<name>/enable", tags=TAG, security=BEARER, responses={200: PolicyOut})
@require_scope("admin")
def enable_retention_policy(path: PolicyPath):
    """Let beat run the policy daily; 409 unless a dry run of its current form was done."""
    policy = enable_policy(get_policy(path.name), _actor())
    db.session.commit()
    return policy_out(policy)


@bp.post("/retention-policies/<name>/disable", tags=TAG, security=BEARER, responses={200: PolicyOut})
@require_scope("admin")
def disable_retention_policy(path: PolicyPath):
    """Stop beat from running the policy."""
    policy = disable_policy(get_policy(path.name), _actor())
    db.session.commit()
    return policy_out(policy)


@bp.post("/retention-policies/<name>/runs", tags=TAG, security=BEARER, responses={200: RunOut, 202: RunOut})
@require_scope("admin")
def run_retention_policy(path: PolicyPath):
    """Run an enabled policy now (or resume its unfinished run). 200 with the record when it finished,
    202 when it carries on in a worker; 409 when disabled or already running."""
    run = run_policy(get_policy(path.name), _actor(), "api", deadline=time.monotonic() + RUN_BUDGET_SECONDS)
    return run_out(run), 202 if run.status == "queued" else 200


@bp.get("/retention-policies/<name>/runs", tags=TAG, security=BEARER, responses={200: RunList})
@require_scope("admin")
def list_retention_runs(path: PolicyPath):
    """The policy's runs and dry runs, newest first (50)."""
    policy = get_policy(path.name)
    runs = db.session.scalars(select(RetentionRun).where(RetentionRun.policy_id == policy.id)
                              .order_by(RetentionRun.id.desc()).limit(50))
    return {"runs": [run_out(r) for r in runs]}


def _run(run_id: int) -> RetentionRun:
    run = db.session.get(RetentionRun, run_id)
    if run is None:
        raise NotFound(f"no retention run {run_id}")
    return run


@bp.get("/retention-runs/<int:run_id>", tags=TAG, security=BEARER, responses={200: RunOut})
@require_scope("admin")
def show_retention_run(path: RunPath):
    """One run record."""
    return run_out(_run(path.run_id))


@bp.get("/retention-runs/<int:run_id>/csv", tags=TAG, security=BEARER, responses={200: None})
@require_scope("admin")
def retention_run_csv(path: RunPath):
    """The run's table as CSV: one line per collection with its counts and first keys."""
    run = _run(path.run_id)
    return Response(run_csv(run), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{csv_name(run)}"'})
