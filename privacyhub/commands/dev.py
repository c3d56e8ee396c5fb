"""``privacyhub dev``: the whole embedded stack (web, worker, beat) in one terminal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from privacyhub.commands.operators import FIRST_ADMIN_EMAIL, create_first_operator
from privacyhub.commands.setup import create_first_api_key, migrate_database
from privacyhub.demo_shop.setup import register_demo_shop

STOP_GRACE_SECONDS = 15
# Path without the query string: filters such as ?subject=... must not reach the logs.
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


def first_start() -> list[tuple[str, str]]:
    """Create what a new instance needs to be usable; returns (label, secret) to print once."""
    shown = []
    api_key = create_first_api_key()
    if api_key:
        shown.append(("API key (all scopes)", api_key))
    password = create_first_operator()
    if password:
        shown.append((f"Console sign-in {FIRST_ADMIN_EMAIL}, one-time password", password))
    demo = register_demo_shop()
    if demo:
        shown.append(("Demo Shop", demo))
    return shown


def child_commands(port: int) -> list[list[str]]:
    """The three processes of the embedded stack."""
    bin_dir = os.path.dirname(sys.executable)
    return [
        [os.path.join(bin_dir, "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
         "--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT, "wsgi:app"],
        [os.path.join(bin_dir, "celery"), "-A", "tasks.worker", "worker", "--loglevel", "INFO",
         "--concurrency", "2"],
        [os.path.join(bin_dir, "celery"), "-A", "tasks.worker", "beat", "--loglevel", "INFO",
         "--schedule", os.path.join(current_app.instance_path, "celerybeat-schedule")],
    ]


def stop_all(children: list[subprocess.Popen[bytes]]) -> None:
    """Stop every child with its own children (gunicorn and Celery pool workers).

    Each child leads a process group of its own; the group is asked to stop, and whatever of it
    still runs after the grace period is killed, so nothing outlives ``make run``.
    """
    for child in children:
        signal_group(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            signal_group(child.pid, signal.SIGKILL)
            child.wait()
    for child in children:
        while group_alive(child.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        signal_group(child.pid, signal.SIGKILL)


def signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@click.command("dev")
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "5000")), show_default="$PORT or 5000")
@with_appcontext
def dev_command(port: int) -> None:
    """Migrate, create first credentials, then run web + Celery worker + beat until Ctrl-C."""
    migrate_database()
    for label, secret in first_start():
        click.secho(f"{label}: {secret}", fg="green", bold=True)
        click.echo("  (shown once; store it now)")
    env = {**os.environ, "PRIVACYHUB_INSTANCE_PATH": current_app.instance_path}
    # Links in mails and API answers (exports, verification) must point at this port.
    env.setdefault("PRIVACYHUB_BASE_URL", f"http://127.0.0.1:{port}")
    # Own process groups: Ctrl-C reaches this process only, which then stops each group in order.
    children = [subprocess.Popen(cmd, env=env, start_new_session=True)  # noqa: S603
                for cmd in child_commands(port)]
    click.echo(f"PrivacyHub on http://127.0.0.1:{port}/, console at http://127.0.0.1:{port}/admin/  "
               "(Ctrl-C stops web, worker and beat)")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        click.echo("a process exited; stopping the others", err=True)
    except KeyboardInterrupt:
        click.echo("stopping…")
    finally:
        stop_all(children)
    sys.exit(0)
