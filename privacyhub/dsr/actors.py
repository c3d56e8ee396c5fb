"""Who acted on a request, in the shape the audit log records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from privacyhub.models import ApiKey


@dataclass(frozen=True)
class Actor:
    """The party behind an action: a product service's key, an operator, the subject, or the hub."""

    type: str
    id: str
    name: str | None = None

    def as_event(self) -> dict[str, Any]:
        """The audit event's ``actor`` object."""
        return {"type": self.type, "id": self.id, "name": self.name}

    @classmethod
    def api_key(cls, key: ApiKey) -> Actor:
        return cls("api_key", str(key.id), key.name)

    @classmethod
    def operator(cls, username: str) -> Actor:
        return cls("operator", username, username)


SUBJECT = Actor("data_subject", "portal", "data subject (portal)")
SYSTEM = Actor("system", "privacyhub", "PrivacyHub")
