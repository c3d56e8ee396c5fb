"""``GET /v1/events/export``: the listing's filters as streamed CSV or Parquet, audited."""

from __future__ import annotations

import io

import pandas as pd
import pyarrow.parquet as pq

from tests.factories import event_payload


def test_csv_export_has_every_matching_event_in_log_order(client, auth, post_events):
    sent = post_events(count=30)
    response = client.get("/v1/events/export", query_string={"format": "csv", "action": "user.login"}, headers=auth)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="audit-events.csv"' in response.headers["Content-Disposition"]
    frame = pd.read_csv(io.BytesIO(response.data))
    assert list(frame["id"]) == [e["id"] for e in sent]
    assert frame.loc[0, "subject"] == sent[0]["subject"] and frame.loc[0, "ip"] == "192.0.2.10"
    assert frame.loc[0, "occurred_at"].startswith("2026-01-15T12:00:00")


def test_export_applies_the_filters(client, auth, post_events):
    post_events(count=20)
    post_events([event_payload(50, action="order.paid", actor={"type": "user", "id": "buyer"})])
    response = client.get("/v1/events/export", query_string={"format": "csv", "actor_id": "buyer"}, headers=auth)
    frame = pd.read_csv(io.BytesIO(response.data))
    assert list(frame["action"]) == ["order.paid"]
    by_subject = client.get("/v1/events/export", query_string={"subject": "person1@example.com"}, headers=auth)
    assert len(pd.read_csv(io.BytesIO(by_subject.data))) == 4


def test_parquet_export_streams_row_groups(client, auth, post_events, monkeypatch):
    import privacyhub.audit.export as export

    monkeypatch.setattr(export, "CHUNK", 7)
    sent = post_events(count=30)
    response = client.get("/v1/events/export", query_string={"format": "parquet", "action": "user.*"},
                          headers=auth)
    assert response.status_code == 200 and response.mimetype == "application/vnd.apache.parquet"
    assert response.is_streamed
    parquet = pq.ParquetFile(io.BytesIO(response.data))
    assert parquet.metadata.num_row_groups >= 5
    table = parquet.read().to_pandas()
    assert list(table["id"]) == [e["id"] for e in sent]
    assert str(table["occurred_at"].dtype) in ("datetime64[us, UTC]", "datetime64[ns, UTC]")


def test_empty_exports_are_valid_files(client, auth, app):
    csv = client.get("/v1/events/export", query_string={"format": "csv", "action": "none.such"}, headers=auth)
    assert csv.data.decode().startswith("id,leaf_index,occurred_at")
    parquet = client.get("/v1/events/export", query_string={"format": "parquet", "action": "none.such"}, headers=auth)
    assert pq.ParquetFile(io.BytesIO(parquet.data)).metadata.num_rows == 0


def test_export_is_audited_without_the_subject_identifier(client, auth, post_events):
    post_events(count=3)
    client.get("/v1/events/export", query_string={"subject": "person1@example.com", "format": "csv"}, headers=auth)
    events = client.get("/v1/events", query_string={"action": "audit.exported"}, headers=auth).get_json()["events"]
    assert len(events) == 1
    recorded = events[0]["metadata"]
    assert recorded["format"] == "csv" and "subject_ref" in recorded["filters"]
    assert "person1@example.com" not in str(events[0])


def test_export_needs_events_read_and_a_known_format(client, make_api_key, auth):
    writer = {"Authorization": f"Bearer {make_api_key('events:write')}"}
    assert client.get("/v1/events/export", headers=writer).status_code == 403
    assert client.get("/v1/events/export", query_string={"format": "xlsx"}, headers=auth).status_code == 422
