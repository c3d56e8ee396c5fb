"""What happens when every system has done its part, or one has failed for good.

Completion builds the export archive (access, portability), records the flag
(restriction, objection) or shreds the subject's audit-log key (erasure, after the last
audit event about the request is written), then moves the request to ``completed`` with
the report attached to that step of its history.
"""

from __future__ import annotations

from typing import Any

from privacyhub.audit.ingest import record_hub_event
from privacyhub.crypto import keyring
from privacyhub.extensions import db
from privacyhub.models import DataSystem, FulfilmentJob, SubjectFlag, SubjectRequest
from privacyhub.systems.catalogue import open_connector

HUB = {"type": "system", "id": "privacyhub", "name": "PrivacyHub"}


def request_report(jobs: list[FulfilmentJob]) -> dict[str, Any]:
    """``{"systems": {NAME: {COLLECTION: counts}}}`` plus each system's job state, the legal holds
    that touched the request and its deferred erasures (date, and completion once done)."""
    from privacyhub.fulfilment.deferred import deferred_of
    from privacyhub.holds.requests import holds_report

    systems: dict[str, Any] = {}
    states: dict[str, Any] = {}
    for job in jobs:
        system = db.session.get(DataSystem, job.system_id)
        name = system.name if system else str(job.system_id)
        systems[name] = job.report or {}
        states[name] = {"status": job.status, "attempts": job.attempts, "error": job.error}
    report: dict[str, Any] = {"systems": systems, "jobs": states}
    if jobs:
        report["holds"] = holds_report(jobs[0].request_seq)
        report["deferred"] = deferred_of(jobs[0].request_seq)
    return report


def _categories(jobs: list[FulfilmentJob]) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for job in jobs:
        system = db.session.get(DataSystem, job.system_id)
        if system is None or system.kind != "sql":
            continue
        graph = open_connector(system).graph()  # type: ignore[attr-defined]
        for name, spec in graph.collections.items():
            found[(system.name, name)] = sorted(c for c in spec.categories() if c.startswith("user"))
    return found


def _build_export(request: SubjectRequest, jobs: list[FulfilmentJob]) -> None:
    from privacyhub.dsr.links import absolute_url
    from privacyhub.fulfilment.export_archive import build_archive, download_path, store_archive
    from privacyhub.fulfilment.jobs import open_records

    records = {}
    for job in jobs:
        system = db.session.get(DataSystem, job.system_id)
        records[system.name if system else str(job.system_id)] = open_records(job)
        job.records_sealed = None  # the archive is now the only copy
    content = build_archive(records, request.type, _categories(jobs), request.id)
    archive = store_archive(content, request.seq, f"privacy-export-{request.id}.zip")
    request.results_url = absolute_url(download_path(archive))
    record_hub_event("export.created", HUB, [{"type": "subject_request", "id": request.id}],
                     metadata={"bytes": archive.size, "expires_at": archive.expires_at.isoformat()})


def _record_flag(request: SubjectRequest) -> None:
    for identity in request.identities:
        db.session.add(SubjectFlag(subject_ref=identity.value_hmac, kind=request.type, request_seq=request.seq))
    record_hub_event(f"subject.{request.type}_recorded", HUB, [{"type": "subject_request", "id": request.id}],
                     metadata={"identities": len(request.identities)})


def _shred_audit_keys(request: SubjectRequest) -> None:
    from privacyhub.audit.subject_keys import shred_subject
    from privacyhub.dsr.identities import reveal

    ring, keys, events = keyring(), 0, 0
    for identity in request.identities:
        outcome = shred_subject(ring, reveal(identity))
        keys, events = keys + outcome.keys, events + outcome.events
    record_hub_event("audit.subject_shredded", HUB, [{"type": "subject_request", "id": request.id}],
                     metadata={"keys": keys, "events": events})


def complete_request(request: SubjectRequest, jobs: list[FulfilmentJob]) -> None:
    """Finish a request whose every system has completed (not committed)."""
    from privacyhub.dsr.actors import SYSTEM
    from privacyhub.dsr.lifecycle import transition

    if request.type in ("access", "portability"):
        _build_export(request, jobs)
    elif request.type in ("restriction", "objection"):
        _record_flag(request)
    report = request_report(jobs)
    transition(request, "completed", SYSTEM, "every data system has completed")
    request.history[-1].details = {"report": report["systems"]}
    if request.type == "erasure":
        _shred_audit_keys(request)


def fail_request(request: SubjectRequest, failed: list[FulfilmentJob]) -> None:
    """Mark the request failed, naming each failed system and its error (not committed)."""
    from privacyhub.dsr.actors import SYSTEM
    from privacyhub.dsr.lifecycle import transition

    names = []
    for job in failed:
        system = db.session.get(DataSystem, job.system_id)
        names.append(f"{system.name if system else job.system_id}: {job.error}")
    transition(request, "failed", SYSTEM, "; ".join(names))
    request.history[-1].details = {"failed_systems": names}
