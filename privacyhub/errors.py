"""One error hierarchy, rendered as RFC 9457 problem+json in one place.

Domain code raises these; the handlers below turn them (and any stray HTTP or internal
error) into ``application/problem+json`` without leaking stack traces or SQL.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, has_request_context, json, request
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PROBLEM_MIME = "application/problem+json"
API_PREFIXES = ("/v1/", "/opengdpr/")
OPENGDPR_PREFIX = "/opengdpr/"


class ProblemError(Exception):
    """An error that carries its HTTP status and a human-readable detail."""

    status: int = 500
    title: str = "Internal Server Error"

    def __init__(
        self, detail: str | None = None, *, errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None, **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


class BadRequest(ProblemError):
    status, title = 400, "Bad Request"


class Unauthorized(ProblemError):
    status, title = 401, "Unauthorized"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="privacyhub"'}, **kwargs)


class Forbidden(ProblemError):
    status, title = 403, "Forbidden"


class NotFound(ProblemError):
    status, title = 404, "Not Found"


class Conflict(ProblemError):
    status, title = 409, "Conflict"


class ValidationFailed(ProblemError):
    status, title = 422, "Unprocessable Content"


def problem_response(
    status: int, title: str, detail: str | None = None, headers: dict[str, str] | None = None,
    **members: Any,
) -> Response:
    """A problem+json response with the given status and members."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in members.items() if v is not None})
    if has_request_context() and request.path.startswith(OPENGDPR_PREFIX):
        # OpenGDPR clients read the spec's error object (section 7.6); it rides along as a member.
        body["error"] = {"code": status, "message": detail or title,
                         "errors": [{"domain": "Validation" if status in (400, 422) else title,
                                     "reason": title, "message": f"{e.get('field') or 'body'}: {e.get('message', '')}"}
                                    for e in body.get("errors") or []]}
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIME)
    response.headers.update(headers or {})
    return response


def wants_problem_json() -> bool:
    """API paths and JSON clients get problem+json; console and portal pages get HTML."""
    if request.path.startswith(API_PREFIXES) or request.path in ("/healthz", "/readyz"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json", PROBLEM_MIME])
    return best in ("application/json", PROBLEM_MIME)


def validation_problem(error: ValidationError) -> Response:
    """422 naming each invalid field, and for batches the index of each bad event."""
    errors = []
    for item in error.errors(include_url=False, include_input=False):
        loc = [part for part in item["loc"] if part not in ("batch", "event", "events")]
        entry: dict[str, Any] = {"message": item["msg"]}
        if loc and isinstance(loc[0], int) and "events" in item["loc"]:
            entry["index"] = loc.pop(0)
        entry["field"] = ".".join(str(part) for part in loc) or None
        errors.append(entry)
    if request.path.startswith(OPENGDPR_PREFIX):  # the OpenGDPR spec answers malformed requests with 400
        return problem_response(400, "Bad Request", "The request does not match the schema.", errors=errors)
    return problem_response(422, "Unprocessable Content", "The request does not match the schema.",
                            errors=errors)


def register_error_handlers(app: Flask) -> None:
    """Map every error the app can raise to problem+json (API) or the default page (HTML)."""

    @app.errorhandler(ProblemError)
    def handle_problem(error: ProblemError) -> Response:
        return problem_response(
            error.status, error.title, error.detail, error.headers, errors=error.errors, **error.extra
        )

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException) -> Any:
        if error.response is not None:  # already rendered, e.g. a validation problem
            return error.response
        if not wants_problem_json():
            return error
        headers = {k: v for k, v in error.get_headers() if k.lower() in ("retry-after", "allow")}
        return problem_response(error.code or 500, error.name, error.description, headers)

    @app.errorhandler(OperationalError)
    def handle_database_unavailable(error: OperationalError) -> Any:
        # The transaction was rolled back, so nothing was stored: the client may simply retry.
        log.warning("database unavailable on %s %s: %s", request.method, request.path, type(error.orig).__name__)
        if not wants_problem_json():
            return "Service Unavailable: the database cannot be reached; try again shortly.", 503, {"Retry-After": "1"}
        return problem_response(503, "Service Unavailable",
                                "The database cannot be reached; nothing was stored. Retry the request.",
                                {"Retry-After": "1"})

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        if not wants_problem_json():
            return "Internal Server Error", 500
        return problem_response(500, "Internal Server Error", "The server could not complete the request.")
