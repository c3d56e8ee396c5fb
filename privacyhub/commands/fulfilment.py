"""``privacyhub systems ...`` (register, test, preview) and ``privacyhub requests process ID``."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from privacyhub.errors import ProblemError
from privacyhub.extensions import db
from privacyhub.systems.base import SubjectJob
from privacyhub.systems.catalogue import (
    RegisterSystem,
    get_system,
    list_systems,
    preview_plan,
    remove_system,
    test_system,
)

CLI_ACTOR = {"type": "cli", "id": "privacyhub-cli", "name": "command line"}


def _fail(exc: ProblemError) -> click.ClickException:
    lines = [exc.detail] + [f"  {e.get('path') or e.get('field')}: {e.get('message')}" for e in exc.errors or []]
    return click.ClickException("\n".join(lines))


@click.group("systems")
def systems_group() -> None:
    """Product data systems requests are fulfilled against."""


@systems_group.command("add")
@click.argument("name")
@click.option("--kind", type=click.Choice(["sql", "http"]), required=True)
@click.option("--url", help="sql: SQLAlchemy URL of the product database")
@click.option("--dataset", "dataset_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="sql: Fides dataset YAML describing the tables")
@click.option("--identity-column", "identity_columns", multiple=True, metavar="TABLE.COLUMN=TYPE",
              help="sql: identity column of a table without annotation (repeatable)")
@click.option("--endpoint", help="http: where jobs are POSTed")
@click.option("--secret", envvar="PRIVACYHUB_SYSTEM_SECRET", help="http: HMAC secret (or $PRIVACYHUB_SYSTEM_SECRET)")
@click.option("--description")
@click.option("--replace", is_flag=True, help="Update the system of that name instead of refusing")
@with_appcontext
def add_system(name: str, kind: str, url: str | None, dataset_file: Path | None, identity_columns: tuple[str, ...],
               endpoint: str | None, secret: str | None, description: str | None, replace: bool) -> None:
    """Register a system; the annotation is checked against the live database first."""
    if kind == "sql":
        identities = dict(item.split("=", 1) for item in identity_columns)
        config = {"url": url, "identity_columns": identities}
    else:
        config = {"endpoint": endpoint, "secret": secret}
    command = RegisterSystem(name=name, kind=kind, config=config, actor=CLI_ACTOR, description=description,
                             dataset_yaml=dataset_file.read_text() if dataset_file else None, replace=replace)
    try:
        system = command.run()
    except ProblemError as exc:
        raise _fail(exc) from exc
    db.session.commit()
    click.echo(f"registered {system.name} ({system.kind}) at {system.location}")


@systems_group.command("test")
@click.argument("name")
@with_appcontext
def test_system_command(name: str) -> None:
    """Connect to a system now and say what was found."""
    try:
        result = test_system(get_system(name), CLI_ACTOR)
    except ProblemError as exc:
        db.session.commit()
        raise _fail(exc) from exc
    db.session.commit()
    click.echo(json.dumps(result, sort_keys=True))


@systems_group.command("list")
@with_appcontext
def list_command() -> None:
    """Every registered system."""
    for system in list_systems():
        click.echo(f"{system.name}\t{system.kind}\t{system.location}")


@systems_group.command("remove")
@click.argument("name")
@with_appcontext
def remove_command(name: str) -> None:
    """Unregister a system."""
    try:
        remove_system(get_system(name), CLI_ACTOR)
    except ProblemError as exc:
        raise _fail(exc) from exc
    db.session.commit()
    click.echo(f"removed {name}")


@systems_group.command("preview")
@click.argument("name")
@click.option("--type", "request_type", default="erasure", show_default=True)
@click.option("--email", multiple=True)
@click.option("--user-id", multiple=True)
@click.option("--phone", multiple=True)
@with_appcontext
def preview_command(name: str, request_type: str, email: tuple[str, ...], user_id: tuple[str, ...],
                    phone: tuple[str, ...]) -> None:
    """What a request for this subject would do in the system; changes nothing."""
    identities = {k: list(v) for k, v in (("email", email), ("user_id", user_id), ("phone", phone)) if v}
    try:
        preview = preview_plan(get_system(name), SubjectJob(request_type, identities), CLI_ACTOR)
    except ProblemError as exc:
        raise _fail(exc) from exc
    db.session.commit()
    click.echo(json.dumps(preview, indent=2, sort_keys=True, default=str))


@click.group("requests")
def requests_group() -> None:
    """Data-subject requests."""


@requests_group.command("process")
@click.argument("request_id")
@with_appcontext
def process_command(request_id: str) -> None:
    """Run a request's fulfilment jobs in this process, then print its report."""
    from privacyhub.dsr.queries import get_request
    from privacyhub.fulfilment.completion import request_report
    from privacyhub.fulfilment.jobs import jobs_of, note_attempt_failed, run_job, withhold_job_tasks
    from privacyhub.fulfilment.requests import begin

    request = get_request(request_id)
    if request is None:
        raise click.ClickException(f"no request {request_id}")
    begin(request)
    withhold_job_tasks()
    db.session.commit()
    for job in jobs_of(request):
        if job.status in ("queued", "running", "failed"):
            try:
                run_job(job.id)
            except Exception as exc:  # noqa: BLE001  (reported per system, like a worker would)
                note_attempt_failed(job.id, exc, final=True)
    db.session.refresh(request)
    click.echo(json.dumps({"status": request.status, **request_report(jobs_of(request))}, indent=2, default=str))


@click.command("demo-shop")
@click.option("--url", help="Where to create it (any SQLAlchemy URL); default instance/demo_shop.sqlite")
@click.option("--customers", type=int, default=300, show_default=True)
@with_appcontext
def demo_shop_command(url: str | None, customers: int) -> None:
    """Create the Demo Shop product database and register it as the system ``demo-shop``."""
    from privacyhub.demo_shop.setup import register_demo_shop

    try:
        hint = register_demo_shop(url, customers)
    except ProblemError as exc:
        raise _fail(exc) from exc
    click.echo(f"Demo Shop {hint}" if hint else "Demo Shop is already registered")
