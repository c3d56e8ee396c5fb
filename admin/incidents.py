"""Incidents in the console: the record, the 72-hour clock, notifications and the breach register.

Compliance officers and admins work incidents; auditors read everything and change nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, abort, flash, redirect, request, url_for
from flask_admin import Admin, expose
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from admin.incident_forms import IncidentForm, NewNotificationForm, NoteForm, SentForm, StatusForm, draft_form_class
from admin.secured import SecuredView
from privacyhub.audit.ingest import record_hub_event
from privacyhub.errors import ProblemError
from privacyhub.extensions import db
from privacyhub.incidents import drafts, taxonomy
from privacyhub.incidents.clock import incident_clock
from privacyhub.incidents.documents import notification_html, notification_pdf
from privacyhub.incidents.drafts import approximate
from privacyhub.incidents.escalation import latest_escalation, mark_label
from privacyhub.incidents.lifecycle import change_status, close_blockers
from privacyhub.incidents.notifications import draft_notification, edit_notification, get_notification, mark_sent
from privacyhub.incidents.record import add_note, get_incident, incident_target, open_incident, update_incident
from privacyhub.incidents.register import register_csv, register_xlsx
from privacyhub.localtime import display_zone, format_local, parse_local, to_local
from privacyhub.models import Incident, IncidentNotification
from privacyhub.models.incident import ART_34_3_EXCEPTIONS
from privacyhub.models.types import utcnow

WRITERS = ("admin", "compliance")
EXPORTS = {"csv": ("text/csv; charset=utf-8", register_csv),
           "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", register_xlsx)}


def incident_clocks() -> list[dict[str, Any]]:
    """Incidents whose clock still runs, most urgent first: the dashboard's countdown panel."""
    now = utcnow()
    rows = []
    for incident in db.session.scalars(select(Incident).where(Incident.status != "closed").options(
            selectinload(Incident.notifications), selectinload(Incident.escalations))):
        clock = incident_clock(incident, now)
        if clock.running:
            escalation = latest_escalation(incident)
            rows.append({"incident": incident, "clock": clock,
                         "escalation": mark_label(escalation.mark_hours) if escalation else None})
    return sorted(rows, key=lambda row: row["clock"].time_left)


