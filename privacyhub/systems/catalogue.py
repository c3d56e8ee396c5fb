"""Registering data systems: validate first (settings, annotation against the live database), then store.

Command objects in the superset manner: ``validate()`` raises a ``ProblemError`` naming
what is wrong, ``run()`` adds the change and its audit record to the session; the caller
commits both together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from privacyhub.audit.ingest import record_hub_event
from privacyhub.errors import Conflict, NotFound, ValidationFailed
from privacyhub.extensions import db
from privacyhub.models import DataSystem
from privacyhub.systems import connector_class
from privacyhub.systems.base import Connector, SubjectJob

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def _target(system: DataSystem) -> list[dict[str, Any]]:
    return [{"type": "data_system", "id": system.name, "name": system.name}]


def get_system(name: str) -> DataSystem:
    """The system called ``name``, or 404."""
    system = db.session.scalar(select(DataSystem).where(DataSystem.name == name))
    if system is None:
        raise NotFound(f"no data system named '{name}'")
    return system  # type: ignore[no-any-return]


def list_systems() -> list[DataSystem]:
    """Every registered system, by name."""
    return list(db.session.scalars(select(DataSystem).order_by(DataSystem.name)))


def open_connector(system: DataSystem) -> Connector:
    """The connector of a stored system."""
    return connector_class(system.kind).open(system)


@dataclass
class RegisterSystem:
    """Add a system, or with ``replace`` update the one of that name."""

    name: str
    kind: str
    config: dict[str, Any]
    actor: dict[str, Any]
    dataset_yaml: str | None = None
    description: str | None = None
    replace: bool = False
    _parsed: Any = field(default=None, init=False)

    def validate(self) -> None:
        if not NAME.match(self.name):
            raise ValidationFailed("the name must be 1-64 lowercase letters, digits, '-' or '_'",
                                   errors=[{"path": "name", "message": "invalid name"}])
        try:
            cls = connector_class(self.kind)
        except ValueError as exc:
            raise ValidationFailed(str(exc), errors=[{"path": "kind", "message": str(exc)}]) from exc
        try:
            self._parsed = cls.configuration_schema.model_validate(self.config)
        except ValidationError as exc:
            errors = [{"path": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                      for e in exc.errors(include_url=False, include_input=False)]
            raise ValidationFailed("the system's settings are invalid", errors=errors) from exc
        try:
            cls.location(self._parsed)
        except ValueError as exc:
            raise ValidationFailed(str(exc), errors=[{"path": "url", "message": str(exc)}]) from exc
        if self.kind == "sql":
            from privacyhub.systems.sql import describe

            describe(self._parsed.url, self.dataset_yaml, self._parsed.identity_columns)
        elif self.dataset_yaml:
            raise ValidationFailed("only sql systems take a dataset annotation",
                                   errors=[{"path": "dataset", "message": "not used by http systems"}])
        existing = db.session.scalar(select(DataSystem).where(DataSystem.name == self.name))
        if existing is not None and not self.replace:
            raise Conflict(f"a data system named '{self.name}' exists")

    def run(self) -> DataSystem:
        self.validate()
        cls = connector_class(self.kind)
        system = db.session.scalar(select(DataSystem).where(DataSystem.name == self.name))
        action = "data_system.updated" if system else "data_system.created"
        if system is None:
            system = DataSystem(name=self.name)
            db.session.add(system)
        system.kind = self.kind
        system.description = self.description
        system.location = cls.location(self._parsed)
        system.config_sealed = Connector.seal(self._parsed)
        system.dataset_yaml = self.dataset_yaml
        system.enabled = True
        db.session.flush()
        record_hub_event(action, self.actor, _target(system),
                         metadata={"kind": system.kind, "annotated": bool(self.dataset_yaml)})
        return system


def remove_system(system: DataSystem, actor: dict[str, Any]) -> None:
    """Unregister a system (its past jobs go with it); not committed."""
    record_hub_event("data_system.removed", actor, _target(system), metadata={"kind": system.kind})
    db.session.delete(system)


def test_system(system: DataSystem, actor: dict[str, Any]) -> dict[str, Any]:
    """Reach the system now; the attempt and its outcome are audited (caller commits)."""
    from privacyhub.errors import ProblemError

    try:
        facts = open_connector(system).test_connection()
    except ProblemError as exc:
        record_hub_event("data_system.tested", actor, _target(system), outcome="failure",
                         metadata={"error": exc.detail})
        raise
    record_hub_event("data_system.tested", actor, _target(system), metadata=facts)
    return {"ok": True, **facts}


def preview_plan(system: DataSystem, job: SubjectJob, actor: dict[str, Any]) -> dict[str, Any]:
    """What a request would do in this system, changing nothing there; the look is audited."""
    preview = open_connector(system).preview(job)
    record_hub_event("data_system.plan_previewed", actor, _target(system),
                     metadata={"request_type": job.request_type})
    return preview
