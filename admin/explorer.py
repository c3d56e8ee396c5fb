"""The audit-log explorer: every role may search and read events, nobody may change them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Response, abort, request, stream_with_context
from flask_admin import expose
from flask_wtf import FlaskForm
from wtforms import Form, StringField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import Length, Optional

from admin.secured import SecuredView, no_store
from privacyhub.audit.export import CONTENT_TYPES, record_export, stream_export
from privacyhub.audit.proofs import proof_status
from privacyhub.audit.query import (
    EventFilter,
    event_to_dict,
    events_to_dicts,
    get_event,
    has_personal,
    page_events,
    record_personal_data_viewed,
    withhold_personal,
)
from privacyhub.errors import BadRequest
from privacyhub.extensions import db

PAGE_SIZE = 50
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class EventSearchForm(Form):
    """The API's filters (``GET /v1/events``) as a search form; times are UTC."""

    action = StringField("Action", [Optional(), Length(max=200)],
                         description="e.g. user.login, or order.* for a prefix")
    actor_id = StringField("Actor id", [Optional(), Length(max=200)])
    target_id = StringField("Target id", [Optional(), Length(max=200)])
    subject = StringField("Subject", [Optional(), Length(max=320)], description="the data subject's identifier")
    since = DateTimeLocalField("From (UTC)", [Optional()], format=LOCAL_FORMATS)
    until = DateTimeLocalField("Until (UTC)", [Optional()], format=LOCAL_FORMATS)

    def event_filter(self) -> EventFilter:
        """The query filter for the submitted values."""
        def utc(value: datetime | None) -> datetime | None:
            return value.replace(tzinfo=UTC) if value else None

        def text(value: str | None) -> str | None:
            return value.strip() or None if value else None

        return EventFilter(action=text(self.action.data), actor_id=text(self.actor_id.data),
                           target_id=text(self.target_id.data), subject=text(self.subject.data),
                           since=utc(self.since.data), until=utc(self.until.data))


def pretty_json(event: dict[str, Any]) -> str:
    """The event as indented JSON text; the template escapes it, so it is only ever shown."""
    return json.dumps(event, indent=2, ensure_ascii=False, sort_keys=False)


class RevealForm(FlaskForm):
    """A bare POST with its CSRF token: showing an event's personal data is a recorded act."""


class AuditExplorerView(SecuredView):
    """Search the log with the API's filters, page through it, open an event's JSON.

    Personal values (subject, personal data, ip, user agent) are withheld everywhere until an
    operator reveals them for one event; the reveal is written to the audit log first.
    """

    @expose("/")
    def index(self) -> Any:
        form = EventSearchForm(request.args)
        events: list[dict[str, Any]] = []
        next_cursor, error = None, None
        if form.validate():
            try:
                rows, next_cursor = page_events(form.event_filter(), PAGE_SIZE, request.args.get("cursor") or None)
                events = [withhold_personal(e) for e in events_to_dicts(rows)]
            except BadRequest as exc:
                error = exc.detail
        else:
            error = "Check the highlighted filters."
        query = {name: request.args[name] for name in form._fields if request.args.get(name)}
        return self.render("console/explorer.html", form=form, events=events, error=error,
                           next_cursor=next_cursor, query=query, pretty_json=pretty_json)

    @expose("/export")
    def export(self) -> Any:
        """The search's matches as CSV or Parquet, like ``GET /v1/events/export``; audited."""
        form = EventSearchForm(request.args)
        file_format = request.args.get("format", "csv")
        if not form.validate() or file_format not in CONTENT_TYPES:
            abort(400)
        record_export(self.actor(), file_format, form.event_filter())
        db.session.commit()
        return Response(stream_with_context(stream_export(file_format, form.event_filter())),
                        mimetype=CONTENT_TYPES[file_format],
                        headers={"Content-Disposition": f'attachment; filename="audit-events.{file_format}"'})

    @expose("/<event_id>")
    def show(self, event_id: str) -> Any:
        event = self._event(event_id)
        shown = event_to_dict(event)
        return self.render("console/event.html", event=withhold_personal(shown), withheld=has_personal(shown),
                           reveal_form=RevealForm(), pretty_json=pretty_json, proof=proof_status(event))

    @expose("/<event_id>/reveal", methods=("POST",))
    def reveal(self, event_id: str) -> Any:
        """The event with its personal data, after recording who was shown it."""
        event = self._event(event_id)
        if not RevealForm().validate_on_submit():
            abort(400)
        record_personal_data_viewed(self.actor(), event.id)
        db.session.commit()
        return no_store(self.render("console/event.html", event=event_to_dict(event), withheld=False,
                                    reveal_form=None, pretty_json=pretty_json, proof=proof_status(event)))

    def _event(self, event_id: str) -> Any:
        event = get_event(event_id)
        if event is None:
            abort(404)
        return event
