"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import logging

from flask import current_app
from flask_openapi3 import Tag
from kombu import Connection
from sqlalchemy import text

from privacyhub.api import api_blueprint
from privacyhub.errors import problem_response
from privacyhub.extensions import db

log = logging.getLogger(__name__)
bp = api_blueprint("health", url_prefix="")
TAG = [Tag(name="health", description="Probes")]


@bp.get("/healthz", tags=TAG)
def healthz():
    """The process is up."""
    return {"status": "ok"}


@bp.get("/readyz", tags=TAG)
def readyz():
    """The database and the broker answer; 503 names which one does not."""
    failing = []
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        log.warning("readiness: database unreachable", exc_info=True)
        failing.append("database")
    finally:
        db.session.rollback()
    try:
        with Connection(current_app.config["CELERY"]["broker_url"], connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        log.warning("readiness: broker unreachable", exc_info=True)
        failing.append("broker")
    if failing:
        return problem_response(503, "Service Unavailable", "not ready: " + ", ".join(failing) + " unreachable",
                                failing=failing)
    return {"status": "ready"}
