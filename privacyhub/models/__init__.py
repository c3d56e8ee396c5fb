"""The hub's own tables. Import from here so Alembic sees every model."""

from privacyhub.models.api_key import SCOPES, ApiKey
from privacyhub.models.audit_event import AuditEvent, AuditEventTarget
from privacyhub.models.login_failure import LoginFailure
from privacyhub.models.operator import ROLES, Operator

__all__ = ["SCOPES", "ApiKey", "AuditEvent", "AuditEventTarget", "LoginFailure", "ROLES", "Operator"]
