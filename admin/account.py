"""Signing in and out, changing the password, enrolling TOTP: the operator's own account."""

from __future__ import annotations

import time
from typing import Any

from flask import Response, flash, redirect, request, session, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from admin.secured import SecuredView, no_store, safe_next, setup_url
from admin.sessions import end_session, rotate_session, start_session
from privacyhub.audit.ingest import record_hub_event
from privacyhub.auth.operators import change_password, operator_actor
from privacyhub.auth.passwords import MIN_LENGTH
from privacyhub.auth.sign_in import check_password, check_second_factor, complete_sign_in
from privacyhub.auth.totp import confirm_enrolment, enrolment_secret, provisioning_uri, qr_code_data_uri
from privacyhub.errors import BadRequest, ProblemError
from privacyhub.extensions import db
from privacyhub.models import Operator

PENDING_TTL = 300  # seconds between a correct password and its TOTP code


class SignInForm(FlaskForm):
    email = StringField("E-mail", validators=[InputRequired(), Length(max=320)],
                        render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField("Password", validators=[InputRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class CodeForm(FlaskForm):
    code = StringField("Authentication code", validators=[InputRequired(), Length(min=6, max=10)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True})
    next = HiddenField()


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[InputRequired()],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(f"New password (at least {MIN_LENGTH} characters)",
                        validators=[InputRequired(), Length(min=MIN_LENGTH, max=1024)],
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("New password again", validators=[InputRequired(), EqualTo("new", "The passwords differ.")],
                            render_kw={"autocomplete": "new-password"})


def signed_in() -> Operator:
    """The operator object behind ``current_user``."""
    return current_user._get_current_object()  # type: ignore[no-any-return]


class AccountView(SecuredView):
    """The operator's own account pages; not in the menu (the navbar links here)."""

    public_endpoints = frozenset({"login", "login_code"})
    setup_endpoints = frozenset({"index", "password", "two_factor", "logout"})

    def is_visible(self) -> bool:
        return False

    def _refused(self, template: str, error: ProblemError, **context: Any) -> Response:
        response = Response(self.render(template, error=error.detail, **context), status=error.status)
        response.headers.update(error.headers)
        return response

    @expose("/login", methods=("GET", "POST"))
    def login(self) -> Any:
        """Step one: e-mail and password."""
        if current_user.is_authenticated:
            return redirect(safe_next(request.args.get("next")))
        form = SignInForm(next=request.args.get("next", ""))
        if not form.validate_on_submit():
            return self.render("console/login.html", form=form)
        try:
            operator = check_password(form.email.data or "", form.password.data or "", self.client())
        except ProblemError as refused:
            db.session.commit()
            return self._refused("console/login.html", refused, form=form)
        if operator.totp_enabled:
            db.session.commit()
            session["pending_sign_in"] = {"operator": operator.id, "token": operator.session_token,
                                          "at": int(time.time())}
            return redirect(url_for(".login_code", next=form.next.data or None))
        return self._signed_in(operator, form.next.data)

    @expose("/login/code", methods=("GET", "POST"))
    def login_code(self) -> Any:
        """Step two, for operators with TOTP: the code from their authenticator."""
        operator = self._pending_operator()
        if operator is None:
            flash("Please sign in again.", "warning")
            return redirect(url_for(".login"))
        form = CodeForm(next=request.args.get("next", ""))
        if not form.validate_on_submit():
            return self.render("console/login_code.html", form=form)
        try:
            check_second_factor(operator, form.code.data or "", self.client())
        except ProblemError as refused:
            db.session.commit()
            if refused.status != 401:
                session.pop("pending_sign_in", None)
            return self._refused("console/login_code.html", refused, form=form)
        return self._signed_in(operator, form.next.data)

    def _pending_operator(self) -> Operator | None:
        pending = session.get("pending_sign_in")
        if not pending or time.time() - pending.get("at", 0) > PENDING_TTL:
            session.pop("pending_sign_in", None)
            return None
        operator = db.session.get(Operator, pending["operator"])
        if operator is None or operator.session_token != pending["token"]:
            return None
        return operator

    def _signed_in(self, operator: Operator, next_url: str | None) -> Any:
        complete_sign_in(operator, self.client())
        db.session.commit()
        start_session(operator)
        if operator.needs_setup:
            return redirect(setup_url())
        return redirect(safe_next(next_url))

    @expose("/logout", methods=("POST",))
    def logout(self) -> Any:
        """Sign out (a POST with the CSRF token, so no other site can sign anyone out)."""
        operator = signed_in()
        record_hub_event("operator.logout", operator_actor(operator), context=self.client().context())
        db.session.commit()
        end_session()
        flash("You are signed out.", "info")
        return redirect(url_for(".login"))

    @expose("/")
    def index(self) -> Any:
        """The operator's own account: role, second factor, password."""
        return self.render("console/account.html", operator=signed_in())

    @expose("/password", methods=("GET", "POST"))
    def password(self) -> Any:
        """Change the password; this session is replaced and every other one ends."""
        operator, form = signed_in(), PasswordForm()
        if form.validate_on_submit():
            try:
                change_password(operator, form.current.data or "", form.new.data or "", self.client().context())
            except BadRequest as refused:
                db.session.rollback()
                return self._refused("console/password.html", refused, form=form)
            db.session.commit()
            rotate_session(operator)
            flash("Your password was changed. Other sessions were signed out.", "success")
            return redirect(setup_url() if operator.needs_setup else url_for(".index"))
        status = 422 if form.errors else 200
        return Response(self.render("console/password.html", form=form), status=status)

    @expose("/two-factor", methods=("GET", "POST"))
    def two_factor(self) -> Any:
        """Enrol an authenticator app: scan the QR code, confirm with a first code."""
        operator = signed_in()
        if operator.totp_enabled:
            return self.render("console/two_factor.html", operator=operator, form=None)
        secret = enrolment_secret(operator)
        db.session.commit()
        form, status = CodeForm(), 200
        if form.validate_on_submit():
            if confirm_enrolment(operator, form.code.data or "", self.client().context()):
                db.session.commit()
                flash("Two-factor authentication is on.", "success")
                return redirect(setup_url() if operator.needs_setup else url_for("admin.index"))
            db.session.commit()
            form.code.errors = ["That code is not right; check the time on your phone and try again."]
            status = 422
        uri = provisioning_uri(operator, secret)
        return no_store(self.render("console/two_factor.html", operator=operator, form=form,
                                    qr_code=qr_code_data_uri(uri), secret=secret), status)
