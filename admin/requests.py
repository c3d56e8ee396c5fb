"""The request queue and request detail: deadlines at a glance, and the compliance actions.

Compliance officers and admins act; auditors read. Every action goes through
``privacyhub.dsr`` and so lands in the audit log in the same transaction.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from admin.secured import SecuredView, no_store
from privacyhub.dsr import casework, lifecycle
from privacyhub.dsr.actors import Actor
from privacyhub.dsr.deadlines import deadline_state
from privacyhub.dsr.intake import corrections_of
from privacyhub.dsr.labels import DENIAL_LABELS, STATUS_LABELS, TYPE_TITLES
from privacyhub.dsr.queries import effective_due, get_request
from privacyhub.errors import ProblemError
from privacyhub.extensions import db
from privacyhub.models import (
    DENIAL_REASONS,
    REQUEST_TYPES,
    STATUSES,
    CallbackDelivery,
    Operator,
    OutboxMessage,
    SubjectRequest,
)
from privacyhub.models.subject_request import OPEN_STATUSES
from privacyhub.models.types import utcnow

ACTING_ROLES = ("admin", "compliance")
QUEUE_LIMIT = 500
STATE_BADGES = {"on_time": ("success", "on time"), "due_soon": ("warning", "due soon"),
                "overdue": ("danger", "overdue")}


class DenyForm(FlaskForm):
    reason = SelectField("Reason", choices=[(r, DENIAL_LABELS[r]) for r in DENIAL_REASONS])
    detail = TextAreaField("Explanation for the subject", [Optional(), Length(max=2000)])


class ExtendForm(FlaskForm):
    due_date = DateField("New deadline", [InputRequired()])
    reason = TextAreaField("Reason (sent to the subject)", [InputRequired(), Length(max=2000)])


class CancelForm(FlaskForm):
    reason = StringField("Reason", [Optional(), Length(max=2000)])


class OwnerForm(FlaskForm):
    owner = SelectField("Owner", choices=[])


class NoteForm(FlaskForm):
    body = TextAreaField("Note", [InputRequired(), Length(max=5000)])


def owner_choices() -> list[tuple[str, str]]:
    """Who may own a request: the operators who may act on it."""
    return [("", "nobody")] + [(e, e) for e in db.session.scalars(
        select(Operator.email).where(Operator.role.in_(ACTING_ROLES)).order_by(Operator.email))]


def state_badge(subject_request: SubjectRequest) -> tuple[str, str] | None:
    """Bootstrap colour and label of the request's deadline state, if it has one."""
    state = deadline_state(subject_request, utcnow())
    return STATE_BADGES[state] if state else None


