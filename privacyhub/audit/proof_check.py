"""Check an event's inclusion proof with nothing but the event JSON and the log's public key.

Needs no database and no app: ``privacyhub audit verify-proof event.json --public-key
key.pem``, or ``python -m privacyhub.audit.proof_check event.json key.pem``. The steps
are the ones docs/audit-log.md lists for independent verifiers.
"""

from __future__ import annotations

import base64
import binascii
import json
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from privacyhub.audit.checkpoints import tree_head_bytes
from privacyhub.audit.merkle_verify import verify_inclusion
from privacyhub.audit.record import record_leaf_hash
from privacyhub.crypto import load_public_key, public_key_id, verify_signature
from privacyhub.errors import ProblemError


@dataclass(frozen=True)
class ProofCheck:
    """The verdict and a sentence saying why."""

    ok: bool
    message: str


def _same_time(a: Any, b: Any) -> bool:
    try:
        return datetime.fromisoformat(str(a).replace("Z", "+00:00")) == datetime.fromisoformat(
            str(b).replace("Z", "+00:00"))
    except ValueError:
        return False


def _record_mismatch(event: dict[str, Any], record: dict[str, Any]) -> str | None:
    """The first public field where the event shown differs from the record the leaf commits to."""
    actor, context = event.get("actor") or {}, event.get("context") or {}
    pairs = {
        "id": (event.get("id"), record.get("id")),
        "action": (event.get("action"), record.get("action")),
        "actor.type": (actor.get("type"), record.get("actor_type")),
        "actor.id": (actor.get("id"), record.get("actor_id")),
        "actor.name": (actor.get("name"), record.get("actor_name")),
        "targets": (event.get("targets"), record.get("targets")),
        "outcome": (event.get("outcome"), record.get("outcome")),
        "context.location": (context.get("location"), record.get("location")),
        "metadata": (event.get("metadata"), record.get("metadata")),
        "source": (event.get("source"), record.get("source")),
    }
    for name, (shown, committed) in pairs.items():
        if shown != committed:
            return name
    for name in ("occurred_at", "received_at"):
        if not _same_time(event.get(name), record.get(name)):
            return name
    return None


def check_event_proof(event: dict[str, Any], public_key: bytes) -> ProofCheck:
    """Verify that ``event`` (as ``GET /v1/events/<id>`` returns it) is in the signed log."""
    proof = event.get("proof")
    if not isinstance(proof, dict):
        return ProofCheck(False, "the event carries no proof (not yet covered by a checkpoint?)")
    try:
        record, checkpoint = proof["record"], proof["checkpoint"]
        leaf_index, tree_size = int(proof["leaf_index"]), int(proof["tree_size"])
        path = [base64.b64decode(h, validate=True) for h in proof["inclusion_path"]]
        root = base64.b64decode(checkpoint["root_hash"], validate=True)
        signature = base64.b64decode(checkpoint["signature"], validate=True)
        signed = tree_head_bytes(int(checkpoint["timestamp"]), int(checkpoint["tree_size"]), root)
        leaf = record_leaf_hash(record)
    except (KeyError, TypeError, ValueError, binascii.Error, ProblemError) as exc:
        return ProofCheck(False, f"the proof is malformed: {exc}")
    mismatch = _record_mismatch(event, record)
    if mismatch:
        return ProofCheck(False, f"the event's {mismatch} differs from the record its leaf hash commits to")
    if event.get("leaf_index") not in (None, leaf_index):
        return ProofCheck(False, "the event's leaf_index differs from the proof's")
    if checkpoint.get("key_id") != public_key_id(public_key):
        return ProofCheck(False, "the checkpoint names a different signing key than the one given")
    if not verify_signature(public_key, signed, signature):
        return ProofCheck(False, f"the checkpoint at tree size {checkpoint['tree_size']} has an invalid signature")
    if int(checkpoint["tree_size"]) != tree_size:
        return ProofCheck(False, "the proof's tree size differs from its checkpoint's")
    if not verify_inclusion(leaf, leaf_index, tree_size, path, root):
        return ProofCheck(False, f"the inclusion proof does not lead from leaf {leaf_index} to the signed root")
    return ProofCheck(True, f"OK: event {event.get('id')} is leaf {leaf_index} of the log of {tree_size} "
                            f"leaves signed at {checkpoint.get('issued_at')}")


def main(argv: list[str]) -> int:
    """``python -m privacyhub.audit.proof_check EVENT_JSON PUBLIC_KEY``."""
    if len(argv) != 2:
        print("usage: python -m privacyhub.audit.proof_check EVENT_JSON PUBLIC_KEY", file=sys.stderr)
        return 2
    with open(argv[0]) as handle:
        event = json.load(handle)
    with open(argv[1], "rb") as handle:
        result = check_event_proof(event, load_public_key(handle.read()))
    print(result.message)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
