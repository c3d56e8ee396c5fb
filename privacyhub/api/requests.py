"""``/v1/requests``: product services file and follow data-subject requests."""

from __future__ import annotations

import hashlib

import rfc8785
from flask import g
from flask_openapi3 import Tag
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from privacyhub.api import BEARER, api_blueprint
from privacyhub.auth.api_keys import require_scope
from privacyhub.dsr.actors import Actor
from privacyhub.dsr.casework import extend_deadline
from privacyhub.dsr.intake import RequestDraft, file_request
from privacyhub.dsr.lifecycle import cancel
from privacyhub.dsr.queries import filtered_requests, get_request, page_requests
from privacyhub.dsr.schemas import (
    CancelBody,
    ExtendBody,
    IdempotencyHeader,
    RequestCreate,
    RequestOut,
    RequestPage,
    RequestPath,
    RequestQuery,
    request_out,
)
from privacyhub.errors import NotFound, ValidationFailed
from privacyhub.extensions import db
from privacyhub.models import SubjectRequest
from privacyhub.models.types import utcnow

bp = api_blueprint("requests")
TAG = [Tag(name="requests", description="Data-subject requests (GDPR Art. 15-21)")]


def _replay(key_id: int, idempotency_key: str, digest: str) -> SubjectRequest | None:
    """The request an earlier POST with this key created; 422 if that POST had another body."""
    existing = db.session.scalar(select(SubjectRequest).where(
        SubjectRequest.api_key_id == key_id, SubjectRequest.idempotency_key == idempotency_key))
    if existing is not None and existing.body_digest != digest:
        raise ValidationFailed("this Idempotency-Key was used with a different request body")
    return existing


@bp.post("/requests", tags=TAG, security=BEARER, responses={201: RequestOut})
@require_scope("requests:write")
def create_request(body: RequestCreate, header: IdempotencyHeader):
    """File a request. Unless `identity_verified` is true, the subject gets a verification e-mail.

    Repeating the call with the same `Idempotency-Key` returns the request made the first time.
    """
    key = g.api_key
    digest = hashlib.sha256(rfc8785.dumps(body.model_dump(mode="json"))).hexdigest()
    idem = header.idempotency_key
    if idem and (existing := _replay(key.id, idem, digest)):
        return request_out(existing, utcnow()), 201, {"Idempotent-Replayed": "true"}
    draft = RequestDraft(
        type=body.type, identities=[(i.type, i.value) for i in body.identities],
        corrections=[c.model_dump(exclude_none=True) for c in body.corrections],
        identity_verified=body.identity_verified, callback_url=str(body.callback_url) if body.callback_url else None,
    )
    try:
        filed = file_request(draft, channel="api", source=key.name, actor=Actor.api_key(key), api_key_id=key.id,
                             idempotency_key=idem, body_digest=digest)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if idem and (existing := _replay(key.id, idem, digest)):
            return request_out(existing, utcnow()), 201, {"Idempotent-Replayed": "true"}
        raise
    return request_out(filed.request, utcnow()), 201


@bp.get("/requests", tags=TAG, security=BEARER, responses={200: RequestPage})
@require_scope("requests:read")
def list_requests(query: RequestQuery):
    """Requests matching the filters, oldest first, in pages of `limit` with a cursor."""
    now = utcnow()
    stmt = filtered_requests(status=query.status, type=query.type, overdue=query.overdue,
                             due_before=query.due_before, now=now)
    rows, next_cursor = page_requests(stmt, query.limit, query.cursor)
    return {"requests": [request_out(r, now) for r in rows], "next_cursor": next_cursor}


def _load(path: RequestPath) -> SubjectRequest:
    request = get_request(str(path.request_id))
    if request is None:
        raise NotFound("no request with this id")
    return request


@bp.get("/requests/<request_id>", tags=TAG, security=BEARER, responses={200: RequestOut})
@require_scope("requests:read")
def show_request(path: RequestPath):
    """One request with its deadlines and history."""
    return request_out(_load(path), utcnow())


@bp.post("/requests/<request_id>/cancel", tags=TAG, security=BEARER, responses={200: RequestOut})
@require_scope("requests:write")
def cancel_request(path: RequestPath, body: CancelBody):
    """Withdraw a request that has not started processing; 409 once it has."""
    request = _load(path)
    cancel(request, Actor.api_key(g.api_key), body.reason)
    db.session.commit()
    return request_out(request, utcnow())


@bp.post("/requests/<request_id>/extend", tags=TAG, security=BEARER, responses={200: RequestOut})
@require_scope("requests:write")
def extend_request(path: RequestPath, body: ExtendBody):
    """Extend the deadline once, by up to two months, before it passes; the subject is told why."""
    request = _load(path)
    extend_deadline(request, body.due_date, body.reason, Actor.api_key(g.api_key))
    db.session.commit()
    return request_out(request, utcnow())
