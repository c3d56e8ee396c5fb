"""Checkpoints, inclusion and consistency proofs over the API, checked with independent RFC 9162 verifiers."""

from __future__ import annotations

import base64
import json

from privacyhub.audit.checkpoints import tree_head_bytes
from privacyhub.audit.merkle_verify import verify_consistency, verify_inclusion
from privacyhub.audit.record import record_leaf_hash
from privacyhub.crypto import load_public_key, verify_signature
from tests.audit.conftest import raw, row_at


def b64d(value: str) -> bytes:
    return base64.b64decode(value)


def public_key(client, auth) -> bytes:
    body = client.get("/v1/public-key", headers=auth).get_json()
    assert body["algorithm"] == "Ed25519"
    assert load_public_key(body["public_key_pem"]) == b64d(body["public_key"])
    return b64d(body["public_key"])


def test_latest_checkpoint_is_signed_tree_head(client, auth, sealed_log):
    checkpoint = client.get("/v1/checkpoints/latest", headers=auth).get_json()
    assert checkpoint["tree_size"] == 41
    signed = tree_head_bytes(checkpoint["timestamp"], 41, b64d(checkpoint["root_hash"]))
    assert b64d(checkpoint["signed_tree_head"]) == signed and len(signed) == 51
    assert verify_signature(public_key(client, auth), signed, b64d(checkpoint["signature"]))


def test_no_checkpoint_yet_is_404(client, auth, post_events):
    post_events(count=2)
    response = client.get("/v1/checkpoints/latest", headers=auth)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_checkpoints_list_pages_and_selects_by_size(client, auth, sealed_log):
    page = client.get("/v1/checkpoints", query_string={"limit": 2}, headers=auth).get_json()
    assert [c["tree_size"] for c in page["checkpoints"]] == [41, 32]
    rest = client.get("/v1/checkpoints", query_string={"limit": 2, "cursor": page["next_cursor"]}, headers=auth)
    assert [c["tree_size"] for c in rest.get_json()["checkpoints"]] == [16]
    assert rest.get_json()["next_cursor"] is None
    one = client.get("/v1/checkpoints", query_string={"tree_size": 32}, headers=auth).get_json()
    assert [c["tree_size"] for c in one["checkpoints"]] == [32]


def test_event_carries_an_inclusion_proof_that_verifies(client, auth, sealed_log):
    key = public_key(client, auth)
    for sent in (sealed_log[0], sealed_log[21], sealed_log[39]):
        event = client.get(f"/v1/events/{sent['id']}", headers=auth).get_json()
        proof = event["proof"]
        assert proof["leaf_index"] == event["leaf_index"] and proof["tree_size"] == 41
        leaf = record_leaf_hash(proof["record"])
        assert base64.b64encode(leaf).decode() == proof["leaf_hash"]
        root = b64d(proof["checkpoint"]["root_hash"])
        assert verify_inclusion(leaf, proof["leaf_index"], 41, [b64d(h) for h in proof["inclusion_path"]], root)
        signed = b64d(proof["checkpoint"]["signed_tree_head"])
        assert verify_signature(key, signed, b64d(proof["checkpoint"]["signature"]))


def test_unsealed_event_has_no_proof_yet(client, auth, sealed_log, post_events):
    sent = post_events(count=1)[0]
    event = client.get(f"/v1/events/{sent['id']}", headers=auth).get_json()
    assert event["leaf_index"] is None and event["proof"] is None


def test_inclusion_by_leaf_index_against_an_older_checkpoint(client, auth, sealed_log):
    proof = client.get("/v1/proofs/inclusion", query_string={"leaf_index": 5, "tree_size": 16}, headers=auth)
    body = proof.get_json()
    assert body["tree_size"] == 16
    assert verify_inclusion(b64d(body["leaf_hash"]), 5, 16, [b64d(h) for h in body["inclusion_path"]],
                            b64d(body["checkpoint"]["root_hash"]))
    beyond = client.get("/v1/proofs/inclusion", query_string={"leaf_index": 20, "tree_size": 16}, headers=auth)
    assert beyond.status_code == 400
    unknown = client.get("/v1/proofs/inclusion", query_string={"leaf_index": 1, "tree_size": 17}, headers=auth)
    assert unknown.status_code == 404


