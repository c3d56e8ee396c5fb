"""Legal holds in the console: place, change, release; and the choice for an erasure they stopped.

Compliance officers and admins change holds; auditors read them. A subject's identity is
shown masked; revealing it is an audited action.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select

from admin.retention_forms import HoldChangeForm, HoldForm, ReleaseForm, local_moment, parse_filter, sql_systems
from admin.secured import WritingView, no_store
from privacyhub.dsr.queries import get_request
from privacyhub.errors import ProblemError
from privacyhub.extensions import db
from privacyhub.holds.register import PlaceHold, change_hold, get_hold, list_holds, release_hold, reveal_hold_identity
from privacyhub.holds.requests import decide
from privacyhub.localtime import format_local, to_local
from privacyhub.models import DataSystem, LegalHold, RequestHold, SubjectRequest
from privacyhub.models.types import utcnow


def hold_state(hold: LegalHold) -> tuple[str, str]:
    """Bootstrap colour and label: in force, scheduled, expired or released."""
    now = utcnow()
    if hold.released_at is not None:
        return "secondary", "released"
    if hold.expires_at is not None and hold.expires_at <= now:
        return "secondary", "expired"
    if hold.starts_at > now:
        return "info", "scheduled"
    return "danger", "in force"


class LegalHoldView(WritingView):
    """Holds, newest first; each hold's page lists the requests it touched."""

    roles = ("admin", "compliance", "auditor")
    write_endpoints = frozenset({"create", "change", "release", "reveal", "decision"})

    def render(self, template: str, **kwargs: Any) -> Any:
        kwargs.setdefault("local", format_local)
        kwargs.setdefault("hold_state", hold_state)
        return super().render(template, **kwargs)

    def _hold(self, hold_id: int) -> LegalHold:
        try:
            return get_hold(hold_id)
        except ProblemError:
            abort(404)

    @expose("/")
    def index(self) -> Any:
        systems = {s.id: s.name for s in db.session.scalars(select(DataSystem))}
        return self.render("console/holds/list.html", holds=list_holds(), systems=systems)

    @expose("/new", methods=("GET", "POST"))
    def create(self) -> Any:
        form = HoldForm() if request.method == "POST" else HoldForm(owner=current_user.email)
        form.system.choices = [("", "every system")] + sql_systems()
        error, problems = None, []
        if form.validate_on_submit():
            try:
                hold = PlaceHold(
                    scope=form.scope.data or "", reason=form.reason.data or "", owner=form.owner.data or "",
                    actor=self.actor(), system=form.system.data or None,
                    collection=(form.collection.data or "").strip() or None,
                    filter=parse_filter(form.filter.data or ""),
                    identity_type=form.identity_type.data if form.scope.data == "subject" else None,
                    identity_value=(form.identity_value.data or None) if form.scope.data == "subject" else None,
                    starts_at=local_moment(form.starts_at.data), expires_at=local_moment(form.expires_at.data),
                ).run()
                db.session.commit()
            except ValueError as malformed:
                db.session.rollback()
                error = str(malformed)
            except ProblemError as refused:
                db.session.rollback()
                error, problems = refused.detail, refused.errors or []
            else:
                flash(f"{hold.reference} placed.", "success")
                return redirect(url_for(".show", hold_id=hold.id))
        return Response(self.render("console/holds/form.html", form=form, error=error, problems=problems),
                        status=422 if error or form.errors else 200)

    def _page(self, hold: LegalHold, revealed: str | None = None) -> Any:
        touched = []
        for entry in db.session.scalars(select(RequestHold).where(RequestHold.hold_id == hold.id)
                                        .order_by(RequestHold.id)):
            touched.append((entry, db.session.get(SubjectRequest, entry.request_seq),
                            db.session.get(DataSystem, entry.system_id)))
        system = db.session.get(DataSystem, hold.system_id) if hold.system_id else None
        change = HoldChangeForm(reason=hold.reason, owner=hold.owner,
                                expires_at=to_local(hold.expires_at).replace(tzinfo=None) if hold.expires_at else None)
        return self.render("console/holds/show.html", hold=hold, system=system, touched=touched,
                           change_form=change, release_form=ReleaseForm(), revealed=revealed)

    @expose("/<int:hold_id>")
    def show(self, hold_id: int) -> Any:
        return self._page(self._hold(hold_id))

    @expose("/<int:hold_id>/change", methods=("POST",))
    def change(self, hold_id: int) -> Any:
        hold, form = self._hold(hold_id), HoldChangeForm()
        if not form.validate_on_submit():
            flash("Give the reason and the owner.", "danger")
            return redirect(url_for(".show", hold_id=hold_id))
        expires = local_moment(form.expires_at.data)
        try:
            change_hold(hold, self.actor(), reason=form.reason.data, owner=form.owner.data, expires_at=expires,
                        clear_expiry=expires is None)
            db.session.commit()
            flash("Hold changed.", "success")
        except ProblemError as refused:
            db.session.rollback()
            flash(refused.detail, "danger")
        return redirect(url_for(".show", hold_id=hold_id))

    @expose("/<int:hold_id>/release", methods=("POST",))
    def release(self, hold_id: int) -> Any:
        hold, form = self._hold(hold_id), ReleaseForm()
        try:
            release_hold(hold, self.actor(), (form.reason.data or "") if form.validate_on_submit() else "")
            db.session.commit()
            flash(f"{hold.reference} released; erasures waiting only for it go on shortly.", "success")
        except ProblemError as refused:
            db.session.rollback()
            flash(refused.detail, "danger")
        return redirect(url_for(".show", hold_id=hold_id))

    @expose("/<int:hold_id>/reveal", methods=("POST",))
    def reveal(self, hold_id: int) -> Any:
        """The subject's identity in clear, once; who looked is audited."""
        hold = self._hold(hold_id)
        try:
            value = reveal_hold_identity(hold, self.actor())
        except ProblemError:
            abort(404)
        db.session.commit()
        return no_store(self._page(hold, revealed=value))

    @expose("/requests/<request_id>/decision", methods=("POST",))
    def decision(self, request_id: str) -> Any:
        """For an erasure holds stopped: keep waiting, or complete around the held rows."""
        found = get_request(request_id)
        if found is None:
            abort(404)
        choice = request.form.get("decision", "")
        try:
            resumed = decide(found, choice, self.actor())
            db.session.commit()
            flash("Completing around the held rows." if choice == "partial" and resumed
                  else f"Decision recorded: {choice}.", "success")
        except ProblemError as refused:
            db.session.rollback()
            flash(refused.detail, "danger")
        return redirect(url_for("fulfilment_progress.detail", request_id=request_id))
