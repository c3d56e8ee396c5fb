"""Console forms for retention policies and legal holds; times are entered in the display zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from privacyhub.extensions import db
from privacyhub.localtime import parse_local
from privacyhub.models import DataSystem
from privacyhub.retention.policies import PolicyDraft

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def sql_systems() -> list[tuple[str, str]]:
    """The systems whose rows the hub sees, for a select."""
    return [(name, name) for name in db.session.scalars(
        select(DataSystem.name).where(DataSystem.kind == "sql").order_by(DataSystem.name))]


class PolicyForm(FlaskForm):
    """A retention policy, as ``privacyhub.retention.policies`` takes it."""

    name = StringField("Name", [InputRequired(), Length(max=100)], description="Lowercase letters, digits, - and _")
    system = SelectField("System", choices=[])
    collection = StringField("Collection", [Optional(), Length(max=200)])
    data_category = StringField("or every collection holding the data category", [Optional(), Length(max=200)],
                                description="A fideslang category, e.g. user.device.ip_address")
    period_amount = IntegerField("Kept for", [InputRequired(), NumberRange(min=1, max=36500)])
    period_unit = SelectField("Unit", choices=[("days", "days"), ("months", "months"), ("years", "years")])
    clock_field = StringField("Counted from the field", [InputRequired(), Length(max=200)],
                              description="A date or timestamp, e.g. created_at, closed_at, deleted_at")
    action = SelectField("Then", choices=[("delete", "delete the rows (children first)"),
                                          ("mask", "mask their personal fields")])
    mask_strategy = SelectField("Masking", choices=[("", "NULL where allowed, else the fixed text"),
                                                    ("null", "NULL"), ("fixed", "the fixed text")])
    mask_value = StringField("Fixed text", [Optional(), Length(max=200)])
    legal_basis = TextAreaField("Legal basis", [InputRequired(), Length(max=5000)], render_kw={"rows": 3})

    def draft(self) -> PolicyDraft:
        return PolicyDraft(name=(self.name.data or "").strip(), system=self.system.data or "",
                           collection=(self.collection.data or "").strip() or None,
                           data_category=(self.data_category.data or "").strip() or None,
                           period_amount=self.period_amount.data or 0, period_unit=self.period_unit.data or "",
                           clock_field=(self.clock_field.data or "").strip(), action=self.action.data or "delete",
                           mask_strategy=self.mask_strategy.data or None, mask_value=self.mask_value.data or None,
                           legal_basis=self.legal_basis.data or "")


def parse_filter(text: str) -> dict[str, Any]:
    """``field = value`` lines (``a, b`` for several values) into a hold's filter."""
    found: dict[str, Any] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"'{line.strip()}' is not 'field = value'")
        values = [v.strip() for v in value.split(",") if v.strip()]
        found[name.strip()] = values[0] if len(values) == 1 else values
    return found


def local_moment(value: datetime | None) -> datetime | None:
    return parse_local(value) if value else None


class HoldForm(FlaskForm):
    """A legal hold on a subject or on (part of) a collection."""

    scope = SelectField("Hold", choices=[("subject", "a subject (by identity)"),
                                         ("collection", "a collection (optionally filtered)")])
    identity_type = SelectField("Identity", choices=[("email", "e-mail"), ("user_id", "user id"),
                                                     ("phone", "phone")])
    identity_value = StringField("Identity value", [Optional(), Length(max=320)])
    system = SelectField("System", choices=[], description="For a subject: leave empty to hold it in every system")
    collection = StringField("Collection", [Optional(), Length(max=200)])
    filter = TextAreaField("Only rows where", [Optional(), Length(max=2000)], render_kw={"rows": 2},
                           description="One 'field = value' per line; 'a, b' for several values")
    reason = TextAreaField("Reason", [InputRequired(), Length(max=5000)], render_kw={"rows": 2})
    owner = StringField("Owner (reminded before expiry)", [InputRequired(), Length(max=320)])
    starts_at = DateTimeLocalField("In force from", [Optional()], format=LOCAL_FORMATS)
    expires_at = DateTimeLocalField("Expires", [Optional()], format=LOCAL_FORMATS)


class HoldChangeForm(FlaskForm):
    reason = TextAreaField("Reason", [InputRequired(), Length(max=5000)], render_kw={"rows": 2})
    owner = StringField("Owner", [InputRequired(), Length(max=320)])
    expires_at = DateTimeLocalField("Expires (empty: open-ended)", [Optional()], format=LOCAL_FORMATS)


class ReleaseForm(FlaskForm):
    reason = StringField("Why the hold ends", [InputRequired(), Length(max=5000)])
