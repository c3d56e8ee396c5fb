"""The incident API's request and response models; they also generate ``/v1/openapi.json``."""

from __future__ import annotations

from copy import copy
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model

from privacyhub.incidents import taxonomy
from privacyhub.incidents.clock import incident_clock
from privacyhub.models import Incident

Text = Annotated[str, Field(max_length=20_000)]
Count = Annotated[int, Field(ge=0, le=2_000_000_000)] | None
Nature = Literal["confidentiality", "integrity", "availability"]
Risk = Literal["no_risk", "risk", "high_risk"]


class Strict(BaseModel):
    """Unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class IncidentFields(Strict):
    """The incident record (Art. 33(3)); numbers left null mean "not yet known"."""

    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: Text = ""
    nature: list[Nature] = Field(default_factory=list, description="Which security properties were breached.")
    discovery: Text = Field("", description="How the breach was discovered.")
    occurred_from: AwareDatetime | None = None
    occurred_to: AwareDatetime | None = None
    aware_at: AwareDatetime = Field(description="When the controller became aware with reasonable certainty; "
                                                "the 72-hour clock runs from here.")
    data_categories: list[Annotated[str, Field(max_length=120)]] = Field(
        default_factory=list, description="fideslang data category keys, e.g. `user.contact.email`.")
    subject_categories: list[Annotated[str, Field(max_length=60)]] = Field(
        default_factory=list, description="fideslang data subject keys (`customer`, `employee`) or `child`, "
                                          "`vulnerable_adult`, `user`, `other`.")
    subjects_min: Count = None
    subjects_max: Count = None
    records_min: Count = None
    records_max: Count = None
    consequences: Text = Field("", description="Likely consequences of the breach.")
    measures_taken: Text = ""
    measures_proposed: Text = ""
    contact_point: Text = Field("", description="Name and contact details of the DPO or other contact point.")
    systems_affected: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, description="Names of registered data systems.")
    risk: Risk | None = None
    risk_rationale: Text = ""
    authority_decision: Literal["notify", "not_notify"] | None = None
    authority_decision_reason: Text = Field("", description="Required when not notifying (Art. 33(5)).")
    subjects_decision: Literal["notify", "exception", "not_required"] | None = None
    subjects_exception: Literal["a", "b", "c"] | None = Field(None, description="The Art. 34(3) exception relied on.")
    subjects_decision_reason: Text = ""
    owner: Annotated[str, Field(max_length=320)] | None = Field(None, description="E-mail of the owning officer.")


class IncidentCreate(IncidentFields):
    audit_event_id: UUID | None = Field(None, description="The audit event the incident was opened from.")
    request_id: UUID | None = Field(None, description="The data-subject request the incident was opened from.")


def _optional(name: str) -> tuple[Any, Any]:
    info = copy(IncidentFields.model_fields[name])
    info.default, info.default_factory = None, None
    assert info.annotation is not None  # every field of IncidentFields is annotated
    return info.annotation | None, info


# Typed as plain field definitions, so unpacking it cannot be mistaken for create_model's own keywords.
_PATCH_FIELDS: dict[str, Any] = {name: _optional(name) for name in IncidentFields.model_fields}

IncidentPatch = create_model(  # every record field optional; only the ones sent change
    "IncidentPatch", __base__=Strict, __doc__="The fields to change; `status` moves the incident.",
    status=(Literal["open", "contained", "closed"] | None, None),
    **_PATCH_FIELDS,
)


class IncidentPath(BaseModel):
    incident_id: Annotated[str, Field(max_length=36, description="The incident's UUID or its `INC-00042` reference.")]


class IncidentQuery(Strict):
    status: Literal["open", "contained", "notified", "closed"] | None = None
    limit: Annotated[int, Field(ge=1, le=500)] = 100
    cursor: Annotated[str, Field(max_length=64)] | None = None


class ClockOut(BaseModel):
    deadline: datetime
    running: bool
    overdue: bool
    seconds_left: int = Field(description="Negative once overdue; frozen when the clock stopped.")
    label: str
    escalated_marks: list[int] = Field(description="Hours-left marks escalated so far; 0 is overdue.")


class NotificationOut(BaseModel):
    id: int
    audience: Literal["authority", "subjects"]
    phase: Literal["initial", "follow_up", "final"]
    status: Literal["draft", "sent"]
    recipient: str
    sent_at: datetime | None = None
    channel: str | None = None
    reference: str | None = None


class TimelineOut(BaseModel):
    at: datetime
    actor: str
    kind: str
    summary: str


class IncidentOut(IncidentFields):
    model_config = ConfigDict(extra="ignore")

    id: str
    reference: str
    status: Literal["open", "contained", "notified", "closed"]
    special_categories: list[str]
    criminal_offence_data: list[str]
    audit_event_id: str | None = None
    request_id: str | None = None
    created_at: datetime
    updated_at: datetime
    contained_at: datetime | None = None
    closed_at: datetime | None = None
    clock: ClockOut
    notifications: list[NotificationOut]
    timeline: list[TimelineOut]


class IncidentPage(BaseModel):
    incidents: list[IncidentOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to get the next page; null at the end.")


def incident_out(incident: Incident, now: datetime) -> dict[str, Any]:
    """The public JSON shape of an incident."""
    clock = incident_clock(incident, now)
    body: dict[str, Any] = {name: getattr(incident, name) for name in IncidentFields.model_fields}
    body.update(
        id=incident.id, reference=incident.reference, status=incident.status,
        special_categories=taxonomy.special_categories(incident.data_categories),
        criminal_offence_data=taxonomy.criminal_categories(incident.data_categories),
        audit_event_id=incident.audit_event_id, request_id=incident.request_id,
        created_at=incident.created_at, updated_at=incident.updated_at,
        contained_at=incident.contained_at, closed_at=incident.closed_at,
        clock={"deadline": clock.deadline, "running": clock.running, "overdue": clock.overdue,
               "seconds_left": int(clock.time_left.total_seconds()), "label": clock.label,
               "escalated_marks": sorted((e.mark_hours for e in incident.escalations), reverse=True)},
        notifications=[{k: getattr(n, k) for k in NotificationOut.model_fields} for n in incident.notifications],
        timeline=[{k: getattr(t, k) for k in TimelineOut.model_fields} for t in incident.timeline],
    )
    return IncidentOut.model_validate(body).model_dump(mode="json")
