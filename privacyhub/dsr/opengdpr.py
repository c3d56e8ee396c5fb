"""The OpenGDPR / OpenDSR request shape and how it maps onto the hub's requests.

Spec: OpenGDPR specification (github.com/opengdpr/OpenDSR, ``OpenGDPR_specification.md``).
The hub acts as the processor; the calling API key is the controller.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AnyHttpUrl, AwareDatetime, BaseModel, ConfigDict, Field

from privacyhub.dsr.links import absolute_url
from privacyhub.models import SubjectRequest

API_VERSION = "0.1"
SUBJECT_REQUEST_TYPES = ("access", "portability", "erasure")
# OpenGDPR identity type -> the hub's identity type; only raw values can be matched in product data.
IDENTITY_TYPES = {"email": "email", "controller_customer_id": "user_id"}
# The hub's statuses -> the four OpenGDPR knows. A denied request is over without being
# fulfilled, which OpenGDPR can only say as ``cancelled``.
STATUS_MAP = {
    "identity_unverified": "pending",
    "pending": "pending",
    "awaiting_approval": "pending",
    "in_progress": "in_progress",
    "failed": "in_progress",
    "completed": "completed",
    "cancelled": "cancelled",
    "denied": "cancelled",
}


def _rfc3339(moment: Any) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


class OpenGdprIdentity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identity_type: Literal["email", "controller_customer_id"]
    identity_value: Annotated[str, Field(min_length=1, max_length=320)]
    identity_format: Literal["raw"] = Field(description="Only raw values can be matched in product data.")


class OpenGdprRequest(BaseModel):
    """``POST /opengdpr_requests`` body (spec section 7.1.1)."""

    model_config = ConfigDict(extra="forbid")

    subject_request_id: UUID
    subject_request_type: Literal["access", "portability", "erasure"]
    submitted_time: AwareDatetime
    subject_identities: Annotated[list[OpenGdprIdentity], Field(min_length=1, max_length=20)]
    api_version: Annotated[str, Field(max_length=10)] | None = None
    status_callback_urls: Annotated[list[AnyHttpUrl], Field(max_length=10)] = []
    extensions: dict[str, Any] | None = None
    regulation: Literal["gdpr"] | None = Field(None, description="OpenDSR 2.0 field; only gdpr is served.")


class OpenGdprPath(BaseModel):
    subject_request_id: UUID


def discovery() -> dict[str, Any]:
    """Spec section 6.3."""
    return {
        "api_version": API_VERSION,
        "supported_identities": [{"identity_type": kind, "identity_format": "raw"} for kind in IDENTITY_TYPES],
        "supported_subject_request_types": list(SUBJECT_REQUEST_TYPES),
        "processor_certificate": absolute_url("/opengdpr/v1/cert.pem"),
    }


def creation_response(request: SubjectRequest, raw_body: bytes) -> dict[str, Any]:
    """Spec section 7.3 (the signature travels in the header, as in the spec's example)."""
    return {
        "controller_id": request.source,
        "expected_completion_time": _rfc3339(request.effective_due_at),
        "received_time": _rfc3339(request.received_at),
        "encoded_request": base64.b64encode(raw_body).decode(),
        "subject_request_id": request.external_id,
    }


def status_response(request: SubjectRequest) -> dict[str, Any]:
    """Spec section 8.3."""
    body = {
        "controller_id": request.source,
        "expected_completion_time": _rfc3339(request.effective_due_at),
        "subject_request_id": request.external_id,
        "request_status": STATUS_MAP[request.status],
        "api_version": API_VERSION,
    }
    if request.results_url:
        body["results_url"] = request.results_url
    return body


def cancellation_response(request: SubjectRequest, received_time: Any, raw_body: bytes) -> dict[str, Any]:
    """Spec section 9.2."""
    return {
        "controller_id": request.source,
        "subject_request_id": request.external_id,
        "received_time": _rfc3339(received_time),
        "encoded_request": base64.b64encode(raw_body).decode(),
        "api_version": API_VERSION,
    }


def callback_body(request: SubjectRequest, url: str) -> dict[str, Any]:
    """Spec section 8.6."""
    body = {
        "controller_id": request.source,
        "expected_completion_time": _rfc3339(request.effective_due_at),
        "status_callback_url": url,
        "subject_request_id": request.external_id,
        "request_status": STATUS_MAP[request.status],
    }
    if request.results_url:
        body["results_url"] = request.results_url
    return body
