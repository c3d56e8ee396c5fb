"""``/v1/legal-holds``: place, change and release holds; decide for a request they stop (scope ``admin``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import g, request
from flask_openapi3 import Tag
from pydantic import BaseModel

from privacyhub.api import BEARER, api_blueprint
from privacyhub.auth.api_keys import require_scope
from privacyhub.dsr.queries import get_request
from privacyhub.errors import NotFound
from privacyhub.extensions import db
from privacyhub.fulfilment.completion import request_report
from privacyhub.fulfilment.jobs import jobs_of
from privacyhub.holds.register import change_hold, get_hold, list_holds, release_hold
from privacyhub.holds.requests import decide
from privacyhub.holds.schemas import DecisionBody, HoldIn, HoldList, HoldOut, HoldPatch, HoldPath, ReleaseBody, hold_out

bp = api_blueprint("legal_hold_api")
TAG = [Tag(name="legal holds", description="Holds that stop erasure and retention for what they cover")]


class RequestPath(BaseModel):
    request_id: UUID


def _actor() -> dict[str, Any]:
    return {"type": "api_key", "id": str(g.api_key.id), "name": g.api_key.name}


@bp.get("/legal-holds", tags=TAG, security=BEARER, responses={200: HoldList})
@require_scope("admin")
def list_legal_holds():
    """Every hold, newest first, in force or ended."""
    return {"holds": [hold_out(h) for h in list_holds()]}


@bp.post("/legal-holds", tags=TAG, security=BEARER, responses={201: HoldOut})
@require_scope("admin")
def place_legal_hold(body: HoldIn):
    """Place a hold; 422 names what is wrong (unknown collection or field, missing identity...)."""
    hold = body.command(_actor()).run()
    db.session.commit()
    return hold_out(hold), 201, {"Location": f"/v1/legal-holds/{hold.id}"}


@bp.get("/legal-holds/<int:hold_id>", tags=TAG, security=BEARER, responses={200: HoldOut})
@require_scope("admin")
def show_legal_hold(path: HoldPath):
    """One hold (a subject's identity only masked)."""
    return hold_out(get_hold(path.hold_id))


@bp.patch("/legal-holds/<int:hold_id>", tags=TAG, security=BEARER, responses={200: HoldOut})
@require_scope("admin")
def change_legal_hold(path: HoldPath, body: HoldPatch):
    """Change the reason, owner or expiry of a hold in place."""
    sent = request.get_json(silent=True) or {}
    hold = change_hold(get_hold(path.hold_id), _actor(), reason=body.reason, owner=body.owner,
                       expires_at=body.expires_at, clear_expiry="expires_at" in sent and body.expires_at is None)
    db.session.commit()
    return hold_out(hold)


@bp.post("/legal-holds/<int:hold_id>/release", tags=TAG, security=BEARER, responses={200: HoldOut})
@require_scope("admin")
def release_legal_hold(path: HoldPath, body: ReleaseBody):
    """End a hold now; erasures waiting only for it go on with the next sweep."""
    hold = release_hold(get_hold(path.hold_id), _actor(), body.reason)
    db.session.commit()
    return hold_out(hold)


@bp.post("/requests/<request_id>/hold-decision", tags=TAG, security=BEARER, responses={200: None})
@require_scope("admin")
def decide_held_request(path: RequestPath, body: DecisionBody):
    """For an erasure legal holds stopped: keep waiting, or complete around the held rows (`partial`)."""
    found = get_request(str(path.request_id))
    if found is None:
        raise NotFound("no request with this id")
    decide(found, body.decision, _actor())
    db.session.commit()
    return request_report(jobs_of(found))
