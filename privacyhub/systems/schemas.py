"""Request and response bodies of ``/v1/systems`` (they also document the API)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from privacyhub.models import DataSystem

RequestType = Literal["access", "portability", "rectification", "erasure", "restriction", "objection"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SystemCreate(Strict):
    """A system to register. ``sql`` takes ``url`` (and ``dataset``); ``http`` takes ``endpoint`` and ``secret``."""

    name: str = Field(min_length=1, max_length=64, examples=["shop"])
    kind: Literal["sql", "http"]
    description: str | None = Field(default=None, max_length=2000)
    url: str | None = Field(default=None, max_length=2000, description="SQLAlchemy URL (sql)")
    identity_columns: dict[str, str] = Field(
        default_factory=dict, description="sql: 'table.column' -> identity type, for tables without annotation")
    dataset: str | None = Field(default=None, max_length=1_000_000, description="Fides dataset YAML (sql)")
    endpoint: str | None = Field(default=None, max_length=2000, description="Job endpoint (http)")
    secret: str | None = Field(default=None, max_length=500, description="HMAC secret, 16+ characters (http)")
    timeout: float | None = Field(default=None, description="Seconds to wait for an http system")
    supports_flags: bool | None = Field(default=None, description="http: send restriction/objection flags")

    def config(self) -> dict[str, Any]:
        """The connector settings this body describes."""
        if self.kind == "sql":
            return {"url": self.url, "identity_columns": self.identity_columns}
        settings: dict[str, Any] = {"endpoint": self.endpoint, "secret": self.secret}
        if self.timeout is not None:
            settings["timeout"] = self.timeout
        if self.supports_flags is not None:
            settings["supports_flags"] = self.supports_flags
        return settings


class SystemOut(BaseModel):
    name: str
    kind: str
    description: str | None
    location: str = Field(description="Where it lives; never includes a password")
    annotated: bool
    enabled: bool
    created_at: datetime
    updated_at: datetime


class SystemList(BaseModel):
    systems: list[SystemOut]


class SystemPath(BaseModel):
    name: str = Field(max_length=64)


class IdentityIn(Strict):
    type: Literal["email", "user_id", "phone"]
    value: str = Field(min_length=1, max_length=320)


class PlanPreviewBody(Strict):
    """A subject to preview the plan for; nothing is changed in the system."""

    type: RequestType = "erasure"
    identities: list[IdentityIn] = Field(min_length=1, max_length=10)
    corrections: dict[str, Any] = Field(default_factory=dict, description="rectification: category -> value")

    def identity_map(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for identity in self.identities:
            found.setdefault(identity.type, []).append(identity.value.strip())
        return found


class TestResult(BaseModel):
    model_config = ConfigDict(extra="allow")
    ok: bool


class PlanPreview(BaseModel):
    model_config = ConfigDict(extra="allow")
    supported: bool


def system_out(system: DataSystem) -> dict[str, Any]:
    """The public view of a system."""
    return SystemOut(name=system.name, kind=system.kind, description=system.description, location=system.location,
                     annotated=bool(system.dataset_yaml), enabled=system.enabled, created_at=system.created_at,
                     updated_at=system.updated_at).model_dump(mode="json")
