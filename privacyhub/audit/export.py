"""Exporting the log: the listing's filters, streamed as CSV or Parquet a chunk at a time.

Each chunk goes through the same opening as the API (``events_to_dicts``), so shredded
subjects export as empty personal columns, then becomes a pandas frame; Parquet row
groups are written by pyarrow with one fixed schema, so an empty export is still a
valid file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from privacyhub.audit.ingest import record_hub_event
from privacyhub.audit.query import EventFilter, events_to_dicts, filtered
from privacyhub.crypto import keyring
from privacyhub.extensions import db
from privacyhub.models import AuditEvent

CHUNK = 2000
TIMESTAMP = pa.timestamp("us", tz="UTC")
SCHEMA = pa.schema([
    ("id", pa.string()), ("leaf_index", pa.int64()), ("occurred_at", TIMESTAMP), ("received_at", TIMESTAMP),
    ("action", pa.string()), ("actor_type", pa.string()), ("actor_id", pa.string()), ("actor_name", pa.string()),
    ("targets", pa.string()), ("subject", pa.string()), ("ip", pa.string()), ("user_agent", pa.string()),
    ("location", pa.string()), ("outcome", pa.string()), ("metadata", pa.string()), ("personal_data", pa.string()),
    ("source", pa.string()),
])
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


def record_export(actor: dict[str, Any], file_format: str, flt: EventFilter) -> None:
    """Audit an export (not committed): the format and filters, a subject filter only as its pseudonym."""
    filters = {name: value.isoformat() if hasattr(value, "isoformat") else value
               for name, value in vars(flt).items() if value is not None and name != "subject"}
    if flt.subject:
        filters["subject_ref"] = keyring().pseudonym(flt.subject)
    record_hub_event("audit.exported", actor, metadata={"format": file_format, "filters": filters})


def stream_export(file_format: str, flt: EventFilter) -> Iterator[bytes]:
    """The export file in pieces: ``csv`` or ``parquet``."""
    return stream_csv(flt) if file_format == "csv" else stream_parquet(flt)


def _json_text(value: Any) -> str | None:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value not in (None, {}, []) else None


def flat_row(event: dict[str, Any]) -> dict[str, Any]:
    """One export row from the API shape of an event; nested values as JSON text."""
    actor, context = event["actor"], event["context"]
    return {
        "id": event["id"], "leaf_index": event["leaf_index"],
        "occurred_at": event["occurred_at"], "received_at": event["received_at"],
        "action": event["action"], "actor_type": actor["type"], "actor_id": actor["id"], "actor_name": actor["name"],
        "targets": _json_text(event["targets"]), "subject": event["subject"],
        "ip": context["ip"], "user_agent": context["user_agent"], "location": context["location"],
        "outcome": event["outcome"], "metadata": _json_text(event["metadata"]),
        "personal_data": _json_text(event["personal_data"]), "source": event["source"],
    }


def export_frames(flt: EventFilter) -> Iterator[pd.DataFrame]:
    """The matching events in log order, ``CHUNK`` rows per frame (keyset paging on ``seq``)."""
    stmt, after = filtered(flt, keyring()), None
    while True:
        page = stmt.where(AuditEvent.seq > after) if after is not None else stmt
        events = list(db.session.scalars(page.limit(CHUNK)))
        if not events:
            return
        frame = pd.DataFrame([flat_row(e) for e in events_to_dicts(events)], columns=SCHEMA.names)
        for column in ("occurred_at", "received_at"):
            frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
        frame["leaf_index"] = frame["leaf_index"].astype("Int64")
        yield frame
        after = events[-1].seq
        db.session.expunge_all()
        if len(events) < CHUNK:
            return


def stream_csv(flt: EventFilter) -> Iterator[bytes]:
    """CSV with a header row, UTF-8, times in ISO 8601 UTC."""
    header = True
    for frame in export_frames(flt):
        yield frame.to_csv(index=False, header=header, date_format="%Y-%m-%dT%H:%M:%S.%fZ").encode()
        header = False
    if header:
        yield (",".join(SCHEMA.names) + "\n").encode()


class _Chunks:
    """A write-only file that hands what was written back out in pieces, for streaming."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._position = 0
        self.closed = False

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        """Nothing buffered here; ``drain`` hands the bytes on."""

    def close(self) -> None:
        self.closed = True

    def drain(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def stream_parquet(flt: EventFilter) -> Iterator[bytes]:
    """A Parquet file, one row group per chunk, yielded as it is written."""
    sink = _Chunks()
    writer = pq.ParquetWriter(sink, SCHEMA, compression="zstd")
    for frame in export_frames(flt):
        writer.write_table(pa.Table.from_pandas(frame, schema=SCHEMA, preserve_index=False))
        yield sink.drain()
    writer.close()
    yield sink.drain()
