"""Request and response bodies of ``/v1/legal-holds`` and of a request's hold decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from privacyhub.extensions import db
from privacyhub.holds.register import PlaceHold
from privacyhub.models import DataSystem, LegalHold, RequestHold
from privacyhub.models.types import utcnow


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IdentityIn(Strict):
    type: Literal["email", "user_id", "phone"]
    value: str = Field(min_length=1, max_length=320)


class HoldIn(Strict):
    """A hold on a subject (``identity``, optionally one ``system``) or a ``collection`` of a ``system``
    (``filter``: field -> value, or a list of values, the held rows carry)."""

    scope: Literal["subject", "collection"]
    reason: str = Field(min_length=1, max_length=5000)
    owner: str = Field(min_length=3, max_length=320, description="E-mail address reminders go to")
    identity: IdentityIn | None = None
    system: str | None = Field(default=None, max_length=64)
    collection: str | None = Field(default=None, max_length=200)
    filter: dict[str, Any] = Field(default_factory=dict)
    starts_at: AwareDatetime | None = None
    expires_at: AwareDatetime | None = None

    def command(self, actor: dict[str, Any]) -> PlaceHold:
        return PlaceHold(scope=self.scope, reason=self.reason, owner=self.owner, actor=actor, system=self.system,
                         collection=self.collection, filter=self.filter,
                         identity_type=self.identity.type if self.identity else None,
                         identity_value=self.identity.value if self.identity else None,
                         starts_at=self.starts_at, expires_at=self.expires_at)


class HoldPatch(Strict):
    """Change what may change while a hold is in place; ``expires_at: null`` makes it open-ended."""

    reason: str | None = Field(default=None, min_length=1, max_length=5000)
    owner: str | None = Field(default=None, min_length=3, max_length=320)
    expires_at: AwareDatetime | None = None


class ReleaseBody(Strict):
    reason: str = Field(min_length=1, max_length=5000)


class DecisionBody(Strict):
    """``wait`` until the holds end, or ``partial``: erase everything they do not cover now."""

    decision: Literal["wait", "partial"]


class HoldPath(BaseModel):
    hold_id: int


class HoldOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    reference: str
    scope: str
    covers: str
    in_force: bool


class HoldList(BaseModel):
    holds: list[HoldOut]


def hold_out(hold: LegalHold, now: datetime | None = None) -> dict[str, Any]:
    """A hold as the API shows it: the identity only masked, and the requests it touched."""
    system = db.session.get(DataSystem, hold.system_id) if hold.system_id else None
    touched = db.session.query(RequestHold).filter(RequestHold.hold_id == hold.id).count()

    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {"id": hold.id, "reference": hold.reference, "scope": hold.scope, "covers": hold.describe(),
            "system": system.name if system else None, "collection": hold.collection, "filter": hold.filter,
            "identity_type": hold.identity_type, "identity": hold.identity_masked, "reason": hold.reason,
            "owner": hold.owner, "starts_at": iso(hold.starts_at), "expires_at": iso(hold.expires_at),
            "released_at": iso(hold.released_at), "released_by": hold.released_by,
            "release_reason": hold.release_reason, "in_force": hold.in_force(now or utcnow()),
            "requests_touched": touched, "created_by": hold.created_by, "created_at": iso(hold.created_at)}
