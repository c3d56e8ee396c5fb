"""Signed checkpoints (tree heads): what a verifier trusts about the log's size and root.

The signed bytes are RFC 9162's ``TreeHeadDataV2``: timestamp (uint64, ms since the
epoch), tree_size (uint64), root_hash (1-byte length, 32 bytes), sth_extensions
(2-byte length, empty). The signature is Ed25519 over exactly those 51 bytes.
"""

from __future__ import annotations

import base64
import struct
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from privacyhub.crypto import Keyring, verify_signature
from privacyhub.extensions import db
from privacyhub.models import AuditCheckpoint


def tree_head_bytes(timestamp_ms: int, tree_size: int, root_hash: bytes) -> bytes:
    """The TLS encoding of RFC 9162 ``TreeHeadDataV2`` with no extensions."""
    if len(root_hash) != 32:
        raise ValueError("root hash must be 32 bytes")
    return struct.pack(">QQB", timestamp_ms, tree_size, len(root_hash)) + root_hash + b"\x00\x00"


def sign_checkpoint(ring: Keyring, tree_size: int, root_hash: bytes, at: datetime) -> AuditCheckpoint:
    """A new signed checkpoint, added to the session (not committed)."""
    timestamp_ms = int(at.timestamp() * 1000)
    checkpoint = AuditCheckpoint(
        tree_size=tree_size, root_hash=root_hash, timestamp_ms=timestamp_ms, key_id=ring.public_key_id,
        signature=ring.sign(tree_head_bytes(timestamp_ms, tree_size, root_hash)),
    )
    db.session.add(checkpoint)
    return checkpoint


def signature_valid(checkpoint: AuditCheckpoint, public_key: bytes) -> bool:
    """True when the checkpoint's signature verifies under ``public_key``."""
    message = tree_head_bytes(checkpoint.timestamp_ms, checkpoint.tree_size, checkpoint.root_hash)
    return verify_signature(public_key, message, checkpoint.signature)


def latest_checkpoint() -> AuditCheckpoint | None:
    """The checkpoint over the largest tree."""
    return db.session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size.desc()).limit(1))


def checkpoint_for_size(tree_size: int) -> AuditCheckpoint | None:
    """The checkpoint issued at exactly this tree size, if any."""
    return db.session.scalar(select(AuditCheckpoint).where(AuditCheckpoint.tree_size == tree_size))


def page_checkpoints(limit: int, before_size: int | None = None,
                     tree_size: int | None = None) -> tuple[list[AuditCheckpoint], int | None]:
    """Checkpoints newest first, ``limit`` at a time; the second value continues the listing."""
    stmt = select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size.desc())
    if tree_size is not None:
        stmt = stmt.where(AuditCheckpoint.tree_size == tree_size)
    if before_size is not None:
        stmt = stmt.where(AuditCheckpoint.tree_size < before_size)
    rows = list(db.session.scalars(stmt.limit(limit + 1)))
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].tree_size
    return rows, None


def checkpoint_to_dict(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    """The public JSON shape of a checkpoint; hashes and signature in standard base64."""
    signed = tree_head_bytes(checkpoint.timestamp_ms, checkpoint.tree_size, checkpoint.root_hash)
    return {
        "tree_size": checkpoint.tree_size,
        "root_hash": base64.b64encode(checkpoint.root_hash).decode(),
        "timestamp": checkpoint.timestamp_ms,
        "issued_at": datetime.fromtimestamp(checkpoint.timestamp_ms / 1000, UTC).isoformat(),
        "key_id": checkpoint.key_id,
        "signature": base64.b64encode(checkpoint.signature).decode(),
        "signed_tree_head": base64.b64encode(signed).decode(),
    }
