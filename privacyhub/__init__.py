"""PrivacyHub: GDPR data-rights and tamper-evident audit-log service."""

from __future__ import annotations

import logging
from typing import Any

from flask_openapi3 import Info, OpenAPI
from sqlalchemy import event
from sqlalchemy.engine import Engine

from privacyhub.settings import Settings

__version__ = "0.1.0"


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL and a busy timeout let web, worker and beat share the embedded database."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def create_app(test_config: dict[str, Any] | None = None) -> OpenAPI:
    """Build the WSGI app: settings, keys, database, API, console and Celery."""
    from privacyhub.api import register_api
    from privacyhub.commands import register_commands
    from privacyhub.crypto import Keyring
    from privacyhub.edge import init_edge
    from privacyhub.errors import register_error_handlers, validation_problem
    from privacyhub.extensions import csrf, db, limiter, migrate
    from privacyhub.keyfiles import ensure_instance_keys, load_secret_key
    from privacyhub.portal import bp as portal_bp
    from privacyhub.security_headers import init_security_headers

    settings = Settings.from_env(test_config)
    app = OpenAPI(
        __name__,
        info=Info(title="PrivacyHub API", version=__version__,
                  description="Audit events and data-subject requests. Errors are RFC 9457 problem+json."),
        security_schemes={"bearer": {"type": "http", "scheme": "bearer",
                                     "description": "An API key, `phk_...`"}},
        doc_prefix="/v1",
        doc_url="/openapi.json",
        validation_error_status=422,
        validation_error_callback=validation_problem,
        instance_path=str(settings.instance_path),
    )
    app.config.from_mapping(settings.to_flask_config())
    if test_config:
        app.config.update(test_config)
    app.extensions["privacyhub.settings"] = settings
    ensure_instance_keys(settings)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(settings)
    app.extensions["privacyhub.keyring"] = Keyring.from_settings(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(__file__).rsplit("/", 1)[0] + "/migrations")
    csrf.init_app(app)
    limiter.init_app(app)
    register_error_handlers(app)
    register_api(app)
    app.register_blueprint(portal_bp)
    init_security_headers(app)
    init_edge(app)
    register_commands(app)

    from admin import init_admin
    from tasks import celery_init_app

    init_admin(app)
    celery_init_app(app)
    return app

