"""The audit event as clients send it and as the API returns it.

These pydantic models both validate requests and generate the OpenAPI document.
"""

from __future__ import annotations

import ipaddress
import socket
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    RootModel,
    Tag,
)
from pydantic_core import PydanticCustomError

Text = Annotated[str, Field(min_length=1, max_length=200)]


def ip_address_text(value: str) -> str:
    """The address in its canonical text (as ``ipaddress`` writes it).

    The usual dotted IPv4 form is recognised by the C resolver without building an
    ``ipaddress`` object, which would dominate the cost of validating a batch.
    """
    try:
        if socket.inet_ntop(socket.AF_INET, socket.inet_pton(socket.AF_INET, value)) == value:
            return value
    except (OSError, ValueError):
        pass
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise PydanticCustomError("ip_any_address", "value is not a valid IPv4 or IPv6 address") from None


IPAddress = Annotated[str, Field(json_schema_extra={"format": "ipvanyaddress"}), AfterValidator(ip_address_text)]
MAX_BATCH = 1000


class Strict(BaseModel):
    """Unknown fields are errors, so typos do not silently drop data."""

    model_config = ConfigDict(extra="forbid")


class Actor(Strict):
    type: Annotated[str, Field(min_length=1, max_length=100)]
    id: Text
    name: Annotated[str, Field(max_length=200)] | None = None


class Target(Strict):
    type: Annotated[str, Field(min_length=1, max_length=100)]
    id: Text
    name: Annotated[str, Field(max_length=200)] | None = None


class Context(Strict):
    ip: IPAddress | None = None
    user_agent: Annotated[str, Field(max_length=1000)] | None = None
    location: Annotated[str, Field(max_length=200)] | None = None


class EventIn(Strict):
    """One event. ``id`` is the client's UUID and makes re-sending safe."""

    id: UUID
    occurred_at: AwareDatetime | None = Field(None, description="Defaults to the time of receipt.")
    action: Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$", max_length=200)]
    actor: Actor
    targets: Annotated[list[Target], Field(max_length=100)] = []
    subject: Annotated[str, Field(min_length=1, max_length=320)] | None = Field(
        None, description="The data subject the event concerns; stored only as a keyed pseudonym."
    )
    context: Context = Context()
    outcome: Literal["success", "failure"] = "success"
    metadata: dict[str, Any] = {}
    personal_data: dict[str, Any] = Field(
        {}, description="Personal data; encrypted under the subject's key, erasable by crypto-shredding."
    )


class EventBatch(Strict):
    events: Annotated[list[EventIn], Field(min_length=1, max_length=MAX_BATCH)]


def _ingest_shape(value: Any) -> str:
    return "batch" if isinstance(value, dict) and "events" in value else "event"


class EventIngest(RootModel[Annotated[
    Annotated[EventBatch, Tag("batch")] | Annotated[EventIn, Tag("event")], Discriminator(_ingest_shape)
]]):
    """Either one event or ``{"events": [...]}`` with up to 1,000 events."""

    def events(self) -> list[EventIn]:
        """The submitted events as a list, whatever the shape."""
        return self.root.events if isinstance(self.root, EventBatch) else [self.root]


class IngestResult(BaseModel):
    accepted: int = Field(description="Events stored by this call.")
    duplicates: int = Field(description="Events already stored with identical content.")


class EventOut(BaseModel):
    """An event as the API returns it."""

    id: str
    occurred_at: datetime
    received_at: datetime
    action: str
    actor: Actor
    targets: list[Target]
    subject: str | None = None
    context: Context
    outcome: str
    metadata: dict[str, Any]
    personal_data: dict[str, Any]
    source: str
    leaf_index: int | None = None


class EventPage(BaseModel):
    events: list[EventOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to get the next page; null at the end.")


class EventQuery(Strict):
    """Filters and paging for listing events."""

    action: Annotated[str, Field(max_length=200)] | None = None
    actor_id: Annotated[str, Field(max_length=200)] | None = None
    target_id: Annotated[str, Field(max_length=200)] | None = None
    subject: Annotated[str, Field(max_length=320)] | None = None
    since: AwareDatetime | None = Field(None, description="occurred_at >= since")
    until: AwareDatetime | None = Field(None, description="occurred_at < until")
    limit: Annotated[int, Field(ge=1, le=1000)] = 100
    cursor: Annotated[str, Field(max_length=64)] | None = None


class EventPath(BaseModel):
    event_id: UUID
