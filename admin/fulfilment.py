"""Fulfilment in the console: each request's progress per system, its report, and retry of failures."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select

from admin.secured import SecuredView
from privacyhub.dsr.actors import Actor
from privacyhub.errors import ProblemError
from privacyhub.extensions import db
from privacyhub.fulfilment.completion import request_report
from privacyhub.fulfilment.jobs import jobs_of, retry_failed
from privacyhub.models import FulfilmentJob, SubjectRequest

COUNTS = ("found", "deleted", "masked", "retained", "shared", "held", "exported", "rectified", "unchanged")


class FulfilmentView(SecuredView):
    """Requests that reached the data systems, newest first, with what each system did."""

    @expose("/")
    def index(self) -> Any:
        recent = list(db.session.scalars(
            select(SubjectRequest).where(select(FulfilmentJob.id).where(
                FulfilmentJob.request_seq == SubjectRequest.seq).exists())
            .order_by(SubjectRequest.seq.desc()).limit(100)))
        rows = []
        for request in recent:
            jobs = jobs_of(request)
            rows.append({"request": request, "done": sum(j.status == "completed" for j in jobs), "total": len(jobs),
                         "failed": [j for j in jobs if j.status == "failed"]})
        return self.render("console/fulfilment.html", rows=rows)

    def _request(self, request_id: str) -> SubjectRequest:
        found = db.session.scalar(select(SubjectRequest).where(SubjectRequest.id == request_id))
        if found is None:
            abort(404)
        return found  # type: ignore[no-any-return]

    @expose("/<request_id>")
    def detail(self, request_id: str) -> Any:
        """Per system: status, attempts, the last error and the counts per collection."""
        request = self._request(request_id)
        report = request_report(jobs_of(request))
        may_retry = request.status == "failed" and current_user.role in ("admin", "compliance")
        return self.render("console/fulfilment_request.html", request=request, report=report, counts=COUNTS,
                           may_retry=may_retry)

    @expose("/<request_id>/retry", methods=("POST",))
    def retry(self, request_id: str) -> Any:
        """Run the failed systems again."""
        if current_user.role not in ("admin", "compliance"):
            abort(403)
        request = self._request(request_id)
        actor = self.actor()
        try:
            retried = retry_failed(request, Actor(actor["type"], actor["id"], actor["name"]))
            db.session.commit()
            flash(f"Running {len(retried)} failed system(s) again.", "success")
        except ProblemError as refused:
            db.session.rollback()
            flash(refused.detail, "danger")
        return redirect(url_for(".detail", request_id=request_id))
