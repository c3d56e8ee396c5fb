"""The mail outbox: every message the hub wrote, and where SMTP is not configured, the only copy.

The list shows no personal data; opening a message decrypts it and is audited.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort
from flask_admin import expose
from markupsafe import Markup, escape
from sqlalchemy import select

from admin.secured import SecuredView, no_store
from privacyhub.audit.ingest import record_hub_event
from privacyhub.extensions import db
from privacyhub.mail import open_message
from privacyhub.models import OutboxMessage, SubjectRequest

PAGE = 200
URL = re.compile(r"https?://[^\s<>\"]+")


def linkify(text: str) -> Markup:
    """Plain text with its URLs as links (the verification link is what the demo needs)."""
    parts, last = [], 0
    for match in URL.finditer(text):
        parts.append(escape(text[last:match.start()]))
        parts.append(Markup('<a href="{0}">{0}</a>').format(match.group(0)))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


class OutboxView(SecuredView):
    """Newest messages first; compliance and admins may open one."""

    roles = ("admin", "compliance", "auditor")
    reader_roles = ("admin", "compliance")

    @expose("/")
    def index(self) -> Any:
        rows = db.session.execute(
            select(OutboxMessage, SubjectRequest.id).outerjoin(SubjectRequest,
                                                               SubjectRequest.seq == OutboxMessage.request_seq)
            .order_by(OutboxMessage.id.desc()).limit(PAGE)).all()
        return self.render("console/outbox.html", rows=rows, limit=PAGE, reader_roles=self.reader_roles)

    @expose("/<int:message_id>")
    def show(self, message_id: int) -> Any:
        from flask_login import current_user

        if current_user.role not in self.reader_roles:
            return self.render("console/forbidden.html"), 403
        message = db.session.get(OutboxMessage, message_id)
        if message is None:
            abort(404)
        recipient, text, _ = open_message(message)
        record_hub_event("mail.viewed", self.actor(), [{"type": "mail", "id": str(message.id)}],
                         metadata={"template": message.template})
        db.session.commit()
        request_id = db.session.scalar(select(SubjectRequest.id).where(SubjectRequest.seq == message.request_seq))
        return no_store(self.render("console/outbox_message.html", message=message, recipient=recipient,
                                    body=linkify(text), request_id=request_id))
