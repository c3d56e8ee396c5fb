"""Inclusion and consistency proofs from the stored tree, in RFC 9162 form.

Hashes travel as standard base64. An inclusion proof for an event carries the stored
record the leaf hash commits to, so anyone can recompute ``SHA-256(0x00 || JCS(record))``
and walk the path to a signed checkpoint's root (see docs/audit-log.md).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from privacyhub.audit.checkpoints import checkpoint_for_size, checkpoint_to_dict, latest_checkpoint
from privacyhub.audit.merkle import consistency_proof, inclusion_proof
from privacyhub.audit.proof_check import check_event_proof
from privacyhub.audit.query import event_to_dict
from privacyhub.audit.record import RECORD_COLUMNS, stored_record
from privacyhub.audit.tree_store import load_nodes, with_nodes
from privacyhub.crypto import keyring
from privacyhub.errors import BadRequest, NotFound
from privacyhub.models import AuditCheckpoint, AuditEvent


def b64(data: bytes) -> str:
    """Standard base64, as RFC 9162's JSON encodes hashes."""
    return base64.b64encode(data).decode()


def _checkpoint(tree_size: int | None) -> AuditCheckpoint:
    checkpoint = latest_checkpoint() if tree_size is None else checkpoint_for_size(tree_size)
    if checkpoint is None:
        raise NotFound("no checkpoint has been signed yet" if tree_size is None
                       else f"no checkpoint was signed at tree size {tree_size}")
    return checkpoint


def leaf_inclusion(leaf_index: int, tree_size: int | None = None) -> dict[str, Any]:
    """Inclusion proof of leaf ``leaf_index`` against the checkpoint at ``tree_size`` (default: latest)."""
    checkpoint = _checkpoint(tree_size)
    if not 0 <= leaf_index < checkpoint.tree_size:
        raise BadRequest(f"leaf {leaf_index} is not in the tree of size {checkpoint.tree_size}")
    leaf = load_nodes([(0, leaf_index)]).get((0, leaf_index))
    if leaf is None:
        raise NotFound(f"leaf {leaf_index} is not stored")
    path = with_nodes(lambda get: inclusion_proof(leaf_index, checkpoint.tree_size, get))
    return {
        "leaf_index": leaf_index,
        "tree_size": checkpoint.tree_size,
        "leaf_hash": b64(leaf),
        "inclusion_path": [b64(h) for h in path],
        "checkpoint": checkpoint_to_dict(checkpoint),
    }


def event_record(event: AuditEvent) -> dict[str, Any]:
    """The stored record of an event: the object its leaf hash commits to."""
    return stored_record({name: getattr(event, name) for name in RECORD_COLUMNS})


def event_proof(event: AuditEvent) -> dict[str, Any] | None:
    """The event's inclusion proof against the latest checkpoint; None until a checkpoint covers it."""
    if event.leaf_index is None:
        return None
    checkpoint = latest_checkpoint()
    if checkpoint is None or event.leaf_index >= checkpoint.tree_size:
        return None
    return {**leaf_inclusion(event.leaf_index, checkpoint.tree_size), "record": event_record(event)}


def consistency(first: int, second: int) -> dict[str, Any]:
    """RFC 9162 consistency proof that the tree of size ``first`` is a prefix of size ``second``."""
    latest = latest_checkpoint()
    limit = latest.tree_size if latest else 0
    if not 0 < first <= second <= limit:
        raise BadRequest(f"need 0 < first <= second <= {limit} (the latest checkpoint's tree size)")
    path = with_nodes(lambda get: consistency_proof(first, second, get))
    first_cp, second_cp = checkpoint_for_size(first), checkpoint_for_size(second)
    return {
        "first": first,
        "second": second,
        "consistency_path": [b64(h) for h in path],
        "first_checkpoint": checkpoint_to_dict(first_cp) if first_cp else None,
        "second_checkpoint": checkpoint_to_dict(second_cp) if second_cp else None,
    }


@dataclass(frozen=True)
class ProofStatus:
    """Where an event stands in the tree, checked live: what the console shows on its page."""

    state: str  # unsealed | sealed | verified | failed
    leaf_index: int | None
    tree_size: int | None
    message: str


def proof_status(event: AuditEvent) -> ProofStatus:
    """Recompute the event's leaf and check its inclusion proof against the latest signed checkpoint."""
    if event.leaf_index is None:
        return ProofStatus("unsealed", None, None, "waiting for the sealer (it runs every few seconds)")
    proof = event_proof(event)
    if proof is None:
        return ProofStatus("sealed", event.leaf_index, None,
                           f"sealed at leaf {event.leaf_index}; no checkpoint covers it yet")
    shown = {**event_to_dict(event), "proof": proof}
    check = check_event_proof(shown, keyring().public_key)
    return ProofStatus("verified" if check.ok else "failed", event.leaf_index, proof["tree_size"], check.message)
