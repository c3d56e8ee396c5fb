"""The access/portability archive: ``data.json``, one CSV per collection and ``summary.html``.

The summary carries what Art. 15(1) requires, taken from the records of processing kept
in the hub. The archive is encrypted (AES-GCM) before it touches the disk and is handed
out only through a signed link that expires (``PRIVACYHUB_EXPORT_LINK_DAYS``).
"""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select

from privacyhub.crypto import decrypt_field, encrypt_field
from privacyhub.errors import NotFound
from privacyhub.extensions import db
from privacyhub.models import ExportArchive, ProcessingActivity
from privacyhub.models.types import utcnow

Records = dict[str, dict[str, list[dict[str, Any]]]]  # system -> collection -> rows
_templates = Environment(loader=PackageLoader("privacyhub.fulfilment", "templates"),
                         autoescape=select_autoescape(["html"]))


def plain(value: Any) -> Any:
    """A JSON-friendly form of a database value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def plain_records(records: Records) -> Records:
    """Records with every value JSON-friendly."""
    return {system: {name: [{k: plain(v) for k, v in row.items()} for row in rows]
                     for name, rows in collections.items()}
            for system, collections in records.items()}


def activities_for(systems: list[str]) -> list[ProcessingActivity]:
    """Processing activities that concern any of ``systems`` (or all systems)."""
    everything = db.session.scalars(select(ProcessingActivity).order_by(ProcessingActivity.name))
    return [a for a in everything if not a.systems or set(a.systems) & set(systems)]


def build_archive(records: Records, request_type: str, categories: dict[tuple[str, str], list[str]],
                  request_id: str | None = None) -> bytes:
    """The zip, in memory."""
    settings = current_app.extensions["privacyhub.settings"]
    data = plain_records(records)
    generated_at = utcnow().isoformat(timespec="seconds")
    holdings = [{"system": system, "collection": name, "count": len(rows),
                 "categories": sorted(categories.get((system, name), []))}
                for system, collections in sorted(data.items()) for name, rows in sorted(collections.items())]
    summary = _templates.get_template("summary.html").render(
        title="portability export" if request_type == "portability" else "access export",
        request_id=request_id, generated_at=generated_at, controller=settings.controller_name,
        authority=settings.supervisory_authority, holdings=holdings, activities=activities_for(sorted(data)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(
            {"request": {"id": request_id, "type": request_type, "generated_at": generated_at},
             "systems": data}, indent=2, ensure_ascii=False))
        for system, collections in sorted(data.items()):
            for name, rows in sorted(collections.items()):
                archive.writestr(f"csv/{system}/{name}.csv", pd.DataFrame(rows, dtype=object).to_csv(index=False))
        archive.writestr("summary.html", summary)
    return buffer.getvalue()


def export_dir() -> Path:
    settings = current_app.extensions["privacyhub.settings"]
    path = Path(settings.export_dir or Path(current_app.instance_path) / "exports")
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _aad(token: str) -> bytes:
    return b"export_archives:" + token.encode()


def store_archive(content: bytes, request_seq: int | None, filename: str) -> ExportArchive:
    """Encrypt the archive to disk and record it (added to the session, not committed)."""
    settings = current_app.extensions["privacyhub.settings"]
    token = secrets.token_urlsafe(24)
    (export_dir() / f"{token}.zip.enc").write_bytes(encrypt_field(content, aad=_aad(token)))
    archive = ExportArchive(request_seq=request_seq, token=token, filename=filename, size=len(content),
                            expires_at=utcnow() + timedelta(days=settings.export_link_days))
    db.session.add(archive)
    db.session.flush()
    return archive


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="privacyhub export link")


def download_path(archive: ExportArchive) -> str:
    """The signed path of the archive's download link."""
    return f"/v1/exports/{_signer().dumps(archive.token)}"


def open_archive(signed: str) -> tuple[ExportArchive, bytes]:
    """The archive a signed link names and its decrypted bytes; 404 when forged, expired or gone."""
    settings = current_app.extensions["privacyhub.settings"]
    try:
        token = _signer().loads(signed, max_age=settings.export_link_days * 86400)
    except (SignatureExpired, BadSignature):
        raise NotFound("this download link is invalid or has expired") from None
    archive = db.session.scalar(select(ExportArchive).where(ExportArchive.token == token))
    path = export_dir() / f"{token}.zip.enc"
    if archive is None or archive.expires_at <= utcnow() or not path.exists():
        raise NotFound("this download link is invalid or has expired")
    return archive, decrypt_field(path.read_bytes(), aad=_aad(token))


def purge_expired_archives() -> int:
    """Delete archives whose links have expired (files and rows); not committed."""
    expired = list(db.session.scalars(select(ExportArchive).where(ExportArchive.expires_at <= utcnow())))
    for archive in expired:
        (export_dir() / f"{archive.token}.zip.enc").unlink(missing_ok=True)
        db.session.delete(archive)
    return len(expired)