def test_consistency_proofs_between_checkpoints_verify(client, auth, sealed_log):
    checkpoints = {c["tree_size"]: c for c in
                   client.get("/v1/checkpoints", headers=auth).get_json()["checkpoints"]}
    for first, second in [(16, 32), (16, 41), (32, 41), (41, 41)]:
        body = client.get("/v1/proofs/consistency", query_string={"first": first, "second": second},
                          headers=auth).get_json()
        assert body["first_checkpoint"] == checkpoints[first]
        assert verify_consistency(first, second, b64d(checkpoints[first]["root_hash"]),
                                  b64d(checkpoints[second]["root_hash"]),
                                  [b64d(h) for h in body["consistency_path"]])


def test_consistency_beyond_the_latest_checkpoint_is_400(client, auth, sealed_log):
    response = client.get("/v1/proofs/consistency", query_string={"first": 16, "second": 42}, headers=auth)
    assert response.status_code == 400
    assert client.get("/v1/proofs/consistency", query_string={"first": 0, "second": 4},
                      headers=auth).status_code == 422


def test_proof_endpoints_need_events_read(client, make_api_key, sealed_log):
    writer = {"Authorization": f"Bearer {make_api_key('events:write')}"}
    for path in ("/v1/checkpoints/latest", "/v1/checkpoints", "/v1/public-key",
                 "/v1/proofs/consistency?first=1&second=2", "/v1/proofs/inclusion?leaf_index=0"):
        assert client.get(path, headers=writer).status_code == 403
        assert client.get(path).status_code == 401


def test_openapi_documents_the_proof_endpoints(client):
    spec = client.get("/v1/openapi.json").get_json()
    for path in ("/v1/checkpoints/latest", "/v1/checkpoints", "/v1/proofs/inclusion", "/v1/proofs/consistency",
                 "/v1/public-key", "/v1/events/export"):
        assert path in spec["paths"], path
    event = spec["paths"]["/v1/events/{event_id}"]["get"]["responses"]["200"]
    assert "EventWithProofOut" in json.dumps(event)


def test_verify_proof_command_checks_event_offline(client, auth, sealed_log, runner, tmp_path):
    event = client.get(f"/v1/events/{sealed_log[9]['id']}", headers=auth).get_json()
    key_file = tmp_path / "log.pem"
    key_file.write_text(client.get("/v1/public-key", headers=auth).get_json()["public_key_pem"])
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(event))
    result = runner.invoke(args=["audit", "verify-proof", str(event_file), "--public-key", str(key_file)])
    assert result.exit_code == 0 and result.output.startswith(f"OK: event {event['id']} is leaf 10 of the log of 41")

    for name, forge in [
        ("action", lambda e: e.update(action="user.logout")),
        ("record", lambda e: e["proof"]["record"].update(action="user.logout")),
        ("path", lambda e: e["proof"]["inclusion_path"].reverse()),
        ("signature", lambda e: e["proof"]["checkpoint"].update(timestamp=e["proof"]["checkpoint"]["timestamp"] + 1)),
        ("index", lambda e: e["proof"].update(leaf_index=9) or e.update(leaf_index=9)),
    ]:
        forged = json.loads(json.dumps(event))
        forge(forged)
        event_file.write_text(json.dumps(forged))
        result = runner.invoke(args=["audit", "verify-proof", str(event_file), "--public-key", str(key_file)])
        assert result.exit_code == 1, (name, result.output)


def test_standalone_checker_runs_without_the_app(client, auth, sealed_log, tmp_path):
    import subprocess
    import sys

    event = client.get(f"/v1/events/{sealed_log[3]['id']}", headers=auth).get_json()
    (tmp_path / "event.json").write_text(json.dumps(event))
    (tmp_path / "key.b64").write_text(client.get("/v1/public-key", headers=auth).get_json()["public_key"])
    done = subprocess.run([sys.executable, "-m", "privacyhub.audit.proof_check", str(tmp_path / "event.json"),
                           str(tmp_path / "key.b64")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "is leaf 4 of the log of 41" in done.stdout


def test_proof_served_from_a_tampered_row_fails_offline(client, auth, sealed_log, runner, tmp_path):
    raw(f"UPDATE audit_events SET action = 'user.logout' WHERE {row_at('= 3')}")
    event = client.get(f"/v1/events/{sealed_log[2]['id']}", headers=auth).get_json()
    (tmp_path / "event.json").write_text(json.dumps(event))
    (tmp_path / "key.pem").write_text(client.get("/v1/public-key", headers=auth).get_json()["public_key_pem"])
    result = runner.invoke(args=["audit", "verify-proof", str(tmp_path / "event.json"),
                                 "--public-key", str(tmp_path / "key.pem")])
    assert result.exit_code == 1 and "does not lead from leaf 3" in result.output
