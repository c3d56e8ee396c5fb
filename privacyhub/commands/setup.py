"""Setting an instance up: schema, keys, first credentials."""

from __future__ import annotations

from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select

from privacyhub.audit.ingest import record_hub_event
from privacyhub.auth.api_keys import issue_api_key
from privacyhub.errors import ProblemError
from privacyhub.extensions import db
from privacyhub.models import SCOPES, ApiKey

CLI_ACTOR = {"type": "cli", "id": "privacyhub-cli", "name": "command line"}


def migrate_database() -> None:
    """Bring the schema to the newest revision."""
    upgrade(directory=current_app.extensions["migrate"].directory, revision="heads")


def create_api_key(name: str, scopes: str | list[str], actor: dict[str, Any] | None = None) -> str:
    """Issue a key, audit it (as ``actor``, the command line by default), commit, return the secret."""
    key, secret = issue_api_key(name, scopes)
    record_hub_event("api_key.created", actor or CLI_ACTOR,
                     [{"type": "api_key", "id": str(key.id), "name": key.name}],
                     metadata={"scopes": key.scope_list})
    db.session.commit()
    return secret


def create_first_api_key() -> str | None:
    """On an instance without any key, create one with every scope; None otherwise."""
    if db.session.scalar(select(func.count()).select_from(ApiKey)):
        return None
    return create_api_key("default", list(SCOPES))


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the instance folder and keys, and migrate the database."""
    migrate_database()
    click.echo(f"instance ready at {current_app.instance_path}")


@click.command("create-api-key")
@click.option("--name", required=True, help="The service the key is for; recorded as the events' source.")
@click.option("--scopes", required=True, help=f"Comma list of: {', '.join(SCOPES)}")
@with_appcontext
def create_api_key_command(name: str, scopes: str) -> None:
    """Create an API key and print it once."""
    try:
        secret = create_api_key(name, scopes)
    except ProblemError as exc:
        raise click.BadParameter(exc.detail) from exc
    click.echo(secret)
