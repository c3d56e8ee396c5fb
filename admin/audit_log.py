"""The audit log's integrity in the console: tree state, signed checkpoints, verification jobs.

Every role may look and may start a verification (it changes nothing but its own record);
the job runs on a worker and its result appears here.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from flask_admin import expose

from admin.secured import SecuredView
from privacyhub.audit.checkpoints import checkpoint_to_dict, page_checkpoints, signature_valid
from privacyhub.audit.tree_store import log_overview
from privacyhub.audit.verify_runs import recent_verifications, request_verification
from privacyhub.crypto import keyring
from privacyhub.extensions import db

PAGE = 50


class AuditLogView(SecuredView):
    """Tree size and backlog, the newest checkpoints with their signatures checked, verification runs."""

    @expose("/")
    def index(self) -> Any:
        ring = keyring()
        checkpoints, _ = page_checkpoints(PAGE)
        rows = [{**checkpoint_to_dict(c), "valid": c.key_id == ring.public_key_id
                 and signature_valid(c, ring.public_key)} for c in checkpoints]
        return self.render("console/audit_log.html", overview=log_overview(), checkpoints=rows,
                           verifications=recent_verifications(), key_id=ring.public_key_id, page=PAGE)

    @expose("/verify", methods=["POST"])
    def verify(self) -> Any:
        run = request_verification(self.actor())
        db.session.commit()
        flash(f"Verification #{run.id} queued; its result appears below when a worker has run it.", "info")
        return redirect(url_for(".index"))
