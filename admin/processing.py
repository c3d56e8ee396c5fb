"""Records of processing (Art. 30): kept by compliance and admins, read by auditors, exported as CSV/XLSX.

Access exports take the purposes, recipients and retention they show the subject from here.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from flask import Response, send_file
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectField, StringField

from admin.secured import SecuredModelView
from privacyhub.audit.ingest import record_hub_event
from privacyhub.extensions import db
from privacyhub.models import LEGAL_BASES, ProcessingActivity

EXPORT_COLUMNS = ["name", "purpose", "legal_basis", "legal_basis_detail", "data_categories", "subject_categories",
                  "recipients", "third_country_transfers", "retention", "source", "automated_decisions", "systems"]


class CommaListField(StringField):
    """A list column edited as comma-separated text."""

    def _value(self) -> str:
        return ", ".join(self.data or [])

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = [item.strip() for item in (valuelist[0] if valuelist else "").split(",") if item.strip()]


def activities_frame() -> pd.DataFrame:
    """Every activity as a table, lists joined, for the CSV/XLSX export."""
    rows = []
    for activity in db.session.scalars(select(ProcessingActivity).order_by(ProcessingActivity.name)):
        row = {column: getattr(activity, column) for column in EXPORT_COLUMNS}
        rows.append({k: "; ".join(v) if isinstance(v, list) else v for k, v in row.items()})
    return pd.DataFrame(rows, columns=EXPORT_COLUMNS)


class ProcessingActivityView(SecuredModelView):
    """The controller's record of processing activities; every change is audited."""

    column_list = ("name", "purpose", "legal_basis", "recipients", "retention", "systems", "updated_at")
    column_searchable_list = ("name", "purpose")
    column_default_sort = "name"
    form_columns = EXPORT_COLUMNS
    form_overrides = {name: CommaListField for name in
                      ("data_categories", "subject_categories", "recipients", "systems")}
    form_extra_fields = {"legal_basis": SelectField("Legal basis", choices=[(b, b) for b in LEGAL_BASES])}
    list_template = "console/processing_list.html"

    def _may_change(self) -> bool:
        return bool(current_user.is_authenticated and current_user.role in ("admin", "compliance"))

    can_create = property(_may_change)  # type: ignore[assignment]
    can_edit = property(_may_change)  # type: ignore[assignment]
    can_delete = property(_may_change)  # type: ignore[assignment]

    def _audit(self, action: str, model: ProcessingActivity) -> None:
        record_hub_event(action, self.actor(), [{"type": "processing_activity", "id": str(model.id),
                                                 "name": model.name}], context=self.client().context())

    def on_model_change(self, form: Any, model: ProcessingActivity, is_created: bool) -> None:
        db.session.flush()  # the new row's id, for the audit record committed with it
        self._audit("processing_activity.created" if is_created else "processing_activity.updated", model)

    def on_model_delete(self, model: ProcessingActivity) -> None:
        self._audit("processing_activity.deleted", model)

    @expose("/export.csv")
    def export_csv(self) -> Response:
        """The whole record as CSV."""
        data = activities_frame().to_csv(index=False).encode()
        return send_file(io.BytesIO(data), mimetype="text/csv", as_attachment=True,
                         download_name="records-of-processing.csv")

    @expose("/export.xlsx")
    def export_xlsx(self) -> Response:
        """The whole record as an Excel workbook."""
        buffer = io.BytesIO()
        activities_frame().to_excel(buffer, index=False, sheet_name="Art. 30 record")
        return send_file(io.BytesIO(buffer.getvalue()), as_attachment=True, download_name="records-of-processing.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
