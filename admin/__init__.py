"""The compliance console at ``/admin/`` (Flask-Admin, operators signed in with Flask-Login)."""

from __future__ import annotations

from flask import Blueprint, Flask, request
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme


def init_admin(app: Flask) -> None:
    """Mount the console on the app: sessions, the views, templates and static assets."""
    from admin.account import AccountView
    from admin.api_keys import ApiKeyView
    from admin.audit_log import AuditLogView
    from admin.dashboard import DashboardView
    from admin.data_systems import DataSystemView
    from admin.explorer import AuditExplorerView
    from admin.fulfilment import FulfilmentView
    from admin.incidents import add_incident_console
    from admin.legal_holds import LegalHoldView
    from admin.operators import OperatorView
    from admin.outbox import OutboxView
    from admin.processing import ProcessingActivityView
    from admin.requests import RequestQueueView
    from admin.retention import RetentionView
    from admin.sessions import init_sessions
    from privacyhub.extensions import db
    from privacyhub.holds.requests import holds_report
    from privacyhub.models import ApiKey, DataSystem, Operator, ProcessingActivity

    app.register_blueprint(Blueprint("console", __name__, template_folder="templates",
                                     static_folder="static", static_url_path="/admin/assets"))
    init_sessions(app)
    app.add_template_global(holds_report, "holds_on_request")
    console = Admin(
        name="PrivacyHub",
        index_view=DashboardView(),
        theme=Bootstrap4Theme(base_template="console/base.html", fluid=True),
        # Flask-Admin's own scripts get the per-response CSP nonce Flask-Talisman issues.
        csp_nonce_generator=lambda: getattr(request, "csp_nonce", ""),
    )
    console.add_view(RequestQueueView(name="Requests", endpoint="subject_requests", url="/admin/requests"))
    console.add_view(OutboxView(name="Outbox", endpoint="outbox", url="/admin/outbox"))
    console.add_view(FulfilmentView(name="Fulfilment", endpoint="fulfilment_progress", url="/admin/fulfilment"))
    console.add_view(DataSystemView(DataSystem, db, name="Data systems", endpoint="data_systems",
                                    url="/admin/systems"))
    console.add_view(ProcessingActivityView(ProcessingActivity, db, name="Records of processing",
                                            endpoint="processing_activities", url="/admin/processing"))
    add_incident_console(app, console)
    console.add_view(RetentionView(name="Retention", endpoint="retention_policies", url="/admin/retention"))
    console.add_view(LegalHoldView(name="Legal holds", endpoint="legal_holds", url="/admin/holds"))
    console.add_view(AuditExplorerView(name="Audit events", endpoint="audit_events", url="/admin/events"))
    console.add_view(AuditLogView(name="Log integrity", endpoint="audit_integrity", url="/admin/audit-log"))
    console.add_view(ApiKeyView(ApiKey, db, name="API keys", endpoint="api_keys", url="/admin/api-keys"))
    console.add_view(OperatorView(Operator, db, name="Operators", endpoint="operators",
                                  url="/admin/operators"))
    console.add_view(AccountView(name="Account", endpoint="account", url="/admin/account"))
    console.init_app(app)
