"""What every benchmark script shares: one JSON line per figure, and a throw-away database to measure in.

Importing it puts the project root on ``sys.path``, so the scripts (run as ``python bench/<name>.py``,
which puts ``bench/`` there) can import ``privacyhub`` and ``tests`` right after it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

Runner = Callable[[str, argparse.Namespace, Path], None]


def emit(name: str, value: float, unit: str, baseline: tuple[str, float] | None = None, digits: int = 3) -> None:
    """Print one figure as a JSON line; a baseline adds its name, its value and ``ratio`` = value / baseline."""
    line: dict[str, Any] = {"name": name, "value": round(value, digits), "unit": unit}
    if baseline:
        line.update(baseline_name=baseline[0], baseline_value=round(baseline[1], digits),
                    ratio=round(value / baseline[1], 4))
    print(json.dumps(line), flush=True)


def add_database_arguments(parser: argparse.ArgumentParser) -> None:
    """``--database-url`` and ``--create-database``, as ``run_with_database`` reads them."""
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp dir")
    parser.add_argument("--create-database", action="store_true",
                        help="--database-url names the server's admin database; work in a throw-away one")


@contextmanager
def throw_away_database(server_url: str, prefix: str = "privacyhub_bench") -> Iterator[str]:
    """A new, empty database on the server ``server_url`` points at; yields its URL, drops it (even in use) after."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_with_database(args: argparse.Namespace, runner: Runner) -> None:
    """``runner(database_url, args, tmp)`` with a temp dir ``tmp``, in the database the arguments ask for."""
    with tempfile.TemporaryDirectory(prefix="privacyhub-bench-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        with throw_away_database(url) if args.create_database else nullcontext(url) as database_url:
            runner(database_url, args, Path(tmp))
