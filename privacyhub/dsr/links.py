"""The links a data subject receives: the private status page and the verification page.

The status link carries a keyed MAC of the request id, so it needs no storage and cannot
be guessed from the id alone.
"""

from __future__ import annotations

import hmac

from flask import current_app
from sqlalchemy import select

from privacyhub.crypto import keyring
from privacyhub.extensions import db
from privacyhub.models import SubjectRequest

STATUS_MAC_CHARS = 32


def status_token(request: SubjectRequest) -> str:
    """``<request id>.<mac>``: the capability to read this one request's status."""
    mac = keyring().digest(f"status-link:{request.id}".encode())[:STATUS_MAC_CHARS]
    return f"{request.id}.{mac}"


def request_for_status_token(token: str) -> SubjectRequest | None:
    """The request a status token was made for, or None for any forged or malformed token."""
    request_id, _, mac = token.partition(".")
    if len(request_id) != 36 or len(mac) != STATUS_MAC_CHARS:
        return None
    expected = keyring().digest(f"status-link:{request_id}".encode())[:STATUS_MAC_CHARS]
    if not hmac.compare_digest(expected, mac):
        return None
    return db.session.scalar(select(SubjectRequest).where(SubjectRequest.id == request_id))


def absolute_url(path: str) -> str:
    """``path`` under the hub's public base URL (also usable outside a web request)."""
    return current_app.extensions["privacyhub.settings"].base_url.rstrip("/") + path


def status_url(request: SubjectRequest) -> str:
    return absolute_url(f"/privacy/status/{status_token(request)}")


def verify_url(token: str) -> str:
    return absolute_url(f"/privacy/verify/{token}")
