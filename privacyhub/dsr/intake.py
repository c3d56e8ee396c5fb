"""Filing a new request, whatever the channel (API, portal, OpenGDPR, console)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app

from privacyhub.crypto import decrypt_field, encrypt_field
from privacyhub.dsr.actors import Actor
from privacyhub.dsr.deadlines import statutory_due_at
from privacyhub.dsr.identities import add_identity
from privacyhub.dsr.lifecycle import admit, open_request
from privacyhub.dsr.notifications import send_verification
from privacyhub.dsr.verification import issue_token, mark_verified
from privacyhub.errors import ValidationFailed
from privacyhub.models import REQUEST_TYPES, SubjectRequest
from privacyhub.models.types import utcnow

CORRECTIONS_AAD = b"subject_request_corrections"


@dataclass
class RequestDraft:
    """Everything a channel collected for a new request, already shape-validated."""

    type: str
    identities: list[tuple[str, str]]
    corrections: list[dict[str, Any]] = field(default_factory=list)
    identity_verified: bool = False
    callback_url: str | None = None
    opengdpr_callback_urls: list[str] = field(default_factory=list)
    external_id: str | None = None


@dataclass
class FiledRequest:
    request: SubjectRequest
    verification_token: str | None


def file_request(draft: RequestDraft, *, channel: str, source: str, actor: Actor, api_key_id: int | None = None,
                 idempotency_key: str | None = None, body_digest: str | None = None,
                 now: datetime | None = None) -> FiledRequest:
    """Create the request, start its clock, and either verify the subject by mail or queue it.

    A verified identity (asserted by a product service or a controller) skips the mail.
    """
    if draft.type not in REQUEST_TYPES:
        raise ValidationFailed(f"unknown request type '{draft.type}'")
    if not draft.identities:
        raise ValidationFailed("a request needs at least one identity of the subject")
    if draft.type == "rectification" and not draft.corrections:
        raise ValidationFailed("a rectification request needs the corrections")
    now = now or utcnow()
    request = SubjectRequest(
        id=str(uuid.uuid4()), type=draft.type, channel=channel, source=source, received_at=now,
        external_id=draft.external_id, api_key_id=api_key_id, idempotency_key=idempotency_key,
        body_digest=body_digest, callback_url=draft.callback_url,
        opengdpr_callback_urls=list(draft.opengdpr_callback_urls), reminders_sent=[], overdue=False,
    )
    for identity_type, value in draft.identities:
        add_identity(request, identity_type, value)
    if draft.corrections:
        request.corrections_sealed = encrypt_field(json.dumps(draft.corrections).encode(), aad=CORRECTIONS_AAD)
    if current_app.extensions["privacyhub.settings"].deadline_clock_start != "verification":
        request.due_at = statutory_due_at(now)
    if draft.identity_verified:
        mark_verified(request, f"asserted by {source}", now)
        open_request(request, "pending", actor)
        admit(request, actor)
        return FiledRequest(request, None)
    if not any(kind == "email" for kind, _ in draft.identities):
        raise ValidationFailed("an unverified request needs an e-mail identity to verify, "
                               "or identity_verified=true from a service that signed the subject in")
    open_request(request, "identity_unverified", actor)
    token = issue_token(request, now)
    send_verification(request, token)
    return FiledRequest(request, token)


def corrections_of(request: SubjectRequest) -> list[dict[str, Any]]:
    """The corrections a rectification request asked for, decrypted."""
    if not request.corrections_sealed:
        return []
    return json.loads(decrypt_field(request.corrections_sealed, aad=CORRECTIONS_AAD))  # type: ignore[no-any-return]
