"""``privacyhub retention list`` and ``privacyhub retention run [--dry-run] [--policy NAME]``."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from privacyhub.errors import ProblemError
from privacyhub.extensions import db
from privacyhub.models import RetentionPolicy
from privacyhub.retention.policies import describe, get_policy, list_policies
from privacyhub.retention.report import run_out
from privacyhub.retention.runner import run_policy
from privacyhub.retention.schemas import latest_run

CLI_ACTOR = {"type": "cli", "id": "privacyhub-cli", "name": "command line"}


@click.group("retention")
def retention_group() -> None:
    """Retention policies and their runs."""


@retention_group.command("list")
@with_appcontext
def list_command() -> None:
    """Every policy: system, target, period, clock, action, whether enabled, its newest run."""
    for policy in list_policies():
        facts = describe(policy)
        last = latest_run(policy)
        ran = f"{'dry run' if last.dry_run else 'run'} {last.id} {last.status} {last.started_at:%Y-%m-%d %H:%M}" \
            if last else "never run"
        click.echo("\t".join([policy.name, facts["system"] or "?", facts["target"], facts["period"],
                              f"from {policy.clock_field}", policy.action,
                              "enabled" if policy.enabled else "disabled", ran]))


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="Show what would go, per collection; change nothing")
@click.option("--policy", "name", help="Only this policy (default: every enabled one; with --dry-run, every one)")
@click.option("--batch-size", type=click.IntRange(1, 100_000), help="Rows per batch (default from settings)")
@with_appcontext
def run_command(dry_run: bool, name: str | None, batch_size: int | None) -> None:
    """Run policies now, one JSON line per run; an unfinished run of a policy is resumed."""
    try:
        if name:
            policies = [get_policy(name)]
        else:
            stmt = select(RetentionPolicy).order_by(RetentionPolicy.name)
            policies = list(db.session.scalars(stmt if dry_run else stmt.where(RetentionPolicy.enabled.is_(True))))
    except ProblemError as exc:
        raise click.ClickException(exc.detail) from exc
    stopped = False
    for policy in policies:
        try:
            run = run_policy(policy, CLI_ACTOR, "cli", dry_run=dry_run, batch_size=batch_size)
        except ProblemError as exc:
            db.session.rollback()
            click.echo(f"{policy.name}: {exc.detail}", err=True)
            stopped = True
            continue
        click.echo(json.dumps(run_out(run), sort_keys=True))
        stopped = stopped or run.status not in ("completed",)
    if stopped:
        raise click.exceptions.Exit(1)
