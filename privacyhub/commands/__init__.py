"""CLI commands, registered on ``app.cli`` so ``privacyhub`` and ``flask --app wsgi`` share them."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    """Attach every command group to the app's CLI."""
    from privacyhub.commands.audit import audit_group
    from privacyhub.commands.dev import dev_command
    from privacyhub.commands.fulfilment import demo_shop_command, requests_group, systems_group
    from privacyhub.commands.keys import keys_group
    from privacyhub.commands.operators import create_operator_command
    from privacyhub.commands.retention import retention_group
    from privacyhub.commands.setup import create_api_key_command, init_command

    for command in (init_command, create_api_key_command, dev_command, create_operator_command):
        app.cli.add_command(command)
    app.cli.add_command(audit_group)
    app.cli.add_command(keys_group)
    app.cli.add_command(systems_group)
    app.cli.add_command(requests_group)
    app.cli.add_command(demo_shop_command)
    app.cli.add_command(retention_group)
