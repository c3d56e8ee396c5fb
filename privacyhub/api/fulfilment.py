"""Fulfilment endpoints: a request's report and retry, http systems' callbacks, export downloads."""

from __future__ import annotations

import io
import json
from typing import Any
from uuid import UUID

from flask import g, request, send_file
from flask_openapi3 import Tag
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from privacyhub.api import BEARER, api_blueprint
from privacyhub.audit.ingest import record_hub_event
from privacyhub.auth.api_keys import require_scope
from privacyhub.dsr.actors import Actor
from privacyhub.dsr.callbacks import SIGNATURE_HEADER, InvalidSignature, verify_signature
from privacyhub.dsr.queries import get_request
from privacyhub.errors import Conflict, NotFound, Unauthorized
from privacyhub.extensions import db
from privacyhub.fulfilment.completion import request_report
from privacyhub.fulfilment.export_archive import open_archive
from privacyhub.fulfilment.jobs import jobs_of, record_outcome, retry_failed
from privacyhub.models import FulfilmentJob, SubjectRequest
from privacyhub.models.types import utcnow
from privacyhub.systems.catalogue import get_system, open_connector
from privacyhub.systems.http import outcome_from

bp = api_blueprint("fulfilment")
TAG = [Tag(name="fulfilment", description="What the data systems did for a request")]


class RequestIdPath(BaseModel):
    request_id: UUID


class CallbackPath(BaseModel):
    request_id: UUID
    name: str = Field(max_length=64)


class ExportPath(BaseModel):
    token: str = Field(max_length=400)


class FulfilmentReport(BaseModel):
    """``systems``: NAME -> COLLECTION -> counts (found, deleted, masked, retained, shared, ...);
    ``jobs``: NAME -> status, attempts and the last error."""

    model_config = ConfigDict(extra="allow")
    systems: dict[str, dict[str, dict[str, Any]]]
    jobs: dict[str, dict[str, Any]]


def _request(request_id: UUID) -> SubjectRequest:
    found = get_request(str(request_id))
    if found is None:
        raise NotFound("no request with this id")
    return found


@bp.get("/requests/<request_id>/report", tags=TAG, security=BEARER, responses={200: FulfilmentReport})
@require_scope("requests:read")
def show_report(path: RequestIdPath):
    """Per system and collection, what was found, deleted, masked, retained (with legal basis) and spared."""
    return request_report(jobs_of(_request(path.request_id)))


@bp.post("/requests/<request_id>/retry", tags=TAG, security=BEARER, responses={202: FulfilmentReport})
@require_scope("requests:write")
def retry_request(path: RequestIdPath):
    """Run again only the systems that failed; 409 unless the request is ``failed``."""
    found = _request(path.request_id)
    retry_failed(found, Actor.api_key(g.api_key))
    db.session.commit()
    return request_report(jobs_of(found)), 202


@bp.post("/requests/<request_id>/systems/<name>/callback", tags=TAG, responses={200: FulfilmentReport})
def system_callback(path: CallbackPath):
    """An http system's late answer, signed with its secret (``X-PrivacyHub-Signature``, 5-minute window)."""
    system = get_system(path.name)
    connector = open_connector(system)
    raw = request.get_data()
    try:
        verify_signature(connector.config.secret.encode(), raw, request.headers.get(SIGNATURE_HEADER, ""))  # type: ignore[attr-defined]
    except InvalidSignature as exc:
        raise Unauthorized(str(exc)) from exc
    found = _request(path.request_id)
    job = db.session.scalar(select(FulfilmentJob).where(FulfilmentJob.request_seq == found.seq,
                                                        FulfilmentJob.system_id == system.id))
    if job is None:
        raise NotFound("this system has no job for this request")
    if job.status != "waiting":
        raise Conflict(f"the job is '{job.status}', not waiting for a callback")
    record_outcome(job, outcome_from(json.loads(raw or b"{}")))
    db.session.commit()
    return request_report(jobs_of(found))


@bp.get("/exports/<token>", tags=TAG, responses={200: None})
def download_export(path: ExportPath):
    """The export archive behind a signed link (valid 7 days by default); every download is audited."""
    archive, content = open_archive(path.token)
    archive.downloads += 1
    archive.last_download_at = utcnow()
    owner = db.session.get(SubjectRequest, archive.request_seq) if archive.request_seq else None
    record_hub_event("export.downloaded", {"type": "link", "id": "export-link", "name": "signed download link"},
                     [{"type": "subject_request", "id": owner.id if owner else str(archive.id)}],
                     metadata={"bytes": archive.size, "downloads": archive.downloads},
                     context={"ip": request.remote_addr, "user_agent": request.user_agent.string or None})
    db.session.commit()
    return send_file(io.BytesIO(content), mimetype="application/zip", as_attachment=True,
                     download_name=archive.filename, max_age=0)
