"""The hub's own tables. Import from here so Alembic sees every model."""

from privacyhub.models.api_key import SCOPES, ApiKey
from privacyhub.models.audit_event import AuditEvent, AuditEventTarget

__all__ = ["SCOPES", "ApiKey", "AuditEvent", "AuditEventTarget"]
