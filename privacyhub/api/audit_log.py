"""``/v1/checkpoints``, ``/v1/proofs/...`` and ``/v1/public-key``: what verifiers of the log need."""

from __future__ import annotations

import base64

from flask_openapi3 import Tag

from privacyhub.api import api_blueprint
from privacyhub.audit.checkpoints import checkpoint_to_dict, latest_checkpoint, page_checkpoints
from privacyhub.audit.proof_schemas import (
    CheckpointOut,
    CheckpointPage,
    CheckpointQuery,
    ConsistencyOut,
    ConsistencyQuery,
    InclusionQuery,
    LeafInclusionOut,
    PublicKeyOut,
)
from privacyhub.audit.proofs import consistency, leaf_inclusion
from privacyhub.audit.query import decode_cursor, encode_cursor
from privacyhub.auth.api_keys import require_scope
from privacyhub.crypto import keyring, public_key_pem
from privacyhub.errors import NotFound

bp = api_blueprint("audit_log")
TAG = [Tag(name="audit log", description="Checkpoints and proofs (RFC 9162) for verifying the audit log")]
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]


@bp.get("/checkpoints/latest", tags=TAG, security=SECURITY, responses={200: CheckpointOut})
@require_scope("events:read")
def get_latest_checkpoint():
    """The newest signed checkpoint (tree size, root hash, time, signature)."""
    checkpoint = latest_checkpoint()
    if checkpoint is None:
        raise NotFound("no checkpoint has been signed yet")
    return checkpoint_to_dict(checkpoint)


@bp.get("/checkpoints", tags=TAG, security=SECURITY, responses={200: CheckpointPage})
@require_scope("events:read")
def list_checkpoints(query: CheckpointQuery):
    """Signed checkpoints, newest first; ``tree_size`` selects the one of exactly that size."""
    before = decode_cursor(query.cursor) if query.cursor else None
    checkpoints, next_size = page_checkpoints(query.limit, before_size=before, tree_size=query.tree_size)
    return {"checkpoints": [checkpoint_to_dict(c) for c in checkpoints],
            "next_cursor": encode_cursor(next_size) if next_size is not None else None}


@bp.get("/proofs/inclusion", tags=TAG, security=SECURITY, responses={200: LeafInclusionOut})
@require_scope("events:read")
def get_inclusion_proof(query: InclusionQuery):
    """Inclusion proof of a leaf (also of a purged event) against a checkpoint, the latest by default."""
    return leaf_inclusion(query.leaf_index, query.tree_size)


@bp.get("/proofs/consistency", tags=TAG, security=SECURITY, responses={200: ConsistencyOut})
@require_scope("events:read")
def get_consistency_proof(query: ConsistencyQuery):
    """Consistency proof that the tree of size ``first`` is a prefix of the tree of size ``second``."""
    return consistency(query.first, query.second)


@bp.get("/public-key", tags=TAG, security=SECURITY, responses={200: PublicKeyOut})
@require_scope("events:read")
def get_public_key():
    """The Ed25519 key checkpoints are signed with, and its key id."""
    ring = keyring()
    return {"algorithm": "Ed25519", "key_id": ring.public_key_id,
            "public_key": base64.b64encode(ring.public_key).decode(), "public_key_pem": public_key_pem(ring.public_key)}
