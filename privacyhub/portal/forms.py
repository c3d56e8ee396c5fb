"""The portal's forms (Flask-WTF, so every POST carries a CSRF token)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import EmailField, FieldList, Form, FormField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from privacyhub.dsr.identities import normalise
from privacyhub.dsr.labels import TYPE_TITLES
from privacyhub.errors import ValidationFailed
from privacyhub.models import REQUEST_TYPES

CORRECTION_CATEGORIES = [
    ("", "Choose what to correct"),
    ("user.name", "Name"),
    ("user.contact.email", "E-mail address"),
    ("user.contact.phone_number", "Phone number"),
    ("user.contact.address", "Postal address"),
    ("user.unique_id", "Customer number"),
]
CORRECTION_ROWS = 3


class CorrectionForm(Form):
    """One correction row: a data category and its right value."""

    category = SelectField("What is wrong", choices=CORRECTION_CATEGORIES, validators=[Optional()])
    value = StringField("The right value", validators=[Optional(), Length(max=2000)])


class RequestForm(FlaskForm):
    """Pick a right, give the address to confirm it from, and for rectification say what to fix."""

    type = RadioField("What would you like us to do?", choices=[(t, TYPE_TITLES[t]) for t in REQUEST_TYPES],
                      validators=[InputRequired("Choose the kind of request.")])
    email = EmailField("Your e-mail address", validators=[InputRequired("Enter your e-mail address."),
                                                          Length(max=320)])
    corrections = FieldList(FormField(CorrectionForm), min_entries=CORRECTION_ROWS, max_entries=CORRECTION_ROWS)

    def validate_email(self, field: Any) -> None:
        try:
            field.data = normalise("email", field.data or "")
        except ValidationFailed as exc:
            raise ValidationError("Enter a valid e-mail address, like name@example.com.") from exc

    def correction_list(self) -> list[dict[str, Any]]:
        """The filled-in correction rows as ``{category, value}``."""
        return [{"category": row.category.data, "value": row.value.data.strip()}
                for row in self.corrections if row.category.data and (row.value.data or "").strip()]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.type.data == "rectification" and not self.correction_list():
            self.corrections.errors.append("Tell us what to correct: choose a category and give the right value.")
            return False
        for row in self.corrections:
            if row.category.data and row.category.data not in dict(CORRECTION_CATEGORIES):
                self.corrections.errors.append("Choose a category from the list.")
                return False
        return valid


class ConfirmForm(FlaskForm):
    """A button: following a link only shows it, so a mail scanner's prefetch confirms nothing."""


class CancelForm(FlaskForm):
    """The subject withdraws their own request."""
