"""Retention policies in the console: keep them, look at a dry run, enable, run, read the run records.

Compliance officers and admins change and run policies; auditors read everything. A policy
is enabled from the page of its dry run, so nobody switches on a purge without seeing it.
"""

from __future__ import annotations

import io
import time
from typing import Any

from flask import Response, abort, flash, redirect, request, send_file, url_for
from flask_admin import expose
from sqlalchemy import select

from admin.retention_forms import PolicyForm, sql_systems
from admin.secured import WritingView
from privacyhub.errors import ProblemError
from privacyhub.extensions import db
from privacyhub.localtime import format_local
from privacyhub.models import RetentionPolicy, RetentionRun
from privacyhub.retention.policies import (
    PolicyDraft,
    create_policy,
    delete_policy,
    describe,
    disable_policy,
    enable_policy,
    update_policy,
)
from privacyhub.retention.purge import COUNTED
from privacyhub.retention.report import csv_name, first_keys, run_csv
from privacyhub.retention.runner import run_policy
from privacyhub.retention.schemas import latest_run

RUN_BUDGET_SECONDS = 20  # longer runs carry on in a worker


class RetentionView(WritingView):
    """Policies, their dry runs and runs."""

    roles = ("admin", "compliance", "auditor")
    write_endpoints = frozenset({"create", "edit", "dry_run", "enable", "disable", "run", "delete"})

    def render(self, template: str, **kwargs: Any) -> Any:
        kwargs.setdefault("local", format_local)
        kwargs.setdefault("counted", COUNTED)
        return super().render(template, **kwargs)

    def _policy(self, policy_id: int) -> RetentionPolicy:
        policy = db.session.get(RetentionPolicy, policy_id)
        if policy is None:
            abort(404)
        return policy

    def _refused(self, error: ProblemError, form: PolicyForm | None = None) -> str:
        """Roll back and show why, on the fields concerned."""
        db.session.rollback()
        for problem in error.errors or []:
            field = getattr(form, str(problem.get("field")), None) if form is not None else None
            if field is not None:
                field.errors = [*field.errors, problem["message"]]
        return error.detail

    @expose("/")
    def index(self) -> Any:
        policies = list(db.session.scalars(select(RetentionPolicy).order_by(RetentionPolicy.name)))
        rows = [(p, describe(p), latest_run(p)) for p in policies]
        runs = list(db.session.scalars(select(RetentionRun).order_by(RetentionRun.id.desc()).limit(20)))
        return self.render("console/retention/list.html", rows=rows, runs=runs)

    def _form_page(self, form: PolicyForm, policy: RetentionPolicy | None, error: str | None) -> Any:
        return Response(self.render("console/retention/form.html", form=form, policy=policy, error=error),
                        status=422 if error or form.errors else 200)

    @expose("/new", methods=("GET", "POST"))
    def create(self) -> Any:
        form = PolicyForm()
        form.system.choices = sql_systems()
        error = None
        if form.validate_on_submit():
            try:
                policy = create_policy(form.draft(), self.actor())
                db.session.commit()
            except ProblemError as refused:
                error = self._refused(refused, form)
            else:
                flash(f"Policy {policy.name} added, disabled. Look at its dry run before you enable it.", "success")
                return redirect(url_for(".show", policy_id=policy.id))
        return self._form_page(form, None, error)

    @expose("/<int:policy_id>/edit", methods=("GET", "POST"))
    def edit(self, policy_id: int) -> Any:
        policy = self._policy(policy_id)
        form = PolicyForm() if request.method == "POST" else PolicyForm(data=vars(PolicyDraft.of(policy)))
        form.system.choices = sql_systems()
        error = None
        if form.validate_on_submit():
            try:
                update_policy(policy, form.draft(), self.actor())
                db.session.commit()
            except ProblemError as refused:
                error = self._refused(refused, form)
            else:
                flash("Policy changed and disabled until you review a new dry run.", "warning")
                return redirect(url_for(".show", policy_id=policy.id))
        return self._form_page(form, policy, error)

    @expose("/<int:policy_id>")
    def show(self, policy_id: int) -> Any:
        policy = self._policy(policy_id)
        runs = list(db.session.scalars(select(RetentionRun).where(RetentionRun.policy_id == policy.id)
                                       .order_by(RetentionRun.id.desc()).limit(50)))
        return self.render("console/retention/policy.html", policy=policy, facts=describe(policy), runs=runs,
                           dry=latest_run(policy, dry_run=True))

    def _act(self, policy_id: int, action: Any, done: str) -> Any:
        policy = self._policy(policy_id)
        try:
            action(policy, self.actor())
            db.session.commit()
            flash(done, "success")
        except ProblemError as refused:
            flash(self._refused(refused), "danger")
        return redirect(url_for(".show", policy_id=policy_id))

    @expose("/<int:policy_id>/enable", methods=("POST",))
    def enable(self, policy_id: int) -> Any:
        return self._act(policy_id, enable_policy, "Enabled: beat runs the policy daily.")

    @expose("/<int:policy_id>/disable", methods=("POST",))
    def disable(self, policy_id: int) -> Any:
        return self._act(policy_id, disable_policy, "Disabled.")

    @expose("/<int:policy_id>/delete", methods=("POST",))
    def delete(self, policy_id: int) -> Any:
        policy = self._policy(policy_id)
        delete_policy(policy, self.actor())
        db.session.commit()
        flash(f"Policy {policy.name} deleted; its runs stay on record.", "success")
        return redirect(url_for(".index"))

    @expose("/<int:policy_id>/dry-run", methods=("POST",))
    def dry_run(self, policy_id: int) -> Any:
        """What the policy would delete or mask now; nothing changes."""
        run = run_policy(self._policy(policy_id), self.actor(), "console", dry_run=True)
        return redirect(url_for(".run_record", run_id=run.id))

    @expose("/<int:policy_id>/run", methods=("POST",))
    def run(self, policy_id: int) -> Any:
        """Run the enabled policy now; a long run carries on in a worker."""
        try:
            run = run_policy(self._policy(policy_id), self.actor(), "console",
                             deadline=time.monotonic() + RUN_BUDGET_SECONDS)
        except ProblemError as refused:
            flash(self._refused(refused), "danger")
            return redirect(url_for(".show", policy_id=policy_id))
        if run.status == "queued":
            flash("The run continues in the background; this page shows its progress.", "info")
        return redirect(url_for(".run_record", run_id=run.id))

    def _run(self, run_id: int) -> RetentionRun:
        run = db.session.get(RetentionRun, run_id)
        if run is None:
            abort(404)
        return run

    @expose("/runs/<int:run_id>")
    def run_record(self, run_id: int) -> Any:
        run = self._run(run_id)
        policy = db.session.get(RetentionPolicy, run.policy_id) if run.policy_id else None
        may_enable = bool(policy and run.dry_run and not policy.enabled and policy.reviewed_at
                          and run.finished_at and run.finished_at >= policy.reviewed_at)
        return self.render("console/retention/run.html", run=run, policy=policy, may_enable=may_enable,
                           first_keys=lambda name: first_keys(run, name))

    @expose("/runs/<int:run_id>.csv")
    def run_download(self, run_id: int) -> Any:
        run = self._run(run_id)
        return send_file(io.BytesIO(run_csv(run)), mimetype="text/csv", as_attachment=True,
                         download_name=csv_name(run))
