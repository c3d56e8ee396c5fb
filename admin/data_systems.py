"""Data systems in the console: register (admins), test the connection, preview a subject's plan."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, get_template_attribute, redirect, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from admin.secured import SecuredModelView
from privacyhub.errors import ProblemError
from privacyhub.extensions import db
from privacyhub.models import DataSystem
from privacyhub.systems.base import SubjectJob
from privacyhub.systems.catalogue import RegisterSystem, preview_plan, test_system

REQUEST_TYPES = [("erasure", "erasure"), ("access", "access"), ("rectification", "rectification")]


class NewSystemForm(FlaskForm):
    name = StringField("Name", [InputRequired(), Length(max=64)], description="Lowercase letters, digits, - and _")
    kind = SelectField("Kind", choices=[("sql", "sql: a database the hub works on"),
                                        ("http", "http: an endpoint that does the work")])
    url = StringField("SQLAlchemy URL (sql)", [Optional(), Length(max=2000)],
                      description="Stored encrypted; shown without its password.")
    dataset = TextAreaField("Fides dataset YAML (sql)", [Optional()], render_kw={"rows": 12})
    endpoint = StringField("Endpoint (http)", [Optional(), Length(max=2000)])
    secret = PasswordField("Shared secret (http, 16+ characters)", [Optional(), Length(max=500)])
    description = StringField("Description", [Optional(), Length(max=2000)])


class PreviewForm(FlaskForm):
    type = SelectField("Request type", choices=REQUEST_TYPES)
    email = StringField("E-mail", [Optional(), Length(max=320)])
    user_id = StringField("User id", [Optional(), Length(max=200)])
    phone = StringField("Phone", [Optional(), Length(max=40)])


def _actions(view: DataSystemView, context: Any, model: DataSystem, name: str) -> Markup:
    if current_user.role != "admin":
        return Markup("")
    post_button = get_template_attribute("console/macros.html", "post_button")
    preview = url_for(".preview_view", system_id=model.id)
    link = Markup('<a class="btn btn-sm btn-outline-primary" href="{}">Preview plan</a> ').format(preview)
    return link + post_button(
        url_for(".test_view", system_id=model.id), "Test connection", css="btn-outline-secondary")


class DataSystemView(SecuredModelView):
    """Product data stores the hub fulfils requests against; their secrets never reach the page."""

    roles = ("admin", "auditor")
    column_list = ("name", "kind", "location", "dataset_yaml", "enabled", "updated_at", "actions")
    column_labels = {"dataset_yaml": "Annotated", "updated_at": "Changed", "actions": ""}
    column_formatters = {"dataset_yaml": lambda v, c, m, n: "yes" if m.dataset_yaml else "reflected",
                         "actions": _actions}
    column_default_sort = "name"

    @property
    def can_create(self) -> bool:  # type: ignore[override]
        return bool(current_user.is_authenticated and current_user.role == "admin")

    def _admin_only(self) -> None:
        if current_user.role != "admin":
            abort(403)

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self) -> Any:
        """Register a system; the annotation is checked against the live database first."""
        self._admin_only()
        form, error, problems = NewSystemForm(), None, []
        if form.validate_on_submit():
            config = ({"url": form.url.data} if form.kind.data == "sql"
                      else {"endpoint": form.endpoint.data, "secret": form.secret.data})
            try:
                RegisterSystem(name=form.name.data or "", kind=form.kind.data or "sql", config=config,
                               actor=self.actor(), dataset_yaml=form.dataset.data or None,
                               description=form.description.data or None).run()
            except ProblemError as refused:
                db.session.rollback()
                error, problems = refused.detail, refused.errors or []
            else:
                db.session.commit()
                flash(f"The system {form.name.data} is registered.", "success")
                return redirect(url_for(".index_view"))
        status = 422 if error or form.errors else 200
        return Response(self.render("console/data_system_new.html", form=form, error=error, problems=problems),
                        status=status)

    def _system(self, system_id: int) -> DataSystem:
        system = db.session.get(DataSystem, system_id)
        if system is None:
            abort(404)
        return system

    @expose("/<int:system_id>/test", methods=("POST",))
    def test_view(self, system_id: int) -> Any:
        """Connect now; the outcome is flashed and audited."""
        self._admin_only()
        system = self._system(system_id)
        try:
            facts = test_system(system, self.actor())
            flash(f"{system.name} answered: " + ", ".join(f"{k} {v}" for k, v in facts.items() if k != "ok"),
                  "success")
        except ProblemError as failed:
            flash(f"{system.name} could not be reached: {failed.detail}", "danger")
        db.session.commit()
        return redirect(url_for(".index_view"))

    @expose("/<int:system_id>/preview", methods=("GET", "POST"))
    def preview_view(self, system_id: int) -> Any:
        """What a request for one subject would do here, per collection; nothing is changed."""
        self._admin_only()
        system, form, preview, error = self._system(system_id), PreviewForm(), None, None
        if form.validate_on_submit():
            identities = {k: [v.strip()] for k, v in (("email", form.email.data), ("user_id", form.user_id.data),
                                                      ("phone", form.phone.data)) if v and v.strip()}
            if not identities:
                error = "Give at least one identity."
            else:
                try:
                    preview = preview_plan(system, SubjectJob(form.type.data or "erasure", identities),
                                           self.actor())
                    db.session.commit()
                except ProblemError as failed:
                    db.session.rollback()
                    error = failed.detail
        return self.render("console/data_system_preview.html", system=system, form=form, preview=preview,
                           error=error)
