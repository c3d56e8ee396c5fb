"""Subject requests as product services send them and as the API returns them.

These pydantic models validate requests and generate the OpenAPI document.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AnyHttpUrl, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

RequestType = Literal["access", "portability", "rectification", "erasure", "restriction", "objection"]
Status = Literal["identity_unverified", "pending", "awaiting_approval", "in_progress",
                 "completed", "denied", "cancelled", "failed"]
DataCategory = Annotated[str, Field(pattern=r"^user(\.[a-z_]+)+$", max_length=120,
                                    description="A fideslang data category, e.g. `user.contact.email`.")]


class Strict(BaseModel):
    """Unknown fields are errors, so typos do not silently drop data."""

    model_config = ConfigDict(extra="forbid")


class IdentityIn(Strict):
    type: Literal["email", "user_id", "phone"]
    value: Annotated[str, Field(min_length=1, max_length=320)]


class CorrectionIn(Strict):
    """One correction: the new ``value`` for a data ``category`` or for a named ``field``."""

    category: DataCategory | None = None
    field: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    value: Annotated[str, Field(max_length=2000)] | int | float | bool | None

    @model_validator(mode="after")
    def one_target(self) -> CorrectionIn:
        if (self.category is None) == (self.field is None):
            raise ValueError("give either a category or a field")
        return self


class RequestCreate(Strict):
    """A new request for a data subject."""

    type: RequestType
    identities: Annotated[list[IdentityIn], Field(min_length=1, max_length=10)]
    corrections: Annotated[list[CorrectionIn], Field(max_length=50)] = Field(
        [], description="Required for rectification: what to correct.")
    identity_verified: bool = Field(
        False, description="True when the service signed the subject in; skips e-mail verification.")
    callback_url: AnyHttpUrl | None = Field(
        None, description="Receives signed status callbacks (`X-PrivacyHub-Signature`).")

    @model_validator(mode="after")
    def corrections_for_rectification(self) -> RequestCreate:
        if self.type == "rectification" and not self.corrections:
            raise ValueError("a rectification request needs corrections")
        if self.type != "rectification" and self.corrections:
            raise ValueError("corrections belong to rectification requests only")
        return self


class IdempotencyHeader(BaseModel):
    """``Idempotency-Key``: repeating a POST with the same key returns the first result."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    idempotency_key: Annotated[str, Field(min_length=1, max_length=255)] | None = Field(None, alias="Idempotency-Key")


class IdentityOut(BaseModel):
    type: str
    masked: str


class HistoryOut(BaseModel):
    from_status: str | None
    to_status: str
    at: datetime
    actor_type: str
    reason: str | None = None


class RequestOut(BaseModel):
    """A request as the API returns it; identities only masked."""

    id: str
    type: str
    status: str
    channel: str
    source: str
    received_at: datetime
    verified_at: datetime | None = None
    verified_by: str | None = None
    due_at: datetime | None = None
    extended_due_at: datetime | None = None
    extension_reason: str | None = None
    deadline_state: Literal["on_time", "due_soon", "overdue"] | None = None
    denial_reason: str | None = None
    denial_detail: str | None = None
    results_url: str | None = None
    closed_at: datetime | None = None
    identities: list[IdentityOut]
    history: list[HistoryOut]


class RequestPage(BaseModel):
    requests: list[RequestOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to get the next page; null at the end.")


class RequestQuery(Strict):
    status: Status | None = None
    type: RequestType | None = None
    overdue: bool | None = Field(None, description="Only open requests past (true) or within (false) their deadline.")
    due_before: AwareDatetime | None = Field(None, description="Deadline in force earlier than this.")
    limit: Annotated[int, Field(ge=1, le=500)] = 100
    cursor: Annotated[str, Field(max_length=64)] | None = None


class RequestPath(BaseModel):
    request_id: UUID


class CancelBody(Strict):
    reason: Annotated[str, Field(max_length=2000)] | None = None


class ExtendBody(Strict):
    due_date: date = Field(description="The new deadline (end of that day, UTC); at most two months past the original.")
    reason: Annotated[str, Field(min_length=1, max_length=2000)] = Field(
        description="Why more time is needed; sent to the data subject.")


def request_out(request: Any, now: datetime) -> dict[str, Any]:
    """The public JSON shape of a request."""
    from privacyhub.dsr.deadlines import deadline_state

    iso = lambda moment: moment.isoformat() if moment else None  # noqa: E731
    return {
        "id": request.id, "type": request.type, "status": request.status, "channel": request.channel,
        "source": request.source, "received_at": iso(request.received_at), "verified_at": iso(request.verified_at),
        "verified_by": request.verified_by, "due_at": iso(request.due_at),
        "extended_due_at": iso(request.extended_due_at), "extension_reason": request.extension_reason,
        "deadline_state": deadline_state(request, now), "denial_reason": request.denial_reason,
        "denial_detail": request.denial_detail, "results_url": request.results_url,
        "closed_at": iso(request.closed_at),
        "identities": [{"type": i.identity_type, "masked": i.masked} for i in request.identities],
        "history": [{"from_status": h.from_status, "to_status": h.to_status, "at": iso(h.at),
                     "actor_type": h.actor_type, "reason": h.reason} for h in request.history],
    }
