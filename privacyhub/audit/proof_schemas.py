"""Checkpoints, proofs, the public key and exports as the API accepts and returns them.

Hashes and signatures are standard base64, as in RFC 9162's JSON; docs/audit-log.md
describes how to check each one independently.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from privacyhub.audit.schemas import EventOut, Strict

Base64 = Annotated[str, Field(description="standard base64")]


class CheckpointOut(BaseModel):
    """A signed tree head."""

    tree_size: int
    root_hash: Base64
    timestamp: int = Field(description="milliseconds since the Unix epoch, as signed")
    issued_at: datetime
    key_id: str = Field(description="hex SHA-256 of the signing key's DER SubjectPublicKeyInfo")
    signature: Base64 = Field(description="Ed25519 over signed_tree_head")
    signed_tree_head: Base64 = Field(description="the signed bytes: RFC 9162 TreeHeadDataV2, no extensions")


class CheckpointPage(BaseModel):
    checkpoints: list[CheckpointOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for older checkpoints; null at the end.")


class CheckpointQuery(Strict):
    """Newest first; ``tree_size`` picks the checkpoint of exactly that size."""

    tree_size: Annotated[int, Field(ge=1)] | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 100
    cursor: Annotated[str, Field(max_length=64)] | None = None


class LeafInclusionOut(BaseModel):
    """RFC 9162 inclusion proof of one leaf against a checkpoint."""

    leaf_index: int
    tree_size: int
    leaf_hash: Base64
    inclusion_path: list[Base64] = Field(description="sibling hashes, from the leaf upwards")
    checkpoint: CheckpointOut


class EventInclusionOut(LeafInclusionOut):
    """An event's inclusion proof, with the stored record its leaf hash commits to."""

    record: dict[str, Any] = Field(description="leaf_hash = SHA-256(0x00 || RFC 8785 JSON of this object)")


class InclusionQuery(Strict):
    leaf_index: Annotated[int, Field(ge=0)]
    tree_size: Annotated[int, Field(ge=1)] | None = Field(None, description="a checkpoint's size; default the latest")


class ConsistencyQuery(Strict):
    first: Annotated[int, Field(ge=1)]
    second: Annotated[int, Field(ge=1)]


class ConsistencyOut(BaseModel):
    """RFC 9162 consistency proof that the tree of size ``first`` is a prefix of size ``second``."""

    first: int
    second: int
    consistency_path: list[Base64]
    first_checkpoint: CheckpointOut | None = None
    second_checkpoint: CheckpointOut | None = None


class PublicKeyOut(BaseModel):
    """The key that signs checkpoints."""

    algorithm: Literal["Ed25519"] = "Ed25519"
    key_id: str
    public_key: Base64 = Field(description="the raw 32-byte Ed25519 public key")
    public_key_pem: str


class ExportQuery(Strict):
    """The listing's filters, and the file format."""

    format: Literal["csv", "parquet"] = "csv"
    action: Annotated[str, Field(max_length=200)] | None = None
    actor_id: Annotated[str, Field(max_length=200)] | None = None
    target_id: Annotated[str, Field(max_length=200)] | None = None
    subject: Annotated[str, Field(max_length=320)] | None = None
    since: AwareDatetime | None = Field(None, description="occurred_at >= since")
    until: AwareDatetime | None = Field(None, description="occurred_at < until")


class EventWithProofOut(EventOut):
    """One event, with its inclusion proof once a checkpoint covers it."""

    proof: EventInclusionOut | None = Field(None, description="null until the event is sealed under a checkpoint")
