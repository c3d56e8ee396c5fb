"""``privacyhub audit verify``: passes on an untouched log and names the exact index of every tampering."""

from __future__ import annotations

import pytest

from privacyhub.audit.verify import verify_log
from tests.audit.conftest import delete_rows_at, raw, row_at
from tests.factories import event_payload


def verify(runner, *args: str):
    result = runner.invoke(args=["audit", "verify", *args])
    return result.exit_code, result.output


def test_untouched_log_verifies(runner, sealed_log):
    code, output = verify(runner)
    assert code == 0, output
    assert output.startswith("OK: 41 leaves [0, 41) recomputed, 3 checkpoints verified")


def test_empty_log_verifies(runner, app):
    assert verify(runner) == (0, "OK: 0 leaves [0, 0) recomputed, 0 checkpoints verified\n")


def test_unsealed_events_are_not_yet_checked(runner, sealed_log, post_events):
    post_events(count=5)
    code, output = verify(runner)
    assert code == 0 and "[0, 41)" in output


@pytest.mark.parametrize("column, value", [
    ("action", "'user.logout'"), ("actor_id", "'someone-else'"), ("outcome", "'failure'"),
    ("metadata", "'{\"n\": 99}'"), ("sealed", "NULL"), ("subject_ref", "NULL"),
])
def test_changed_field_is_named_by_index(runner, sealed_log, column, value):
    raw(f"UPDATE audit_events SET {column} = {value} WHERE {row_at('= 13')}")  # noqa: S608
    code, output = verify(runner)
    assert code == 1
    assert output == "FAILED: leaf 13: the row was changed (it no longer hashes to the sealed leaf)\n"


def test_changed_time_is_named_by_index(runner, sealed_log):
    raw(f"UPDATE audit_events SET occurred_at = (SELECT received_at FROM audit_events WHERE {row_at('= 0')}) "
        f"WHERE {row_at('= 21')}")
    assert verify(runner) == (1, "FAILED: leaf 21: the row was changed (it no longer hashes to the sealed leaf)\n")


def test_changed_row_with_recomputed_leaf_hash_column_is_still_caught(runner, sealed_log):
    raw(f"UPDATE audit_events SET action = 'user.logout', leaf_hash = NULL WHERE {row_at('= 7')}")
    assert verify(runner)[0] == 1 and "leaf 7: the row was changed" in verify(runner)[1]


def test_removed_row_is_named_by_index(runner, sealed_log):
    delete_rows_at("= 17")
    assert verify(runner) == (1, "FAILED: leaf 17: the row was removed\n")


def test_removed_row_with_later_rows_moved_down_is_named_by_index(runner, sealed_log):
    delete_rows_at("= 9")
    raw("DELETE FROM audit_leaves WHERE leaf_index = 9")
    for index in range(10, 41):
        raw("UPDATE audit_leaves SET leaf_index = :new WHERE leaf_index = :old", new=index - 1, old=index)
    code, output = verify(runner)
    assert code == 1 and output.startswith("FAILED: leaf 9: the row was removed; later rows moved down")


FORGED_ID = "00000000-0000-4000-8000-000000000001"


def _insert_copy(source_index: int, leaf_index: int, action: str = "user.password_reset") -> None:
    """A new row copied from the one at ``source_index``, claiming to be sealed at ``leaf_index``."""
    raw("INSERT INTO audit_events (id, occurred_at, received_at, action, actor_type, actor_id, actor_name, targets, "
        "outcome, location, metadata, source, subject_ref, subject_key_id, sealed, content_digest, leaf_hash) "
        f"SELECT '{FORGED_ID}', occurred_at, received_at, :action, actor_type, actor_id, actor_name, targets, "
        "outcome, location, metadata, source, subject_ref, subject_key_id, sealed, content_digest, leaf_hash "
        f"FROM audit_events WHERE {row_at('= :source')}", action=action, source=source_index)
    raw("INSERT INTO audit_leaves (seq, leaf_index) SELECT seq, :leaf_index FROM audit_events WHERE id = :id",
        leaf_index=leaf_index, id=FORGED_ID)


def test_inserted_row_with_later_rows_moved_up_is_named_by_index(runner, sealed_log):
    for index in range(40, 24, -1):
        raw("UPDATE audit_leaves SET leaf_index = :new WHERE leaf_index = :old", new=index + 1, old=index)
    _insert_copy(0, 25)
    code, output = verify(runner)
    assert code == 1 and output.startswith("FAILED: leaf 25: a row was inserted here")


def test_inserted_row_beyond_the_tree_is_named_by_index(runner, sealed_log):
    _insert_copy(3, 41)
    assert verify(runner) == (1, "FAILED: leaf 41: a row claims a leaf index beyond the tree of 41 leaves\n")


def test_swapped_rows_are_named_by_the_first_index(runner, sealed_log):
    raw("UPDATE audit_leaves SET leaf_index = -1 WHERE leaf_index = 11")
    raw("UPDATE audit_leaves SET leaf_index = 11 WHERE leaf_index = 30")
    raw("UPDATE audit_leaves SET leaf_index = 30 WHERE leaf_index = -1")
    assert verify(runner) == (1, "FAILED: leaf 11: rows were reordered (this row was sealed at leaf 30)\n")


