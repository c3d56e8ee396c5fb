"""API keys (admins only): issue a key (its secret shown once) and revoke keys."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, get_template_attribute, redirect, url_for
from flask_admin import expose
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import SelectMultipleField, StringField, widgets
from wtforms.validators import InputRequired, Length

from admin.secured import SecuredModelView, no_store
from privacyhub.audit.ingest import record_hub_event
from privacyhub.auth.api_keys import revoke_api_key
from privacyhub.commands.setup import create_api_key
from privacyhub.errors import ProblemError
from privacyhub.extensions import db
from privacyhub.models import SCOPES, ApiKey


class NewApiKeyForm(FlaskForm):
    name = StringField("Service name", [InputRequired(), Length(max=120)],
                       description="Recorded as the source of the events this key posts.")
    scopes = SelectMultipleField("Scopes", [InputRequired()], choices=list(SCOPES),
                                 widget=widgets.ListWidget(prefix_label=False),
                                 option_widget=widgets.CheckboxInput())


def _revoke_button(view: ApiKeyView, context: Any, model: ApiKey, name: str) -> Markup:
    if not model.is_active:
        return Markup("")
    post_button = get_template_attribute("console/macros.html", "post_button")
    return post_button(url_for(".revoke_view", key_id=model.id), "Revoke",  # type: ignore[no-any-return]
                       confirm=f"Revoke the key {model.name}? Services using it stop working at once.")


class ApiKeyView(SecuredModelView):
    """Keys product services call the API with; only their SHA-256 is stored."""

    roles = ("admin",)
    can_create = True
    column_list = ("name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at", "revoke")
    column_labels = {"prefix": "Starts with", "last_used_at": "Last used", "revoked_at": "Revoked", "revoke": ""}
    column_searchable_list = ("name",)
    column_default_sort = ("created_at", True)
    column_formatters = {"revoke": _revoke_button}

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self) -> Any:
        """Issue a key; the page after this one is the only place its secret ever appears."""
        form, error = NewApiKeyForm(), None
        if form.validate_on_submit():
            try:
                secret = create_api_key(form.name.data or "", form.scopes.data or [], actor=self.actor())
            except ProblemError as refused:
                db.session.rollback()
                error = refused.detail
            else:
                return no_store(self.render("console/api_key_created.html", name=form.name.data, secret=secret))
        status = 422 if error or form.errors else 200
        return Response(self.render("console/api_key_new.html", form=form, error=error), status=status)

    @expose("/<int:key_id>/revoke", methods=("POST",))
    def revoke_view(self, key_id: int) -> Any:
        """Stop a key from working; audited with the revoking operator."""
        key = db.session.get(ApiKey, key_id)
        if key is None:
            abort(404)
        if key.is_active:
            revoke_api_key(key)
            target = {"type": "api_key", "id": str(key.id), "name": key.name}
            record_hub_event("api_key.revoked", self.actor(), [target], context=self.client().context())
            db.session.commit()
            flash(f"The key {key.name} ({key.prefix}…) is revoked.", "success")
        return redirect(url_for(".index_view"))
