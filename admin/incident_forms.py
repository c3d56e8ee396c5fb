"""Console forms for incidents and their notifications; times are entered in the display zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from privacyhub.incidents import drafts, taxonomy
from privacyhub.incidents.lifecycle import CHOOSABLE
from privacyhub.incidents.record import EDITABLE_FIELDS, registered_systems
from privacyhub.localtime import display_zone, parse_local, to_local
from privacyhub.models import Incident
from privacyhub.models.incident import ART_34_3_EXCEPTIONS, NATURES
from privacyhub.models.incident_notification import AUDIENCES, PHASES

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
TIME_FIELDS = ("occurred_from", "occurred_to", "aware_at")
UNDECIDED = ("", "not decided yet")


def _checkboxes(label: str, choices: list[tuple[str, str]], **kwargs: Any) -> SelectMultipleField:
    return SelectMultipleField(label, choices=choices, widget=widgets.ListWidget(prefix_label=False),
                               option_widget=widgets.CheckboxInput(), **kwargs)


def _local(label: str, *validators: Any) -> DateTimeLocalField:
    return DateTimeLocalField(label, list(validators) or [Optional()], format=LOCAL_FORMATS)


class IncidentForm(FlaskForm):
    """The whole incident record, as ``privacyhub.incidents.record`` takes it."""

    title = StringField("Title", [InputRequired(), Length(max=200)])
    description = TextAreaField("What happened", [Length(max=20_000)])
    nature = _checkboxes("Nature of the breach", [(n, n) for n in NATURES])
    discovery = TextAreaField("How it was discovered", [Length(max=20_000)])
    occurred_from = _local("Breach began")
    occurred_to = _local("Breach ended")
    aware_at = _local("Controller became aware", InputRequired())
    data_categories = SelectMultipleField("Data categories (fideslang)", render_kw={"size": 12})
    subject_categories = SelectMultipleField("Data subject categories", render_kw={"size": 8})
    subjects_min = IntegerField("Data subjects, at least", [Optional(), NumberRange(min=0)])
    subjects_max = IntegerField("Data subjects, at most", [Optional(), NumberRange(min=0)])
    records_min = IntegerField("Records, at least", [Optional(), NumberRange(min=0)])
    records_max = IntegerField("Records, at most", [Optional(), NumberRange(min=0)])
    consequences = TextAreaField("Likely consequences", [Length(max=20_000)])
    measures_taken = TextAreaField("Measures taken", [Length(max=20_000)])
    measures_proposed = TextAreaField("Measures proposed", [Length(max=20_000)])
    contact_point = TextAreaField("DPO or other contact point", [Length(max=20_000)])
    systems_affected = SelectMultipleField("Systems affected", render_kw={"size": 5})
    risk = SelectField("Risk to the data subjects", default="", choices=[
        ("", "not assessed yet"), ("no_risk", "no risk"), ("risk", "risk"), ("high_risk", "high risk")])
    risk_rationale = TextAreaField("Risk rationale", [Length(max=20_000)])
    authority_decision = SelectField("Notify the supervisory authority?", default="", choices=[
        UNDECIDED, ("notify", "notify"), ("not_notify", "do not notify (unlikely to result in a risk)")])
    authority_decision_reason = TextAreaField("Reason for the decision", [Length(max=20_000)])
    subjects_decision = SelectField("Tell the data subjects?", default="", choices=[
        UNDECIDED, ("notify", "notify them"), ("exception", "Art. 34(3) exception applies"),
        ("not_required", "not required (no high risk)")])
    subjects_exception = SelectField("Art. 34(3) exception", default="", choices=[("", "none")] + [
        (key, text) for key, text in ART_34_3_EXCEPTIONS.items()])
    subjects_decision_reason = TextAreaField("Justification", [Length(max=20_000)])
    owner = StringField("Owner (e-mail)", [Optional(), Length(max=320)])
    audit_event_id = HiddenField()
    request_id = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.data_categories.choices = [(k, f"{label} ({k})") for k, label in taxonomy.data_categories().items()]
        self.subject_categories.choices = list(taxonomy.subject_categories().items())
        systems = registered_systems()
        current = [s for s in (self.systems_affected.data or []) if s not in systems]
        self.systems_affected.choices = [(name, name) for name in systems + current]
        zone = display_zone().key
        for name in TIME_FIELDS:
            getattr(self, name).description = f"local time, {zone}"

    @classmethod
    def for_incident(cls, incident: Incident) -> IncidentForm:
        """The form filled with the record, times shown in the display zone."""
        values = {name: getattr(incident, name) for name in EDITABLE_FIELDS}
        for name in TIME_FIELDS:
            if values[name] is not None:
                values[name] = to_local(values[name]).replace(tzinfo=None)
        values = {k: ("" if v is None and k not in TIME_FIELDS else v) for k, v in values.items()}
        return cls(data=values)

    def record_fields(self) -> dict[str, Any]:
        """The submitted record for the domain: local times as UTC, empty choices as None."""
        fields: dict[str, Any] = {name: getattr(self, name).data for name in EDITABLE_FIELDS}
        for name in TIME_FIELDS:
            value: datetime | None = fields[name]
            fields[name] = parse_local(value) if value else None
        for name in ("risk", "authority_decision", "subjects_decision", "subjects_exception", "owner"):
            fields[name] = fields[name] or None
        return fields


class StatusForm(FlaskForm):
    """The statuses an operator may choose; "notified" shows while current but cannot be picked."""

    status = SelectField("Status", choices=[(s, s) for s in CHOOSABLE])

    def __init__(self, *args: Any, current: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if current and current not in CHOOSABLE:
            self.status.choices = [(current, current, {"disabled": True}), *self.status.choices]  # type: ignore[misc]
            self.status.data = current


class NoteForm(FlaskForm):
    body = TextAreaField("Note", [InputRequired(), Length(max=20_000)],
                         description="Working notes, or the text and checksum of an attachment.")


class NewNotificationForm(FlaskForm):
    audience = SelectField("To", choices=[(a, "supervisory authority" if a == "authority" else "data subjects")
                                          for a in AUDIENCES])
    phase = SelectField("Phase", choices=[(p, drafts.PHASE_TITLES[p]) for p in PHASES])


class SentForm(FlaskForm):
    """Marking a notification sent: when, how, the authority's reference, and why late if it was."""

    sent_at = _local("Sent at", InputRequired())
    channel = StringField("Channel", [InputRequired(), Length(max=120)],
                          description="e.g. the authority's online form, e-mail, letter, public notice")
    reference = StringField("Reference", [Optional(), Length(max=200)],
                            description="the authority's case number or your submission id")
    delay_reason = TextAreaField("Reasons for the delay", [Optional(), Length(max=20_000)],
                                 description="required when the initial notification goes out after 72 hours")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent_at.description = f"local time, {display_zone().key}"


def draft_form_class(audience: str) -> type[FlaskForm]:
    """A form with one text area per element of a notification to ``audience``."""
    fields: dict[str, Any] = {"recipient": StringField("Recipient", [InputRequired(), Length(max=300)])}
    for element in drafts.elements_for(audience):
        label = f"{element.title} ({element.article})" + ("" if element.required else ", optional")
        fields[element.key] = TextAreaField(label, [Length(max=20_000)], render_kw={"rows": 5})
    return type(f"{audience.title()}DraftForm", (FlaskForm,), fields)
