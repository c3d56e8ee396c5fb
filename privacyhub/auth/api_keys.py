"""Issuing and checking the API keys product services call the hub with."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import current_app, g, request
from sqlalchemy import select, update

from privacyhub.errors import BadRequest, Forbidden, Unauthorized
from privacyhub.extensions import db
from privacyhub.models import SCOPES, ApiKey
from privacyhub.models.types import utcnow

KEY_PREFIX = "phk_"
LAST_USED_RESOLUTION = timedelta(minutes=1)

F = TypeVar("F", bound=Callable[..., Any])


def hash_api_key(key: str) -> str:
    """The stored form of a key: hex SHA-256 (the key itself has 256 bits of entropy)."""
    return hashlib.sha256(key.encode()).hexdigest()


def parse_scopes(scopes: str | list[str]) -> list[str]:
    """Validated, de-duplicated scopes from a comma list or a list."""
    items = scopes.split(",") if isinstance(scopes, str) else scopes
    cleaned = sorted({s.strip() for s in items if s.strip()})
    unknown = [s for s in cleaned if s not in SCOPES]
    if unknown or not cleaned:
        raise BadRequest(f"unknown or missing scopes {unknown}; choose from {', '.join(SCOPES)}")
    return cleaned


def issue_api_key(name: str, scopes: str | list[str]) -> tuple[ApiKey, str]:
    """Create a key (added to the session, not committed) and return it with its secret.

    The secret is returned this once and never stored.
    """
    name = name.strip()
    if not name:
        raise BadRequest("an API key needs a name")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, prefix=secret[:10], key_hash=hash_api_key(secret), scopes=",".join(parse_scopes(scopes)))
    db.session.add(key)
    db.session.flush()
    return key, secret


def revoke_api_key(key: ApiKey) -> None:
    """Stop a key from working from now on (not committed)."""
    if key.revoked_at is None:
        key.revoked_at = utcnow()


def authenticate_request() -> ApiKey:
    """The active key named by the request's ``Authorization: Bearer`` header, or 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send an API key as 'Authorization: Bearer phk_...'")
    key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_api_key(token.strip())))
    if key is None or not key.is_active:
        raise Unauthorized("the API key is unknown or revoked")
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        # One write per key per minute at most, so hot ingest paths stay read-only here.
        db.session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
        db.session.commit()
    return key


def require_scope(scope: str) -> Callable[[F], F]:
    """Mark an API view as needing ``scope``; ``enforce_api_key`` checks it before validation."""
    if scope not in SCOPES:
        raise ValueError(scope)

    def decorator(view: F) -> F:
        view.required_scope = scope  # type: ignore[attr-defined]
        return view

    return decorator


def enforce_api_key() -> None:
    """``before_request`` hook of the API blueprints: 401/403 before any body is looked at.

    Views say which scope they need with ``require_scope``; a view without one is public.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    scope = getattr(view, "required_scope", None)
    if scope is None:
        return
    key = authenticate_request()
    if scope not in key.scope_list:
        raise Forbidden(f"this API key lacks the '{scope}' scope")
    g.api_key = key
