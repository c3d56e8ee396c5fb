"""Placing, changing and releasing legal holds; every change is audited in the caller's transaction.

Subject holds keep the identity sealed (AES-GCM) beside its keyed HMAC and a masked hint,
as requests do. Collection holds are checked against the system's graph: the collection
and every filtered field must exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from privacyhub.audit.ingest import record_hub_event
from privacyhub.crypto import encrypt_field
from privacyhub.dsr.identities import identity_hmac, mask, normalise
from privacyhub.errors import Conflict, NotFound, ValidationFailed
from privacyhub.extensions import db
from privacyhub.holds.matching import IDENTITY_AAD, hold_identity
from privacyhub.models import DataSystem, LegalHold
from privacyhub.models.types import utcnow
from privacyhub.systems.catalogue import get_system, open_connector

OWNER = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _invalid(path: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": path, "message": message}])


def hold_target(hold: LegalHold) -> list[dict[str, Any]]:
    """The hold as the target of an audit event."""
    return [{"type": "legal_hold", "id": str(hold.id), "name": hold.reference}]


def get_hold(hold_id: int) -> LegalHold:
    """The hold with this id, or 404."""
    hold = db.session.get(LegalHold, hold_id)
    if hold is None:
        raise NotFound(f"no legal hold {hold_id}")
    return hold


def list_holds(include_ended: bool = True) -> list[LegalHold]:
    """Holds, newest first; only those not released or expired unless ``include_ended``."""
    holds = list(db.session.scalars(select(LegalHold).order_by(LegalHold.id.desc())))
    now = utcnow()
    return holds if include_ended else [h for h in holds if h.released_at is None
                                        and (h.expires_at is None or h.expires_at > now)]


@dataclass
class PlaceHold:
    """A new hold: ``validate()`` names what is wrong, ``run()`` adds it and its audit record."""

    scope: str
    reason: str
    owner: str
    actor: dict[str, Any]
    system: str | None = None
    collection: str | None = None
    filter: dict[str, Any] = field(default_factory=dict)
    identity_type: str | None = None
    identity_value: str | None = None
    starts_at: datetime | None = None
    expires_at: datetime | None = None
    _system: DataSystem | None = field(default=None, init=False)

    def validate(self) -> None:
        if not self.reason.strip():
            raise _invalid("reason", "give the reason for the hold")
        if not OWNER.match(self.owner.strip()):
            raise _invalid("owner", "the owner is the e-mail address reminders go to")
        starts = self.starts_at or utcnow()
        if self.expires_at is not None and self.expires_at <= starts:
            raise _invalid("expires_at", "the hold must expire after it starts")
        self._system = get_system(self.system) if self.system else None
        if self.scope == "subject":
            if not self.identity_type or not self.identity_value:
                raise _invalid("identity", "a subject hold names an identity (type and value)")
            self.identity_value = normalise(self.identity_type, self.identity_value)
            if self.collection or self.filter:
                raise _invalid("collection", "a subject hold names no collection or filter")
        elif self.scope == "collection":
            self._check_collection()
        else:
            raise _invalid("scope", "a hold covers a 'subject' or a 'collection'")

    def _check_collection(self) -> None:
        if self._system is None or not self.collection:
            raise _invalid("collection", "a collection hold names its system and collection")
        if self.identity_value:
            raise _invalid("identity", "a collection hold names no identity")
        if self._system.kind != "sql":
            raise _invalid("system", "collection holds apply to sql systems, whose rows the hub sees")
        graph = open_connector(self._system).graph()  # type: ignore[attr-defined]
        spec = graph.collections.get(self.collection)
        if spec is None:
            raise _invalid("collection", f"the system '{self._system.name}' has no collection '{self.collection}'")
        for name, value in self.filter.items():
            if name not in spec.fields:
                raise _invalid(f"filter.{name}", f"the collection '{self.collection}' has no field '{name}'")
            if isinstance(value, dict) or (isinstance(value, list) and not value):
                raise _invalid(f"filter.{name}", "a value, or a non-empty list of values")

    def run(self) -> LegalHold:
        self.validate()
        hold = LegalHold(scope=self.scope, system_id=self._system.id if self._system else None,
                         collection=self.collection if self.scope == "collection" else None,
                         filter=dict(self.filter) or None, reason=self.reason.strip(), owner=self.owner.strip(),
                         starts_at=self.starts_at or utcnow(), expires_at=self.expires_at,
                         created_by=self.actor.get("name") or self.actor["id"], reminders_sent=[])
        if self.scope == "subject":
            assert self.identity_type and self.identity_value
            hold.identity_type = self.identity_type
            hold.identity_hmac = identity_hmac(self.identity_type, self.identity_value)
            hold.identity_sealed = encrypt_field(self.identity_value.encode(), aad=IDENTITY_AAD)
            hold.identity_masked = mask(self.identity_type, self.identity_value)
        db.session.add(hold)
        db.session.flush()
        record_hub_event("legal_hold.placed", self.actor, hold_target(hold), metadata=_facts(hold),
                         subject=self.identity_value if self.scope == "subject" else None)
        return hold


def _facts(hold: LegalHold) -> dict[str, Any]:
    """What the audit record says about a hold, without the identity."""
    system = db.session.get(DataSystem, hold.system_id) if hold.system_id else None
    covers = f"subject by {hold.identity_type}" if hold.scope == "subject" else hold.describe()
    return {"scope": hold.scope, "covers": covers, "system": system.name if system else None,
            "owner": hold.owner, "reason": hold.reason, "starts_at": hold.starts_at.isoformat(),
            "expires_at": hold.expires_at.isoformat() if hold.expires_at else None}


def change_hold(hold: LegalHold, actor: dict[str, Any], *, reason: str | None = None, owner: str | None = None,
                expires_at: datetime | None = None, clear_expiry: bool = False) -> LegalHold:
    """Change the reason, owner or expiry of a hold still in place (not committed)."""
    if hold.released_at is not None:
        raise Conflict(f"{hold.reference} was released")
    before = _facts(hold)
    if reason is not None:
        if not reason.strip():
            raise _invalid("reason", "give the reason for the hold")
        hold.reason = reason.strip()
    if owner is not None:
        if not OWNER.match(owner.strip()):
            raise _invalid("owner", "the owner is the e-mail address reminders go to")
        hold.owner = owner.strip()
    if clear_expiry or expires_at is not None:
        if expires_at is not None and expires_at <= hold.starts_at:
            raise _invalid("expires_at", "the hold must expire after it starts")
        if expires_at != hold.expires_at:
            hold.reminders_sent = []  # a new date earns its reminders again
        hold.expires_at = expires_at
    hold.updated_at = utcnow()
    after = _facts(hold)
    changed = {k: after[k] for k in after if after[k] != before[k]}
    record_hub_event("legal_hold.changed", actor, hold_target(hold), metadata={"changed": changed})
    return hold


def release_hold(hold: LegalHold, actor: dict[str, Any], reason: str, now: datetime | None = None) -> LegalHold:
    """End a hold now; erasures waiting only for it are queued again at once (not committed)."""
    from privacyhub.holds.requests import resume_released_holds

    if hold.released_at is not None:
        raise Conflict(f"{hold.reference} was already released")
    if not reason.strip():
        raise _invalid("reason", "say why the hold ends")
    hold.released_at = now or utcnow()
    hold.released_by = actor.get("name") or actor["id"]
    hold.release_reason = reason.strip()
    hold.updated_at = hold.released_at
    record_hub_event("legal_hold.released", actor, hold_target(hold),
                     metadata={"reason": hold.release_reason, "covers": _facts(hold)["covers"]})
    resume_released_holds(hold.released_at)
    return hold


def reveal_hold_identity(hold: LegalHold, actor: dict[str, Any]) -> str:
    """The clear identity of a subject hold; the look is audited (not committed)."""
    if hold.scope != "subject":
        raise Conflict("only subject holds name an identity")
    record_hub_event("legal_hold.identity_revealed", actor, hold_target(hold))
    return hold_identity(hold)
