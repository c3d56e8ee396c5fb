"""Request and response bodies of ``/v1/retention-policies`` and ``/v1/retention-runs``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from privacyhub.extensions import db
from privacyhub.models import DataSystem, RetentionPolicy, RetentionRun
from privacyhub.retention.policies import PolicyDraft
from privacyhub.retention.report import run_out


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PolicyIn(Strict):
    """A policy: a collection, or every collection holding a data category, of one sql system."""

    name: str = Field(min_length=1, max_length=100, examples=["old-sessions"])
    system: str = Field(min_length=1, max_length=64)
    collection: str | None = Field(default=None, max_length=200)
    data_category: str | None = Field(default=None, max_length=200, examples=["user.device.ip_address"])
    period_amount: int = Field(ge=1, le=36500, examples=[30])
    period_unit: Literal["days", "months", "years"]
    clock_field: str = Field(min_length=1, max_length=200, description="The field the period runs from",
                             examples=["started_at"])
    action: Literal["delete", "mask"] = "delete"
    mask_strategy: Literal["null", "fixed"] | None = Field(
        default=None, description="mask: NULL or the fixed text (default: NULL where allowed)")
    mask_value: str | None = Field(default=None, max_length=200, description="mask: the fixed text")
    legal_basis: str = Field(min_length=1, max_length=5000)

    def draft(self) -> PolicyDraft:
        return PolicyDraft(**self.model_dump())


class PolicyPath(BaseModel):
    name: str = Field(max_length=100)


class RunPath(BaseModel):
    run_id: int


class RunOut(BaseModel):
    """A run or dry run: status, cutoff, per-collection counts (deleted, masked, retained, shared, held),
    the first keys per collection and action, and errors."""

    model_config = ConfigDict(extra="allow")
    id: int
    policy: str
    dry_run: bool
    status: str
    collections: dict[str, dict[str, int]]


class RunList(BaseModel):
    runs: list[RunOut]


class PolicyOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    system: str | None
    enabled: bool
    last_run: RunOut | None = None


class PolicyList(BaseModel):
    policies: list[PolicyOut]


def latest_run(policy: RetentionPolicy, dry_run: bool | None = None) -> RetentionRun | None:
    """The policy's newest run (or dry run, or real run)."""
    stmt = select(RetentionRun).where(RetentionRun.policy_id == policy.id)
    if dry_run is not None:
        stmt = stmt.where(RetentionRun.dry_run.is_(dry_run))
    return db.session.scalar(stmt.order_by(RetentionRun.id.desc()).limit(1))  # type: ignore[no-any-return]


def policy_out(policy: RetentionPolicy) -> dict[str, Any]:
    """A policy as the API shows it, with its newest run."""
    system = db.session.get(DataSystem, policy.system_id)
    last = latest_run(policy)
    return {"name": policy.name, "system": system.name if system else None, "collection": policy.collection,
            "data_category": policy.data_category, "period_amount": policy.period_amount,
            "period_unit": policy.period_unit, "period": policy.period, "clock_field": policy.clock_field,
            "action": policy.action, "mask_strategy": policy.mask_strategy, "mask_value": policy.mask_value,
            "legal_basis": policy.legal_basis, "enabled": policy.enabled,
            "reviewed_at": policy.reviewed_at.isoformat() if policy.reviewed_at else None,
            "created_at": policy.created_at.isoformat(), "updated_at": policy.updated_at.isoformat(),
            "last_run": run_out(last) if last else None}
