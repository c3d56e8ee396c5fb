"""``/opengdpr/v1/``: OpenGDPR / OpenDSR intake beside the native API.

Every JSON answer is signed (``X-OpenGDPR-Signature``, RSA-SHA256 over the body) with the
key whose certificate ``/opengdpr/v1/cert.pem`` serves, as discovery announces.
"""

from __future__ import annotations

import hashlib

import rfc8785
from flask import Response, g, request
from flask_openapi3 import Tag
from sqlalchemy import select

from privacyhub.api import BEARER, api_blueprint
from privacyhub.auth.api_keys import require_scope
from privacyhub.dsr.actors import Actor
from privacyhub.dsr.intake import RequestDraft, file_request
from privacyhub.dsr.lifecycle import cancel
from privacyhub.dsr.opengdpr import (
    IDENTITY_TYPES,
    OpenGdprPath,
    OpenGdprRequest,
    cancellation_response,
    creation_response,
    discovery,
    status_response,
)
from privacyhub.dsr.opengdpr_signing import certificate_pem, signature_headers
from privacyhub.errors import Conflict, NotFound
from privacyhub.extensions import db
from privacyhub.models import SubjectRequest
from privacyhub.models.types import utcnow

bp = api_blueprint("opengdpr", url_prefix="/opengdpr/v1")
TAG = [Tag(name="opengdpr", description="OpenGDPR / OpenDSR compatible intake (the hub is the processor)")]


@bp.after_request
def sign_response(response: Response) -> Response:
    """Sign every JSON answer over its exact bytes."""
    if response.mimetype in ("application/json", "application/problem+json") and not response.direct_passthrough:
        response.headers.update(signature_headers(response.get_data()))
    return response


@bp.get("/discovery", tags=TAG)
def get_discovery():
    """What this processor supports (spec section 6)."""
    return discovery()


@bp.get("/cert.pem", tags=TAG)
def get_certificate():
    """The X.509 certificate whose key signs responses and callbacks."""
    return Response(certificate_pem(), mimetype="application/x-pem-file")


def _own_request(subject_request_id: str) -> SubjectRequest:
    """The controller's request with this id; another controller's is as good as missing."""
    found = db.session.scalar(select(SubjectRequest).where(
        SubjectRequest.channel == "opengdpr", SubjectRequest.external_id == subject_request_id))
    if found is None or found.source != g.api_key.name:
        raise NotFound("no OpenGDPR request with this subject_request_id")
    return found


@bp.post("/opengdpr_requests", tags=TAG, security=BEARER)
@require_scope("requests:write")
def create_opengdpr_request(body: OpenGdprRequest):
    """Accept a request from a controller (spec section 7); the controller has verified the subject.

    Re-sending the same request returns the first answer; the same id with other content is a 409.
    """
    key, raw = g.api_key, request.get_data()
    external_id = str(body.subject_request_id).lower()
    digest = hashlib.sha256(rfc8785.dumps(body.model_dump(mode="json"))).hexdigest()
    existing = db.session.scalar(select(SubjectRequest).where(
        SubjectRequest.channel == "opengdpr", SubjectRequest.external_id == external_id))
    if existing is not None:
        if existing.source != key.name or existing.body_digest != digest:
            raise Conflict("a request with this subject_request_id already exists")
        return creation_response(existing, raw), 201
    draft = RequestDraft(
        type=body.subject_request_type, identity_verified=True, external_id=external_id,
        identities=[(IDENTITY_TYPES[i.identity_type], i.identity_value) for i in body.subject_identities],
        opengdpr_callback_urls=[str(url) for url in body.status_callback_urls],
    )
    filed = file_request(draft, channel="opengdpr", source=key.name, actor=Actor.api_key(key),
                         api_key_id=key.id, body_digest=digest)
    db.session.commit()
    return creation_response(filed.request, raw), 201


@bp.get("/opengdpr_requests/<subject_request_id>", tags=TAG, security=BEARER)
@require_scope("requests:read")
def get_opengdpr_request(path: OpenGdprPath):
    """The request's status in OpenGDPR terms (spec section 8)."""
    return status_response(_own_request(str(path.subject_request_id)))


@bp.delete("/opengdpr_requests/<subject_request_id>", tags=TAG, security=BEARER)
@require_scope("requests:write")
def cancel_opengdpr_request(path: OpenGdprPath):
    """Cancel a request still pending (spec section 9); 409 once processing started."""
    found = _own_request(str(path.subject_request_id))
    received = utcnow()
    cancel(found, Actor.api_key(g.api_key), "cancelled by the controller")
    db.session.commit()
    return cancellation_response(found, received, request.get_data()), 202