class IncidentView(SecuredView):
    """List, open, edit and notify incidents; export the Art. 33(5) register."""

    write_endpoints = frozenset({"create", "edit", "status", "note", "new_notification", "notification_edit",
                                 "notification_regenerate", "notification_sent"})

    def _handle_view(self, name: str, **kwargs: Any) -> Any:
        refused = super()._handle_view(name, **kwargs)
        if refused is None and name in self.write_endpoints and current_user.role not in WRITERS:
            return self.render("console/forbidden.html"), 403
        return refused

    def render(self, template: str, **kwargs: Any) -> Any:
        kwargs.setdefault("local", format_local)
        kwargs.setdefault("can_write", current_user.is_authenticated and current_user.role in WRITERS)
        kwargs.setdefault("zone", display_zone().key)
        kwargs.setdefault("approximate", approximate)
        return super().render(template, **kwargs)

    def _load(self, incident_id: str) -> Incident:
        try:
            return get_incident(incident_id)
        except ProblemError:
            abort(404)

    def _refused(self, error: ProblemError, form: Any = None) -> str:
        """Roll the change back and show why, on the field it concerns when there is one."""
        db.session.rollback()
        field = getattr(form, str(error.extra.get("field")), None) if form is not None else None
        if field is not None:
            field.errors = [*field.errors, error.detail]
        return error.detail

    @expose("/")
    def index(self) -> Any:
        status = request.args.get("status") or None
        stmt = select(Incident).options(selectinload(Incident.notifications), selectinload(Incident.escalations))
        if status:
            stmt = stmt.where(Incident.status == status)
        now = utcnow()
        rows = [(i, incident_clock(i, now), latest_escalation(i))
                for i in db.session.scalars(stmt.order_by(Incident.seq.desc()))]
        return self.render("console/incidents/list.html", rows=rows, status=status, mark_label=mark_label)

    @expose("/new", methods=("GET", "POST"))
    def create(self) -> Any:
        form = IncidentForm() if request.method == "POST" else IncidentForm(
            audit_event_id=request.args.get("audit_event_id", ""), request_id=request.args.get("request_id", ""),
            aware_at=to_local(utcnow()).replace(tzinfo=None, second=0, microsecond=0),
            owner=current_user.email)
        error = None
        if form.validate_on_submit():
            try:
                incident = open_incident(form.record_fields(), self.actor(),
                                         audit_event_id=form.audit_event_id.data or None,
                                         request_id=form.request_id.data or None)
                db.session.commit()
            except ProblemError as refused:
                error = self._refused(refused, form)
            else:
                flash(f"{incident.reference} opened; the 72-hour clock is running.", "success")
                return redirect(url_for(".show", incident_id=incident.id))
        return Response(self.render("console/incidents/form.html", form=form, error=error, incident=None),
                        status=422 if error or form.errors else 200)

    @expose("/<incident_id>")
    def show(self, incident_id: str) -> Any:
        incident = self._load(incident_id)
        return self.render(
            "console/incidents/show.html", incident=incident, clock=incident_clock(incident),
            blockers=close_blockers(incident), status_form=StatusForm(status=incident.status, current=incident.status),
            note_form=NoteForm(), notification_form=NewNotificationForm(), taxonomy=taxonomy,
            escalation=latest_escalation(incident), mark_label=mark_label, exceptions=ART_34_3_EXCEPTIONS,
            phase_titles=drafts.PHASE_TITLES)

    @expose("/<incident_id>/edit", methods=("GET", "POST"))
    def edit(self, incident_id: str) -> Any:
        incident = self._load(incident_id)
        form = IncidentForm() if request.method == "POST" else IncidentForm.for_incident(incident)
        error = None
        if form.validate_on_submit():
            try:
                changed = update_incident(incident, form.record_fields(), self.actor())
                db.session.commit()
            except ProblemError as refused:
                error = self._refused(refused, form)
            else:
                flash(f"Saved: {', '.join(changed)}." if changed else "Nothing changed.", "success")
                return redirect(url_for(".show", incident_id=incident.id))
        return Response(self.render("console/incidents/form.html", form=form, error=error, incident=incident),
                        status=422 if error or form.errors else 200)

    def _act(self, incident: Incident, action: Any, success: str) -> Any:
        """Run a change, commit it, and go back to the incident with a message either way."""
        try:
            action()
            db.session.commit()
            flash(success, "success")
        except ProblemError as refused:
            flash(self._refused(refused), "danger")
        return redirect(url_for(".show", incident_id=incident.id))

    @expose("/<incident_id>/status", methods=("POST",))
    def status(self, incident_id: str) -> Any:
        incident = self._load(incident_id)
        form = StatusForm()
        if not form.validate_on_submit():
            abort(400)
        return self._act(incident, lambda: change_status(incident, form.status.data or "", self.actor()),
                         f"Status: {form.status.data}.")

    @expose("/<incident_id>/notes", methods=("POST",))
    def note(self, incident_id: str) -> Any:
        incident = self._load(incident_id)
        form = NoteForm()
        if not form.validate_on_submit():
            flash("A note needs some text.", "danger")
            return redirect(url_for(".show", incident_id=incident.id))
        return self._act(incident, lambda: add_note(incident, form.body.data or "", self.actor()), "Note added.")

    @expose("/<incident_id>/notifications", methods=("POST",))
    def new_notification(self, incident_id: str) -> Any:
        incident = self._load(incident_id)
        form = NewNotificationForm()
        if not form.validate_on_submit():
            abort(400)
        try:
            notification = draft_notification(incident, form.audience.data or "", form.phase.data or "",
                                              self.actor())
            db.session.commit()
        except ProblemError as refused:
            flash(self._refused(refused), "danger")
            return redirect(url_for(".show", incident_id=incident.id))
        flash("Draft generated from the record. Check every element, then mark it sent.", "success")
        return redirect(url_for(".notification", incident_id=incident.id, notification_id=notification.id))

    def _notification(self, incident_id: str, notification_id: int) -> IncidentNotification:
        try:
            return get_notification(self._load(incident_id), notification_id)
        except ProblemError:
            abort(404)

    @expose("/<incident_id>/notifications/<int:notification_id>")
    def notification(self, incident_id: str, notification_id: int, draft_form: Any = None,
                     sent_form: Any = None, error: str | None = None) -> Any:
        notification = self._notification(incident_id, notification_id)
        if draft_form is None:
            draft_form = draft_form_class(notification.audience)(
                data={"recipient": notification.recipient, **notification.elements})
        if sent_form is None:
            sent_form = SentForm(data={"sent_at": to_local(utcnow()).replace(tzinfo=None, second=0, microsecond=0)})
        incident = notification.incident
        return self.render("console/incidents/notification.html", notification=notification, incident=incident,
                           clock=incident_clock(incident), draft_form=draft_form, sent_form=sent_form,
                           error=error, elements=drafts.elements_for(notification.audience),
                           title=drafts.document_title(notification.audience, notification.phase,
                                                       incident.reference))

    @expose("/<incident_id>/notifications/<int:notification_id>/edit", methods=("POST",))
    def notification_edit(self, incident_id: str, notification_id: int) -> Any:
        notification = self._notification(incident_id, notification_id)
        form = draft_form_class(notification.audience)()
        if form.validate_on_submit():
            elements = {e.key: form[e.key].data or "" for e in drafts.elements_for(notification.audience)}
            try:
                changed = edit_notification(notification, self.actor(), elements=elements,
                                            recipient=form["recipient"].data)
                db.session.commit()
            except ProblemError as refused:
                return Response(self.notification(incident_id, notification_id, draft_form=form,
                                                  error=self._refused(refused)), status=422)
            flash("Draft saved." if changed else "Nothing changed.", "success")
            return redirect(url_for(".notification", incident_id=incident_id, notification_id=notification_id))
        return Response(self.notification(incident_id, notification_id, draft_form=form), status=422)

    @expose("/<incident_id>/notifications/<int:notification_id>/regenerate", methods=("POST",))
    def notification_regenerate(self, incident_id: str, notification_id: int) -> Any:
        notification = self._notification(incident_id, notification_id)
        return self._act(notification.incident,
                         lambda: edit_notification(notification, self.actor(), regenerate=True),
                         "Draft rewritten from the current record.")

    @expose("/<incident_id>/notifications/<int:notification_id>/sent", methods=("POST",))
    def notification_sent(self, incident_id: str, notification_id: int) -> Any:
        notification = self._notification(incident_id, notification_id)
        form = SentForm()
        if form.validate_on_submit():
            try:
                mark_sent(notification, self.actor(), sent_at=parse_local(form.sent_at.data),
                          channel=form.channel.data or "", reference=form.reference.data,
                          delay_reason=form.delay_reason.data)
                db.session.commit()
            except ProblemError as refused:
                return Response(self.notification(incident_id, notification_id, sent_form=form,
                                                  error=self._refused(refused, form)), status=422)
            flash("Marked sent; the notification is kept as sent.", "success")
            return redirect(url_for(".show", incident_id=incident_id))
        return Response(self.notification(incident_id, notification_id, sent_form=form), status=422)

    @expose("/<incident_id>/notifications/<int:notification_id>/print")
    def notification_print(self, incident_id: str, notification_id: int) -> Any:
        return Response(notification_html(self._notification(incident_id, notification_id)), mimetype="text/html")

    @expose("/<incident_id>/notifications/<int:notification_id>/pdf")
    def notification_pdf(self, incident_id: str, notification_id: int) -> Any:
        notification = self._notification(incident_id, notification_id)
        incident = notification.incident
        record_hub_event("incident.notification_exported", self.actor(), [incident_target(incident)],
                         metadata={"notification": notification.id, "format": "pdf"},
                         context=self.client().context())
        db.session.commit()
        name = f"{incident.reference}-{notification.audience}-{notification.phase}.pdf"
        return Response(notification_pdf(notification), mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @expose("/register.<fmt>")
    def register(self, fmt: str) -> Any:
        if fmt not in EXPORTS:
            abort(404)
        mimetype, export = EXPORTS[fmt]
        body = export(None)
        record_hub_event("incident.register_exported", self.actor(), metadata={"format": fmt},
                         context=self.client().context())
        db.session.commit()
        name = f"breach-register-{utcnow():%Y%m%d}.{fmt}"
        return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def add_incident_console(app: Flask, console: Admin) -> None:
    """Mount the incident views and give the dashboard its countdown panel."""
    console.add_view(IncidentView(name="Incidents", endpoint="incidents", url="/admin/incidents"))
    app.add_template_global(incident_clocks, "incident_clocks")
    app.add_template_global(format_local, "local_time")
