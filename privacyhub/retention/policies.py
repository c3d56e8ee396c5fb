"""Keeping retention policies: checked against the system's graph and live schema, every change audited.

A new policy starts disabled, and any change disables it again: a policy is enabled only
after a dry run of its current form (``reviewed_at``), so nobody switches on a purge
without having seen what it would take.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from privacyhub.audit.ingest import record_hub_event
from privacyhub.datasets.annotation import taxonomy_categories
from privacyhub.errors import Conflict, NotFound, ValidationFailed
from privacyhub.extensions import db
from privacyhub.models import RETENTION_ACTIONS, DataSystem, RetentionPolicy
from privacyhub.models.retention import PERIOD_UNITS, RETENTION_MASKS
from privacyhub.models.types import utcnow
from privacyhub.retention.targets import CLOCK_TYPES, resolve_targets
from privacyhub.systems.catalogue import get_system, open_connector

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
MAX_PERIOD = {"days": 36500, "months": 1200, "years": 100}


@dataclass
class PolicyDraft:
    """A policy as someone wrote it (API body, console form), before it is checked."""

    name: str
    system: str
    period_amount: int
    period_unit: str
    clock_field: str
    legal_basis: str
    collection: str | None = None
    data_category: str | None = None
    action: str = "delete"
    mask_strategy: str | None = None
    mask_value: str | None = None

    @classmethod
    def of(cls, policy: RetentionPolicy) -> PolicyDraft:
        """The draft a stored policy would be written as (for forms and partial updates)."""
        system = db.session.get(DataSystem, policy.system_id)
        return cls(**{f.name: getattr(policy, f.name) for f in fields(cls) if f.name != "system"},
                   system=system.name if system else "")


def _draft_errors(draft: PolicyDraft) -> list[dict[str, str]]:
    errors = []
    if not NAME.match(draft.name or ""):
        errors.append({"field": "name", "message": "1-100 lowercase letters, digits, '-' or '_'"})
    if draft.period_unit not in PERIOD_UNITS:
        errors.append({"field": "period_unit", "message": f"one of {', '.join(PERIOD_UNITS)}"})
    elif not 1 <= int(draft.period_amount) <= MAX_PERIOD[draft.period_unit]:
        errors.append({"field": "period_amount", "message": f"1 to {MAX_PERIOD[draft.period_unit]}"})
    if draft.action not in RETENTION_ACTIONS:
        errors.append({"field": "action", "message": f"one of {', '.join(RETENTION_ACTIONS)}"})
    if draft.mask_strategy is not None and draft.mask_strategy not in RETENTION_MASKS:
        errors.append({"field": "mask_strategy", "message": f"one of {', '.join(RETENTION_MASKS)}"})
    if not (draft.legal_basis or "").strip():
        errors.append({"field": "legal_basis", "message": "say why the data is kept this long"})
    if bool(draft.collection) == bool(draft.data_category):
        errors.append({"field": "collection", "message": "name a collection or a data category, not both"})
    elif draft.data_category and draft.data_category not in taxonomy_categories():
        errors.append({"field": "data_category", "message": "not a data category of the fideslang taxonomy"})
    return errors


def _apply(policy: RetentionPolicy, draft: PolicyDraft, system: DataSystem) -> None:
    for name in ("name", "period_amount", "period_unit", "clock_field", "action", "mask_value"):
        setattr(policy, name, getattr(draft, name))
    policy.system_id = system.id
    policy.collection = draft.collection or None
    policy.data_category = draft.data_category or None
    policy.mask_strategy = draft.mask_strategy if draft.action == "mask" else None
    policy.mask_value = draft.mask_value if draft.action == "mask" and draft.mask_value else None
    policy.legal_basis = draft.legal_basis.strip()


def _graph_errors(policy: RetentionPolicy, system: DataSystem) -> list[dict[str, str]]:
    """What the live system says about the policy: collections, clock field and its type, maskable fields."""
    connector = open_connector(system)
    graph = connector.graph()  # type: ignore[attr-defined]
    if policy.collection:
        spec = graph.collections.get(policy.collection)
        if spec is None:
            return [{"field": "collection", "message": f"'{system.name}' has no collection '{policy.collection}'"}]
        if policy.clock_field not in spec.fields:
            return [{"field": "clock_field", "message": f"'{policy.collection}' has no field '{policy.clock_field}'"
                     " (annotate it in the dataset)"}]
    try:
        targets = resolve_targets(policy, graph, connector.engine)  # type: ignore[attr-defined]
    except SQLAlchemyError as exc:
        return [{"field": "system", "message": f"cannot read the schema: {type(exc).__name__}"}]
    if not targets:
        return [{"field": "data_category", "message": f"no collection holds '{policy.data_category}' "
                 f"and a field '{policy.clock_field}'"}]
    errors = []
    for target in targets:
        if not isinstance(target.clock_type, CLOCK_TYPES):
            errors.append({"field": "clock_field", "message": f"{target.name}.{target.clock} is "
                           f"{target.clock_type}, not a date or a timestamp"})
        if policy.action == "mask" and not target.mask:
            errors.append({"field": "action", "message": f"'{target.name}' has no personal field to mask "
                           "(primary keys and references are never masked)"})
    return errors


def _checked(policy: RetentionPolicy, draft: PolicyDraft) -> None:
    errors = _draft_errors(draft)
    if errors:
        raise ValidationFailed("the retention policy is invalid", errors=errors)
    system = get_system(draft.system)
    if system.kind != "sql":
        raise ValidationFailed("retention policies act on sql systems",
                               errors=[{"field": "system", "message": "the hub cannot see an http system's rows"}])
    clash = db.session.scalar(select(RetentionPolicy).where(RetentionPolicy.name == draft.name))
    if clash is not None and clash is not policy:
        raise Conflict(f"a retention policy named '{draft.name}' exists")
    _apply(policy, draft, system)
    errors = _graph_errors(policy, system)
    if errors:
        raise ValidationFailed("the retention policy does not fit the system", errors=errors)


def describe(policy: RetentionPolicy) -> dict[str, Any]:
    """What the audit record and listings say about a policy."""
    system = db.session.get(DataSystem, policy.system_id)
    return {"system": system.name if system else None, "target": policy.target, "period": policy.period,
            "clock_field": policy.clock_field, "action": policy.action, "mask_strategy": policy.mask_strategy,
            "legal_basis": policy.legal_basis, "enabled": policy.enabled}


def _audit(action: str, policy: RetentionPolicy, actor: dict[str, Any], **extra: Any) -> None:
    record_hub_event(action, actor, [{"type": "retention_policy", "id": str(policy.id), "name": policy.name}],
                     metadata={**describe(policy), **extra})


def create_policy(draft: PolicyDraft, actor: dict[str, Any]) -> RetentionPolicy:
    """Check and add a policy, disabled (not committed)."""
    policy = RetentionPolicy(enabled=False)
    _checked(policy, draft)
    db.session.add(policy)
    db.session.flush()
    _audit("retention_policy.created", policy, actor)
    return policy


def update_policy(policy: RetentionPolicy, draft: PolicyDraft, actor: dict[str, Any]) -> RetentionPolicy:
    """Change a policy; it is disabled until a dry run of the new form is reviewed (not committed)."""
    before = describe(policy) | {"name": policy.name}
    with db.session.no_autoflush:
        _checked(policy, draft)
    after = describe(policy) | {"name": policy.name}
    was_enabled = before["enabled"]
    policy.enabled, policy.reviewed_at, policy.updated_at = False, None, utcnow()
    _audit("retention_policy.updated", policy, actor, was_enabled=was_enabled,
           changed=sorted(k for k in after if after[k] != before[k] and k != "enabled"))
    return policy


def delete_policy(policy: RetentionPolicy, actor: dict[str, Any]) -> None:
    """Remove a policy; its runs stay on record under its name (not committed)."""
    _audit("retention_policy.deleted", policy, actor)
    db.session.delete(policy)


def enable_policy(policy: RetentionPolicy, actor: dict[str, Any]) -> RetentionPolicy:
    """Let beat run the policy; only once a dry run of its current form was done (not committed)."""
    if policy.reviewed_at is None:
        raise Conflict(f"run a dry run of '{policy.name}' and review it before enabling the policy")
    if not policy.enabled:
        policy.enabled = True
        _audit("retention_policy.enabled", policy, actor, reviewed_at=policy.reviewed_at.isoformat())
    return policy


def disable_policy(policy: RetentionPolicy, actor: dict[str, Any]) -> RetentionPolicy:
    """Stop beat from running the policy (not committed)."""
    if policy.enabled:
        policy.enabled = False
        _audit("retention_policy.disabled", policy, actor)
    return policy


def get_policy(name: str) -> RetentionPolicy:
    """The policy called ``name``, or 404."""
    policy = db.session.scalar(select(RetentionPolicy).where(RetentionPolicy.name == name))
    if policy is None:
        raise NotFound(f"no retention policy named '{name}'")
    return policy  # type: ignore[no-any-return]


def list_policies() -> list[RetentionPolicy]:
    """Every policy, by name."""
    return list(db.session.scalars(select(RetentionPolicy).order_by(RetentionPolicy.name)))
