"""HTTP systems: the product does the work itself, on a signed JSON job from the hub.

The job is POSTed with ``X-PrivacyHub-Signature`` (HMAC-SHA256 over timestamp and body,
the same scheme as status callbacks) under the system's own secret. The product answers
200 with ``{"report": {...}, "records": {...}}``, or 202 and later calls
``POST /v1/requests/<id>/systems/<name>/callback`` with that body, signed the same way.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from pydantic import AnyHttpUrl, BaseModel, Field

from privacyhub.dsr.callbacks import SIGNATURE_HEADER, sign
from privacyhub.holds.matching import identity_holds
from privacyhub.systems import register_connector
from privacyhub.systems.base import Connector, SubjectJob, SystemOutcome, SystemUnavailable


class HttpConfig(BaseModel):
    """Settings of an HTTP system; the secret is stored sealed."""

    endpoint: AnyHttpUrl = Field(description="Where the hub POSTs jobs")
    secret: str = Field(min_length=16, description="Shared HMAC secret for jobs and callbacks")
    timeout: float = Field(default=15.0, gt=0, le=120)
    supports_flags: bool = Field(default=True, description="Send restriction/objection flags")


def outcome_from(body: dict[str, Any]) -> SystemOutcome:
    """A system's answer (synchronous or by callback) as an outcome; refuses malformed ones."""
    report, records = body.get("report") or {}, body.get("records") or {}
    if not isinstance(report, dict) or not isinstance(records, dict):
        raise SystemUnavailable("the system answered with a malformed report")
    return SystemOutcome(report=report, records=records)


@register_connector
class HttpConnector(Connector):
    """Sends signed jobs; the product system does the export, erasure or correction."""

    kind = "http"
    configuration_schema = HttpConfig
    config: HttpConfig

    @classmethod
    def location(cls, config: BaseModel) -> str:
        return str(config.endpoint)  # type: ignore[attr-defined]

    def post(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """POST a signed JSON body; returns the status and the parsed answer."""
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        request = urllib.request.Request(  # noqa: S310  (the endpoint is an admin-registered http(s) URL)
            str(self.config.endpoint), data=body, method="POST",
            headers={"Content-Type": "application/json",
                     SIGNATURE_HEADER: sign(self.config.secret.encode(), body, int(time.time()))})
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:  # noqa: S310
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            raise SystemUnavailable(f"the system answered HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SystemUnavailable(f"cannot reach the system: {type(exc).__name__}") from exc
        try:
            return status, (json.loads(raw) if raw.strip() else {})
        except ValueError as exc:
            raise SystemUnavailable("the system answered with something other than JSON") from exc

    def test_connection(self) -> dict[str, Any]:
        status, _ = self.post({"type": "ping"})
        return {"status": status}

    def fulfil(self, job: SubjectJob, before_commit: Any = None) -> SystemOutcome:
        if job.request_type in ("restriction", "objection") and not self.config.supports_flags:
            return SystemOutcome(report={})
        if job.request_type == "erasure" and (holds := identity_holds(self.system, job.identities)):
            # The hub cannot tell the product which rows to spare: wait, or leave the system out.
            return SystemOutcome(report={}, held={h.id: {} for h in holds}, on_hold=not job.partial)
        status, answer = self.post({"type": job.request_type, "request_id": job.request_id,
                                    "identities": job.identities, "corrections": job.corrections,
                                    "callback_url": job.callback_url})
        if status == 202:
            return SystemOutcome(waiting=True)
        return outcome_from(answer)