class RequestQueueView(SecuredView):
    """Open requests by deadline, with filters; a request's page holds its actions."""

    roles = ("admin", "compliance", "auditor")

    def render(self, template: str, **kwargs: Any) -> Any:
        kwargs.update(TYPE_TITLES=TYPE_TITLES, STATUS_LABELS=STATUS_LABELS, DENIAL_LABELS=DENIAL_LABELS,
                      state_badge=state_badge, can_act=current_user.role in ACTING_ROLES)
        return super().render(template, **kwargs)

    @expose("/")
    def index(self) -> Any:
        """The queue: open requests (or the chosen status), soonest deadline first."""
        status, kind = request.args.get("status", "open"), request.args.get("type", "")
        state, owner = request.args.get("state", ""), request.args.get("owner", "")
        stmt = select(SubjectRequest)
        if status == "open":
            stmt = stmt.where(SubjectRequest.status.in_(OPEN_STATUSES))
        elif status in STATUSES:
            stmt = stmt.where(SubjectRequest.status == status)
        if kind in REQUEST_TYPES:
            stmt = stmt.where(SubjectRequest.type == kind)
        if owner:
            stmt = stmt.where(SubjectRequest.owner == owner)
        stmt = stmt.order_by(effective_due.is_(None), effective_due, SubjectRequest.seq).limit(QUEUE_LIMIT)
        rows = list(db.session.scalars(stmt))
        if state in STATE_BADGES:
            now = utcnow()
            rows = [r for r in rows if deadline_state(r, now) == state]
        return self.render("console/requests.html", rows=rows, status=status, kind=kind, state=state, owner=owner,
                           statuses=STATUSES, types=REQUEST_TYPES, states=STATE_BADGES, limit=QUEUE_LIMIT)

    def _request(self, request_id: str) -> SubjectRequest:
        found = get_request(request_id)
        if found is None:
            abort(404)
        return found

    def _operator_actor(self) -> Actor:
        actor = self.actor()
        return Actor(actor["type"], actor["id"], actor["name"])

    @expose("/<request_id>")
    def show(self, request_id: str) -> Any:
        """Everything about one request except its identities' values (see reveal)."""
        return self._detail(self._request(request_id))

    def _detail(self, subject_request: SubjectRequest, revealed: list[tuple[str, str]] | None = None,
                corrections: list[dict[str, Any]] | None = None) -> Any:
        owner_form = OwnerForm(owner=subject_request.owner or "")
        owner_form.owner.choices = owner_choices()
        deliveries = db.session.scalars(select(CallbackDelivery).where(
            CallbackDelivery.request_seq == subject_request.seq).order_by(CallbackDelivery.id)).all()
        mails = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.request_seq == subject_request.seq).order_by(OutboxMessage.id)).all()
        return self.render(
            "console/request.html", req=subject_request, revealed=revealed, corrections=corrections,
            deny_form=DenyForm(), extend_form=ExtendForm(), cancel_form=CancelForm(), owner_form=owner_form,
            note_form=NoteForm(), deliveries=deliveries, mails=mails,
            can=lambda new: lifecycle.can_transition(subject_request.status, new),
        )

    def _act(self, request_id: str, action: Any, done: str) -> BaseResponse:
        """Run one action as the signed-in operator; refusals are shown, not raised."""
        if current_user.role not in ACTING_ROLES:
            return Response(self.render("console/forbidden.html"), status=403)
        subject_request = self._request(request_id)
        try:
            action(subject_request, self._operator_actor())
        except ProblemError as refused:
            db.session.rollback()
            flash(refused.detail, "error")
        else:
            db.session.commit()
            flash(done, "success")
        return redirect(url_for(".show", request_id=request_id))

    @expose("/<request_id>/approve", methods=("POST",))
    def approve(self, request_id: str) -> BaseResponse:
        return self._act(request_id, lifecycle.approve, "Approved: the request is being processed.")

    @expose("/<request_id>/retry", methods=("POST",))
    def retry(self, request_id: str) -> BaseResponse:
        return self._act(request_id, lambda r, a: lifecycle.transition(r, "in_progress", a, "retried"),
                         "Retrying the request.")

    @expose("/<request_id>/deny", methods=("POST",))
    def deny(self, request_id: str) -> BaseResponse:
        form = DenyForm()
        if not form.validate_on_submit():
            flash("Choose a reason to deny the request.", "error")
            return redirect(url_for(".show", request_id=request_id))
        return self._act(request_id, lambda r, a: lifecycle.deny(r, a, form.reason.data or "", form.detail.data),
                         "Denied; the subject has been told why.")

    @expose("/<request_id>/cancel", methods=("POST",))
    def cancel(self, request_id: str) -> BaseResponse:
        form = CancelForm()
        form.validate_on_submit()
        return self._act(request_id, lambda r, a: lifecycle.cancel(r, a, form.reason.data or None), "Cancelled.")

    @expose("/<request_id>/extend", methods=("POST",))
    def extend(self, request_id: str) -> BaseResponse:
        form = ExtendForm()
        if not form.validate_on_submit() or form.due_date.data is None:
            flash("Give the new deadline and the reason.", "error")
            return redirect(url_for(".show", request_id=request_id))
        due = form.due_date.data
        return self._act(request_id, lambda r, a: casework.extend_deadline(r, due, form.reason.data or "", a),
                         "Deadline extended; the subject has been told why.")

    @expose("/<request_id>/owner", methods=("POST",))
    def assign(self, request_id: str) -> BaseResponse:
        form = OwnerForm()
        form.owner.choices = owner_choices()
        if not form.validate_on_submit():
            flash("Choose an operator who handles requests.", "error")
            return redirect(url_for(".show", request_id=request_id))
        owner = form.owner.data or ""
        return self._act(request_id, lambda r, a: casework.assign_owner(r, owner, a), "Owner updated.")

    @expose("/<request_id>/notes", methods=("POST",))
    def note(self, request_id: str) -> BaseResponse:
        form = NoteForm()
        body = form.body.data if form.validate_on_submit() else ""
        return self._act(request_id, lambda r, a: casework.add_note(r, body or "", a), "Note added.")

    @expose("/<request_id>/reveal", methods=("POST",))
    def reveal(self, request_id: str) -> Any:
        """Show the identities and corrections in clear, once, and audit who looked."""
        if current_user.role not in ACTING_ROLES:
            return Response(self.render("console/forbidden.html"), status=403)
        subject_request = self._request(request_id)
        revealed = casework.reveal_identities(subject_request, self._operator_actor())
        db.session.commit()
        return no_store(self._detail(subject_request, revealed, corrections_of(subject_request)))
