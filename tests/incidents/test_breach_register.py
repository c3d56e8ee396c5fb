"""The Art. 33(5) breach register: every incident, exported to CSV and XLSX, read back by pandas."""

from __future__ import annotations

import io
from datetime import timedelta

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from privacyhub.extensions import db
from privacyhub.incidents.notifications import draft_notification, mark_sent
from privacyhub.incidents.record import open_incident, update_incident
from privacyhub.incidents.register import (
    COUNT_COLUMNS,
    REGISTER_COLUMNS,
    TIME_COLUMNS,
    register_csv,
    register_frame,
    register_row,
    register_xlsx,
)
from tests.factories import BASE_TIME, OPERATOR_ACTOR, incident_fields


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def incidents(app):
    """One notified late with a reason, one not notified (no risk), one still open with unknown numbers."""
    notified = open_incident(incident_fields(title="=HYPERLINK(\"http://evil\")"), OPERATOR_ACTOR, now=BASE_TIME)
    update_incident(notified, {"authority_decision": "notify"}, OPERATOR_ACTOR, now=BASE_TIME)
    notification = draft_notification(notified, "authority", "initial", OPERATOR_ACTOR, now=BASE_TIME)
    late = BASE_TIME + timedelta(hours=75)
    mark_sent(notification, OPERATOR_ACTOR, sent_at=late, channel="web form", reference="DPA-9",
              delay_reason="Forensics needed 3 days.", now=late)
    quiet = open_incident(incident_fields(title="Laptop lost, disk encrypted", risk="no_risk",
                                          risk_rationale="Full-disk encryption, key not lost.",
                                          data_categories=["user.criminal_history"]), OPERATOR_ACTOR, now=BASE_TIME)
    update_incident(quiet, {"authority_decision": "not_notify", "authority_decision_reason": "No risk: encrypted."},
                    OPERATOR_ACTOR, now=BASE_TIME)
    open_incident(incident_fields(title="Ransomware on file server", nature=["availability", "integrity"],
                                  subjects_min=None, subjects_max=None, records_min=None, records_max=None,
                                  risk=None, risk_rationale="", occurred_to=None), OPERATOR_ACTOR, now=BASE_TIME)
    db.session.commit()


def test_register_holds_every_incident_notified_or_not(incidents):
    frame = register_frame()
    assert list(frame.columns) == REGISTER_COLUMNS
    assert list(frame["reference"]) == ["INC-00001", "INC-00002", "INC-00003"]
    first, second, third = frame.to_dict("records")
    assert first["authority_reference"] == "DPA-9" and first["delay_reason"] == "Forensics needed 3 days."
    assert first["authority_notified_at"] == pd.Timestamp(BASE_TIME + timedelta(hours=75))
    assert first["special_categories"] == "user.health_and_medical"
    assert second["authority_decision"] == "not_notify" and second["authority_decision_reason"]
    assert second["criminal_offence_data"] == "user.criminal_history" and not second["deadline_missed"]
    assert third["subjects_approximately"] == "not yet known" and pd.isna(third["subjects_min"])
    assert third["nature"] == "availability; integrity" and third["deadline_missed"]
    assert first["facts"] and first["effects"] and first["remedial_action_taken"]


def test_row_keys_are_the_register_columns(incidents):
    from privacyhub.models import Incident

    assert list(register_row(db.session.get(Incident, 1))) == REGISTER_COLUMNS


def _expected() -> pd.DataFrame:
    frame = register_frame()
    frame["title"] = frame["title"].map(lambda t: "'" + t if t.startswith("=") else t)
    return frame


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """What a reader gets back, in the register's types."""
    frame = frame.copy()
    for column in TIME_COLUMNS:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    for column in COUNT_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    text = [c for c in REGISTER_COLUMNS if c not in TIME_COLUMNS + COUNT_COLUMNS]
    text.remove("deadline_missed")
    frame[text] = frame[text].astype(object).fillna("")
    frame["deadline_missed"] = frame["deadline_missed"].astype(bool)
    return frame


def test_csv_round_trips_through_pandas(incidents):
    data = register_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False, na_values=[""])
    back["deadline_missed"] = back["deadline_missed"] == "True"
    assert_frame_equal(_normalise(back), _normalise(_expected()), check_dtype=False)


def test_xlsx_round_trips_through_pandas(incidents):
    back = pd.read_excel(io.BytesIO(register_xlsx()), sheet_name="Breach register")
    assert_frame_equal(_normalise(back), _normalise(_expected()), check_dtype=False)


def test_empty_register_exports_headers(app):
    back = pd.read_csv(io.BytesIO(register_csv()), encoding="utf-8-sig")
    assert list(back.columns) == REGISTER_COLUMNS and back.empty
    assert pd.read_excel(io.BytesIO(register_xlsx())).columns.tolist() == REGISTER_COLUMNS
