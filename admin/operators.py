"""Operators (admins only): add accounts, change roles, unlock, reset passwords and TOTP, deactivate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, abort, flash, redirect, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length

from admin.secured import SecuredModelView, no_store
from privacyhub.auth.operators import (
    Actor,
    change_role,
    create_operator,
    deactivate,
    reactivate,
    reset_password,
    unlock,
)
from privacyhub.auth.totp import reset_second_factor
from privacyhub.errors import ProblemError
from privacyhub.extensions import db
from privacyhub.models import ROLES, Operator

ROLE_CHOICES = list(ROLES)


class NewOperatorForm(FlaskForm):
    email = StringField("E-mail", [InputRequired(), Length(max=320)], render_kw={"autocomplete": "off"})
    role = SelectField("Role", choices=ROLE_CHOICES)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


def _email_link(view: OperatorView, context: Any, model: Operator, name: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(url_for(".manage", operator_id=model.id), model.email)


class OperatorView(SecuredModelView):
    """The operator accounts; every change is audited in the same transaction."""

    roles = ("admin",)
    can_create = True
    column_list = ("email", "role", "totp_enabled_at", "locked_at", "failed_logins", "last_login_at",
                   "deactivated_at", "created_at")
    column_labels = {"totp_enabled_at": "Two-factor since", "locked_at": "Locked since",
                     "failed_logins": "Failed sign-ins", "last_login_at": "Last sign-in",
                     "deactivated_at": "Deactivated since"}
    # Search, not column_filters: Flask-Admin's filter menu relies on an inline onclick the CSP refuses.
    column_searchable_list = ("email", "role")
    column_default_sort = "email"
    column_formatters = {"email": _email_link}

    def _operator(self, operator_id: int) -> Operator:
        operator = db.session.get(Operator, operator_id)
        if operator is None:
            abort(404)
        return operator

    def _failed(self, error: ProblemError, operator_id: int) -> BaseResponse:
        db.session.rollback()
        flash(error.detail, "error")
        return redirect(url_for(".manage", operator_id=operator_id))

    def _change(self, operator_id: int, change: Callable[[Operator, Actor], None], done: str) -> BaseResponse:
        """Apply one audited change to an operator and commit it; the flash says what happened or why not."""
        operator = self._operator(operator_id)
        try:
            change(operator, self.actor())
        except ProblemError as refused:
            return self._failed(refused, operator_id)
        db.session.commit()
        flash(done.format(email=operator.email), "success")
        return redirect(url_for(".manage", operator_id=operator_id))

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self) -> Any:
        """Add an operator; their one-time password is shown on the next page only."""
        form, error = NewOperatorForm(), None
        if form.validate_on_submit():
            try:
                operator, password = create_operator(form.email.data or "", form.role.data or "", self.actor())
            except ProblemError as refused:
                db.session.rollback()
                error = refused.detail
            else:
                db.session.commit()
                return no_store(self.render("console/operator_password.html", operator=operator,
                                            password=password, created=True))
        status = 422 if error or form.errors else 200
        return Response(self.render("console/operator_new.html", form=form, error=error), status=status)

    @expose("/<int:operator_id>/")
    def manage(self, operator_id: int) -> Any:
        operator = self._operator(operator_id)
        return self.render("console/operator.html", operator=operator, role_form=RoleForm(role=operator.role))

    @expose("/<int:operator_id>/role", methods=("POST",))
    def change_role_view(self, operator_id: int) -> Any:
        operator, form = self._operator(operator_id), RoleForm()
        if form.validate_on_submit():
            try:
                change_role(operator, form.role.data or "", self.actor())
            except ProblemError as refused:
                return self._failed(refused, operator_id)
            db.session.commit()
            flash(f"{operator.email} is now {operator.role}.", "success")
        return redirect(url_for(".manage", operator_id=operator_id))

    @expose("/<int:operator_id>/unlock", methods=("POST",))
    def unlock_view(self, operator_id: int) -> Any:
        return self._change(operator_id, unlock, "{email} can sign in again.")

    @expose("/<int:operator_id>/reset-password", methods=("POST",))
    def reset_password_view(self, operator_id: int) -> Any:
        """A new one-time password, shown once; the operator's sessions end."""
        operator = self._operator(operator_id)
        if operator.id == current_user.id:
            flash("Change your own password on your account page.", "warning")
            return redirect(url_for("account.password"))
        password = reset_password(operator, self.actor())
        db.session.commit()
        return no_store(self.render("console/operator_password.html", operator=operator,
                                    password=password, created=False))

    @expose("/<int:operator_id>/reset-two-factor", methods=("POST",))
    def reset_two_factor_view(self, operator_id: int) -> Any:
        return self._change(operator_id, reset_second_factor, "Two-factor authentication of {email} was removed.")

    @expose("/<int:operator_id>/deactivate", methods=("POST",))
    def deactivate_view(self, operator_id: int) -> Any:
        """Offboarding: the operator can no longer sign in and their open sessions end."""
        return self._change(operator_id, deactivate, "{email} was deactivated and signed out everywhere.")

    @expose("/<int:operator_id>/reactivate", methods=("POST",))
    def reactivate_view(self, operator_id: int) -> Any:
        return self._change(operator_id, reactivate, "{email} can sign in again with their password.")
