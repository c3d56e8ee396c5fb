"""Console operators from the command line: the first admin, and accounts for the rest."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from privacyhub.auth.operators import create_operator
from privacyhub.commands.setup import CLI_ACTOR
from privacyhub.errors import ProblemError
from privacyhub.extensions import db
from privacyhub.models import ROLES, Operator

FIRST_ADMIN_EMAIL = "admin@example.com"


def add_operator(email: str, role: str) -> str:
    """Create the operator, audit it, commit, and return the one-time password."""
    _, password = create_operator(email, role, CLI_ACTOR)
    db.session.commit()
    return password


def create_first_operator() -> str | None:
    """On an instance without operators, create the admin ``admin@example.com``; None otherwise."""
    if db.session.scalar(select(func.count()).select_from(Operator)):
        return None
    return add_operator(FIRST_ADMIN_EMAIL, "admin")


@click.command("create-operator")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the operator may do in the console.")
@with_appcontext
def create_operator_command(email: str, role: str) -> None:
    """Create a console operator and print a one-time password (changed at first sign-in)."""
    try:
        password = add_operator(email, role)
    except ProblemError as exc:
        db.session.rollback()
        raise click.BadParameter(exc.detail, param_hint="EMAIL") from exc
    click.echo(password)