def test_swapped_neighbours_are_reordered_not_removed(runner, sealed_log):
    raw("UPDATE audit_leaves SET leaf_index = -1 WHERE leaf_index = 4")
    raw("UPDATE audit_leaves SET leaf_index = 4 WHERE leaf_index = 5")
    raw("UPDATE audit_leaves SET leaf_index = 5 WHERE leaf_index = -1")
    assert verify(runner) == (1, "FAILED: leaf 4: rows were reordered (this row was sealed at leaf 5)\n")


def test_swapped_contents_are_caught_at_the_first_index(runner, sealed_log):
    raw(f"UPDATE audit_events SET metadata = '{{\"n\": 36}}' WHERE {row_at('= 6')}")
    code, output = verify(runner)
    assert code == 1 and output.startswith("FAILED: leaf 6:")


def test_truncated_tail_is_named_by_its_first_index(runner, sealed_log):
    delete_rows_at(">= 35")
    raw("DELETE FROM audit_leaves WHERE leaf_index >= 35")
    assert verify(runner) == (1, "FAILED: leaf 35: the row was removed\n")


def test_truncated_tail_with_its_tree_is_caught_by_the_checkpoint(runner, sealed_log):
    delete_rows_at(">= 35")
    raw("DELETE FROM audit_leaves WHERE leaf_index >= 35")
    raw("DELETE FROM merkle_nodes WHERE node_index * (1 << level) + (1 << level) > 35")
    raw("UPDATE audit_log_state SET tree_size = 35")
    assert verify(runner) == (1, "FAILED: checkpoint at tree size 41 is beyond the stored tree of 35 leaves\n")


def test_forged_checkpoint_signature_is_named(runner, sealed_log):
    raw("UPDATE audit_checkpoints SET root_hash = (SELECT root_hash FROM audit_checkpoints WHERE tree_size = 16) "
        "WHERE tree_size = 32")
    assert verify(runner) == (1, "FAILED: checkpoint at tree size 32: the signature does not verify\n")


def test_checkpoint_signed_by_another_key_is_named(runner, sealed_log):
    raw("UPDATE audit_checkpoints SET key_id = 'aa' WHERE tree_size = 41")
    assert verify(runner) == (1, "FAILED: checkpoint at tree size 41: the signature does not verify\n")


def test_altered_tree_node_is_named(runner, sealed_log):
    raw("UPDATE merkle_nodes SET hash = (SELECT hash FROM merkle_nodes WHERE level = 0 AND node_index = 0) "
        "WHERE level = 2 AND node_index = 5")
    code, output = verify(runner)
    assert code == 1 and output.startswith("FAILED: leaf 20: leaves [20, 24) no longer hash to the stored tree node "
                                           "(level 2, index 5)")


def test_row_and_its_stored_leaf_changed_together_are_caught_by_the_checkpoint(app, sealed_log):
    from privacyhub.audit.record import RECORD_COLUMNS, row_leaf_hash
    from privacyhub.extensions import db
    from privacyhub.models import AuditEvent

    raw(f"UPDATE audit_events SET action = 'user.logout' WHERE {row_at('= 20')}")
    event = db.session.query(AuditEvent).filter_by(leaf_index=20).one()
    forged = row_leaf_hash({name: getattr(event, name) for name in RECORD_COLUMNS})
    db.session.remove()
    raw("UPDATE merkle_nodes SET hash = :h WHERE level = 0 AND node_index = 20", h=forged)
    raw(f"UPDATE audit_events SET leaf_hash = :h WHERE {row_at('= 20')}", h=forged)
    report = verify_log()
    assert not report.ok and report.problem.kind in ("node", "checkpoint")
    assert report.problem.leaf_index == 20


def test_from_index_checks_only_the_tail(runner, sealed_log):
    raw(f"UPDATE audit_events SET action = 'user.logout' WHERE {row_at('= 3')}")
    code, output = verify(runner, "--from-index", "20")
    assert code == 0 and "21 leaves [20, 41)" in output
    assert verify(runner)[0] == 1


def test_verify_covers_hub_events_and_every_batch_shape(runner, post_events, seal):
    post_events([event_payload(i, metadata={"amount": 12.5, "tiny": 1e-7, "big": 1e21, "whole": 3.0,
                                             "unicode": "Zoë ✓ 😀", "nested": [{"b": 1, "a": None}]})
                 for i in range(7)])
    post_events(count=3, subject=None, personal_data={}, context={})
    seal()
    assert verify(runner)[0] == 0


@pytest.mark.parametrize("tamper, expected", [
    (None, "OK: 41 leaves [0, 41) recomputed"),
    (f"UPDATE audit_events SET outcome = 'failure' WHERE {row_at('= 27')}", "FAILED: leaf 27: the row was changed"),
    (f"DELETE FROM audit_events WHERE {row_at('= 33')}", "FAILED: leaf 33: the row was removed"),
])
def test_worker_processes_find_the_same(runner, sealed_log, monkeypatch, tamper, expected):
    import privacyhub.audit.verify as verify_module

    monkeypatch.setattr(verify_module, "CHUNK", 8)  # several chunks, spread over the workers
    if tamper:
        raw(f"DELETE FROM audit_event_targets WHERE event_id IN (SELECT id FROM audit_events WHERE {row_at('= 33')})")
        raw(tamper)
    code, output = verify(runner, "--jobs", "2")
    assert output.startswith(expected) and code == (0 if tamper is None else 1), output
