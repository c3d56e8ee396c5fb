"""The hub's own tables. Import from here so Alembic sees every model."""

from privacyhub.models.api_key import SCOPES, ApiKey
from privacyhub.models.audit_event import AuditEvent, AuditEventTarget, PurgedAuditEvent
from privacyhub.models.audit_tree import AuditCheckpoint, AuditLeaf, AuditLogState, AuditVerification, MerkleNode
from privacyhub.models.callback_delivery import CallbackDelivery
from privacyhub.models.data_system import SYSTEM_KINDS, DataSystem
from privacyhub.models.fulfilment import JOB_STATUSES, DeferredErasure, ExportArchive, FulfilmentJob, SubjectFlag
from privacyhub.models.incident import Incident, IncidentEscalation, IncidentTimelineEntry
from privacyhub.models.incident_notification import IncidentNotification
from privacyhub.models.legal_hold import HOLD_DECISIONS, HOLD_SCOPES, LegalHold, RequestHold
from privacyhub.models.login_failure import LoginFailure
from privacyhub.models.operator import ROLES, Operator
from privacyhub.models.outbox import OutboxMessage
from privacyhub.models.processing_activity import LEGAL_BASES, ProcessingActivity
from privacyhub.models.retention import RETENTION_ACTIONS, RetentionPolicy, RetentionRun
from privacyhub.models.subject_key import SubjectKey
from privacyhub.models.subject_request import (
    DENIAL_REASONS,
    REQUEST_TYPES,
    STATUSES,
    RequestIdentity,
    RequestNote,
    RequestStatusChange,
    SubjectRequest,
)
from privacyhub.models.verification_token import VerificationToken

__all__ = ["SCOPES", "ApiKey", "AuditEvent", "AuditEventTarget", "LoginFailure", "ROLES", "Operator"]
__all__ += [
    "DENIAL_REASONS", "REQUEST_TYPES", "STATUSES", "CallbackDelivery", "OutboxMessage", "RequestIdentity",
    "RequestNote", "RequestStatusChange", "SubjectRequest", "VerificationToken",
]
__all__ += ["Incident", "IncidentEscalation", "IncidentNotification", "IncidentTimelineEntry"]
__all__ += ["AuditCheckpoint", "AuditLeaf", "AuditLogState", "AuditVerification", "MerkleNode", "PurgedAuditEvent",
            "SubjectKey"]
__all__ += ["JOB_STATUSES", "LEGAL_BASES", "SYSTEM_KINDS", "DataSystem", "DeferredErasure", "ExportArchive",
            "FulfilmentJob", "ProcessingActivity", "SubjectFlag"]
__all__ += ["HOLD_DECISIONS", "HOLD_SCOPES", "RETENTION_ACTIONS", "LegalHold", "RequestHold", "RetentionPolicy",
            "RetentionRun"]
