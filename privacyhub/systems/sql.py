"""SQL systems: any SQLAlchemy URL (SQLite, PostgreSQL, MySQL/MariaDB), described by a dataset.

The reference graph is built once per system version (annotation + reflection) and the
engine once per URL; each job then plans and acts inside one transaction of its own, so
an erasure is all or nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from privacyhub.crypto import keyring
from privacyhub.datasets.annotation import parse_dataset
from privacyhub.datasets.graph import DatasetGraph
from privacyhub.datasets.schema import build_graph, reflect_tables
from privacyhub.fulfilment.access import export_records
from privacyhub.fulfilment.erasure import apply_erasure, plan_erasure
from privacyhub.fulfilment.planner import SubjectRows, find_subject_rows
from privacyhub.fulfilment.rectification import apply_rectification, plan_rectification
from privacyhub.holds.matching import held_rows
from privacyhub.systems import register_connector
from privacyhub.systems.base import Connector, SubjectJob, SystemOutcome, SystemUnavailable

_engines: dict[str, Engine] = {}
_graphs: dict[tuple[Any, ...], DatasetGraph] = {}
_lock = threading.Lock()

BeforeCommit = Callable[[SystemOutcome], None]


class SqlConfig(BaseModel):
    """Settings of an SQL system; the URL (with its password) is stored sealed."""

    url: str = Field(description="SQLAlchemy URL, e.g. postgresql+psycopg://user:pw@host/db")
    identity_columns: dict[str, str] = Field(
        default_factory=dict, description="For tables without annotation: 'table.column' -> identity type")


def engine_for(url: str) -> Engine:
    """One pooled engine per URL for the life of the process."""
    with _lock:
        if url not in _engines:
            _engines[url] = create_engine(url, pool_pre_ping=True)
        return _engines[url]


def dispose_engines() -> None:
    """Close every pooled connection (tests, and before dropping a product database)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _graphs.clear()


def describe(url: str, dataset_yaml: str | None, identity_columns: dict[str, str]) -> DatasetGraph:
    """Parse the annotation and check it against the live database; raises ``AnnotationInvalid``."""
    parsed = parse_dataset(dataset_yaml) if dataset_yaml else None
    try:
        tables = reflect_tables(engine_for(url))
    except SQLAlchemyError as exc:
        raise SystemUnavailable(f"cannot read the database schema: {type(exc).__name__}") from exc
    return build_graph(parsed, tables, identity_columns)


@register_connector
class SqlConnector(Connector):
    """Plans and fulfils jobs directly against the product database."""

    kind = "sql"
    configuration_schema = SqlConfig
    config: SqlConfig

    @classmethod
    def location(cls, config: BaseModel) -> str:
        try:
            return make_url(config.url).render_as_string(hide_password=True)  # type: ignore[attr-defined]
        except ArgumentError as exc:
            raise ValueError("not an SQLAlchemy URL") from exc

    @property
    def engine(self) -> Engine:
        return engine_for(self.config.url)

    def graph(self) -> DatasetGraph:
        """The system's graph, built once per version of its registration."""
        system = self.system
        key = (system.id if system else None, system.updated_at if system else None, self.config.url)
        if key not in _graphs:
            _graphs[key] = describe(self.config.url, system.dataset_yaml if system else None,
                                    self.config.identity_columns)
        return _graphs[key]

    def test_connection(self) -> dict[str, Any]:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise SystemUnavailable(f"cannot connect: {type(exc).__name__}") from exc
        graph = self.graph()
        return {"collections": len(graph.collections), "identities": len(graph.identity_fields())}

    def find(self, job: SubjectJob) -> SubjectRows:
        """The rows the subject reaches, read in a transaction of their own."""
        with self.engine.connect() as conn:
            return find_subject_rows(conn, self.graph(), job.identities)

    def preview(self, job: SubjectJob) -> dict[str, Any]:
        """The erasure (or rectification) plan and access counts, computed without changing anything."""
        graph = self.graph()
        with self.engine.connect() as conn:
            rows = find_subject_rows(conn, graph, job.identities)
            if job.request_type == "rectification":
                report = plan_rectification(rows, job.corrections).report
            else:
                report = plan_erasure(conn, rows, held_rows(conn, self.system, graph, rows)).report()
            conn.rollback()
        actions = {name: spec.erasure for name, spec in graph.collections.items() if name in report}
        return {"supported": True, "collections": report, "actions": actions, "queries": rows.queries}

    def fulfil(self, job: SubjectJob, before_commit: BeforeCommit | None = None) -> SystemOutcome:
        graph = self.graph()
        if job.request_type in ("access", "portability"):
            rows = self.find(job)
            records = export_records(rows, job.request_type)
            report = {c.name: {"found": len(c.rows), "exported": len(records.get(c.name, []))}
                      for c in rows.nonempty()}
            return SystemOutcome(report=report, records=records)
        if job.request_type not in ("erasure", "rectification"):
            return SystemOutcome(report={})  # restriction/objection: flags live in the hub for SQL systems
        with self.engine.begin() as conn:
            rows = find_subject_rows(conn, graph, job.identities)
            if job.request_type == "erasure":
                plan = plan_erasure(conn, rows, held_rows(conn, self.system, graph, rows))
                if plan.holds() and not job.partial:
                    return SystemOutcome(report=plan.report(), held=plan.holds(), on_hold=True)
                outcome = SystemOutcome(report=plan.report(), deferred=_deferred(plan), held=plan.holds())
                ring = keyring()
                apply_erasure(conn, plan, lambda value: ring.digest(value.encode()))
            else:
                rectification = plan_rectification(rows, job.corrections)
                outcome = SystemOutcome(report=rectification.report)
                apply_rectification(conn, rows, rectification)
            if before_commit:
                before_commit(outcome)
        return outcome


def _deferred(plan: Any) -> list[dict[str, Any]]:
    """Retained rows to erase when their period ends."""
    deferred = []
    for name, decided in plan.collections.items():
        if decided.retain:
            spec = plan.rows.graph.collections[name]
            deferred.append({"collection": name, "row_keys": [list(k) for k in sorted(decided.retain, key=repr)],
                             "legal_basis": spec.legal_basis or "", "erase_after": decided.erase_after})
    return deferred
