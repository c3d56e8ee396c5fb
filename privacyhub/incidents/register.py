"""The breach register (Art. 33(5)): every incident, notified or not, as CSV or XLSX.

Art. 33(5) asks for the facts, the effects and the remedial action of every breach, so
the authority can verify compliance; the columns below carry those, the decisions with
their reasons, and how and when each notification went out. Times are UTC.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from privacyhub.extensions import db
from privacyhub.incidents import taxonomy
from privacyhub.incidents.clock import incident_clock
from privacyhub.incidents.drafts import approximate
from privacyhub.models import Incident

TIME_COLUMNS = ("occurred_from", "occurred_to", "aware_at", "notification_deadline",
                "authority_notified_at", "subjects_notified_at", "closed_at")
COUNT_COLUMNS = ("subjects_min", "subjects_max", "records_min", "records_max")
# A spreadsheet runs text that starts like a formula; such cells get a leading apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "; "
REGISTER_COLUMNS = [
    "reference", "id", "title", "status", "nature", "facts", "discovery", "occurred_from", "occurred_to",
    "aware_at", "notification_deadline", "data_categories", "special_categories", "criminal_offence_data",
    "subject_categories", "subjects_min", "subjects_max", "subjects_approximately", "records_min", "records_max",
    "records_approximately", "systems_affected", "effects", "remedial_action_taken", "remedial_action_proposed",
    "risk", "risk_rationale", "authority_decision", "authority_decision_reason", "authority_notified_at",
    "authority_reference", "deadline_missed", "delay_reason", "subjects_decision", "subjects_exception",
    "subjects_decision_reason", "subjects_notified_at", "owner", "closed_at",
]


def _first_sent(incident: Incident, audience: str) -> Any:
    sent = [n for n in incident.notifications if n.audience == audience and n.is_sent]
    return min(sent, key=lambda n: n.sent_at) if sent else None


def register_row(incident: Incident) -> dict[str, Any]:
    """One register line for an incident."""
    authority, subjects = _first_sent(incident, "authority"), _first_sent(incident, "subjects")
    clock = incident_clock(incident)
    join = LIST_SEPARATOR.join
    return {
        "reference": incident.reference,
        "id": incident.id,
        "title": incident.title,
        "status": incident.status,
        "nature": join(incident.nature),
        "facts": incident.description,
        "discovery": incident.discovery,
        "occurred_from": incident.occurred_from,
        "occurred_to": incident.occurred_to,
        "aware_at": incident.aware_at,
        "notification_deadline": incident.notification_deadline,
        "data_categories": join(incident.data_categories),
        "special_categories": join(taxonomy.special_categories(incident.data_categories)),
        "criminal_offence_data": join(taxonomy.criminal_categories(incident.data_categories)),
        "subject_categories": join(incident.subject_categories),
        "subjects_min": incident.subjects_min,
        "subjects_max": incident.subjects_max,
        "subjects_approximately": approximate(incident.subjects_min, incident.subjects_max),
        "records_min": incident.records_min,
        "records_max": incident.records_max,
        "records_approximately": approximate(incident.records_min, incident.records_max),
        "systems_affected": join(incident.systems_affected),
        "effects": incident.consequences,
        "remedial_action_taken": incident.measures_taken,
        "remedial_action_proposed": incident.measures_proposed,
        "risk": incident.risk or "",
        "risk_rationale": incident.risk_rationale,
        "authority_decision": incident.authority_decision or "",
        "authority_decision_reason": incident.authority_decision_reason,
        "authority_notified_at": authority.sent_at if authority else None,
        "authority_reference": authority.reference if authority else "",
        "deadline_missed": bool(authority and authority.sent_at > incident.notification_deadline)
        or (clock.running and clock.overdue),
        "delay_reason": authority.delay_reason or "" if authority else "",
        "subjects_decision": incident.subjects_decision or "",
        "subjects_exception": incident.subjects_exception or "",
        "subjects_decision_reason": incident.subjects_decision_reason,
        "subjects_notified_at": subjects.sent_at if subjects else None,
        "owner": incident.owner or "",
        "closed_at": incident.closed_at,
    }


def register_frame(incidents: Iterable[Incident] | None = None) -> pd.DataFrame:
    """The register as a DataFrame (every incident by default), UTC times, nullable counts."""
    if incidents is None:
        incidents = db.session.scalars(
            select(Incident).options(selectinload(Incident.notifications)).order_by(Incident.seq))
    frame = pd.DataFrame([register_row(i) for i in incidents], columns=REGISTER_COLUMNS)
    for column in TIME_COLUMNS:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    for column in COUNT_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    frame["deadline_missed"] = frame["deadline_missed"].astype(bool)
    return frame


def _defuse(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _for_spreadsheet(frame: pd.DataFrame) -> pd.DataFrame:
    text = frame.select_dtypes(include=["object", "string"]).columns
    return frame.assign(**{c: frame[c].map(_defuse) for c in text})


def register_csv(frame: pd.DataFrame | None = None) -> bytes:
    """The register as UTF-8 CSV (with a BOM so spreadsheet programs read it as UTF-8)."""
    frame = register_frame() if frame is None else frame
    out = _for_spreadsheet(frame)
    for column in TIME_COLUMNS:
        out[column] = out[column].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out.to_csv(index=False).encode("utf-8-sig")


def register_xlsx(frame: pd.DataFrame | None = None) -> bytes:
    """The register as an XLSX workbook, one sheet; times as date cells in UTC."""
    frame = register_frame() if frame is None else frame
    out = _for_spreadsheet(frame)
    for column in TIME_COLUMNS:
        out[column] = out[column].dt.tz_convert("UTC").dt.tz_localize(None)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        out.to_excel(writer, index=False, sheet_name="Breach register")
    return buffer.getvalue()
