"""The one secured base view every console view extends.

Signed out: redirect to the sign-in page. Signed in but still owing a password change or
(admins) a TOTP enrolment: redirect there. Signed in without the view's role: 403 page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Response, flash, redirect, request, url_for
from flask_admin import BaseView
from flask_admin.contrib.sqla import ModelView
from flask_admin.form import BaseForm
from flask_login import current_user
from flask_wtf import FlaskForm

from privacyhub.auth.operators import Actor, operator_actor
from privacyhub.auth.sign_in import Client
from privacyhub.models import ROLES


class SecuredView(BaseView):
    """Role-checked console view. ``roles`` may open it; ``public``/``setup`` name exempt endpoints."""

    roles: tuple[str, ...] = ROLES
    public_endpoints: frozenset[str] = frozenset()  # reachable signed out (the sign-in pages)
    setup_endpoints: frozenset[str] = frozenset()  # reachable before the account setup is done

    def is_accessible(self) -> bool:
        """Used for the menu: shown only to operators who may open the view now."""
        return bool(current_user.is_authenticated and not current_user.needs_setup
                    and current_user.role in self.roles)

    def _handle_view(self, name: str, **kwargs: Any) -> Any:
        if name in self.public_endpoints:
            return None
        if not current_user.is_authenticated:
            return redirect(url_for("account.login", next=request.full_path.rstrip("?")))
        if name in self.setup_endpoints:
            return None
        if current_user.needs_setup:
            return redirect(setup_url())
        if current_user.role not in self.roles:
            return self.render("console/forbidden.html"), 403
        return None

    @staticmethod
    def actor() -> Actor:
        """The signed-in operator as the actor of an audit event."""
        return operator_actor(current_user)

    @staticmethod
    def client() -> Client:
        """Where the current request comes from, for audit contexts and throttling."""
        return Client(ip=request.remote_addr, user_agent=request.user_agent.string or None)


class WritingView(SecuredView):
    """A view all its ``roles`` read and only ``writers`` change: ``write_endpoints`` answer others 403."""

    writers: tuple[str, ...] = ("admin", "compliance")
    write_endpoints: frozenset[str] = frozenset()

    def _handle_view(self, name: str, **kwargs: Any) -> Any:
        refused = super()._handle_view(name, **kwargs)
        if refused is None and name in self.write_endpoints and current_user.role not in self.writers:
            return self.render("console/forbidden.html"), 403
        return refused

    def render(self, template: str, **kwargs: Any) -> Any:
        kwargs.setdefault("can_write", current_user.is_authenticated and current_user.role in self.writers)
        return super().render(template, **kwargs)


def setup_url() -> str:
    """Where an operator who still owes account setup is sent."""
    if current_user.must_change_password:
        flash("Choose your own password before you continue.", "info")
        return url_for("account.password")
    flash("Admins must turn on two-factor authentication before they continue.", "info")
    return url_for("account.two_factor")


def safe_next(target: str | None) -> str:
    """A console path to continue to after sign-in; anything else (other sites) goes home."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/admin") and "\\" not in target:
            return target
    return url_for("admin.index")


class ConsoleForm(BaseForm):
    """Flask-Admin's form base with Flask-WTF's CSRF token, as the app-wide CSRFProtect expects."""

    class Meta(FlaskForm.Meta):
        pass


class SecuredModelView(SecuredView, ModelView):
    """A list of model rows; read-only unless a view turns a change on and audits it."""

    form_base_class = ConsoleForm
    can_create = can_edit = can_delete = can_view_details = False
    column_display_actions = False
    page_size = 50


def no_store(html: str, status: int = 200) -> Response:
    """A page showing a secret (a new key, a one-time password): never stored by caches."""
    response = Response(html, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response
