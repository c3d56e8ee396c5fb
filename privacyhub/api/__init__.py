"""The REST API: versioned blueprints whose pydantic models also generate the OpenAPI document."""

from __future__ import annotations

from flask import request
from flask_openapi3 import APIBlueprint, OpenAPI

from privacyhub.auth.api_keys import enforce_api_key
from privacyhub.errors import BadRequest, ProblemError
from privacyhub.extensions import csrf, limiter

BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


class UnsupportedMediaType(ProblemError):
    status, title = 415, "Unsupported Media Type"


def require_json_body() -> None:
    """Bodies must be well-formed JSON objects; say so plainly instead of a schema error."""
    if request.method not in ("POST", "PUT", "PATCH") or not request.content_length:
        return
    if not request.is_json:
        raise UnsupportedMediaType("send the body as application/json")
    if request.get_json(silent=True) is None:
        raise BadRequest("the body is not valid JSON")


def api_blueprint(name: str, url_prefix: str = "/v1") -> APIBlueprint:
    """A blueprint for API views: key checked, JSON enforced, rate limited."""
    blueprint = APIBlueprint(name, __name__, url_prefix=url_prefix)
    blueprint.before_request(enforce_api_key)
    blueprint.before_request(require_json_body)
    return blueprint


def register_api(app: OpenAPI) -> None:
    """Attach every API blueprint to the app."""
    from privacyhub.api.audit_log import bp as audit_log_bp
    from privacyhub.api.events import bp as events_bp
    from privacyhub.api.fulfilment import bp as fulfilment_bp
    from privacyhub.api.health import bp as health_bp
    from privacyhub.api.incidents import bp as incidents_bp
    from privacyhub.api.legal_holds import bp as legal_holds_bp
    from privacyhub.api.opengdpr import bp as opengdpr_bp
    from privacyhub.api.requests import bp as requests_bp
    from privacyhub.api.retention import bp as retention_bp
    from privacyhub.api.systems import bp as systems_bp

    for blueprint in (events_bp, health_bp, requests_bp, opengdpr_bp, incidents_bp, audit_log_bp,
                      systems_bp, fulfilment_bp, retention_bp, legal_holds_bp):
        limiter.limit(lambda: app.config["PRIVACYHUB_API_RATE_LIMIT"])(blueprint)
        csrf.exempt(blueprint)  # bearer keys, not cookies: no cross-site request can carry them
        app.register_api(blueprint)
