"""What every connector offers: its settings schema, a connection test and job fulfilment."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel

from privacyhub.crypto import decrypt_field, encrypt_field
from privacyhub.errors import ProblemError
from privacyhub.models import DataSystem

CONFIG_AAD = b"data_systems.config_sealed"


class SystemUnavailable(ProblemError):
    """A product system could not be reached or refused the work; the message is safe to show."""

    status, title = 502, "Data system unavailable"


@dataclass
class SubjectJob:
    """What one system is asked to do for one subject, independent of how the request arrived."""

    request_type: str
    identities: dict[str, list[str]]
    corrections: dict[str, Any] = field(default_factory=dict)
    request_id: str | None = None
    callback_url: str | None = None
    partial: bool = False  # erasure: go around rows legal holds keep instead of waiting for them


@dataclass
class SystemOutcome:
    """What a system did: ``report`` per collection, ``records`` for exports, or still ``waiting``.

    ``held`` counts, per legal hold id, the rows it kept per collection; ``on_hold`` means
    the erasure changed nothing and waits for those holds to end.
    """

    report: dict[str, dict[str, Any]] = field(default_factory=dict)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    waiting: bool = False
    deferred: list[dict[str, Any]] = field(default_factory=list)
    held: dict[int, dict[str, int]] = field(default_factory=dict)
    on_hold: bool = False


class Connector(ABC):
    """Base class of connectors; subclasses register with ``@register_connector``."""

    kind: ClassVar[str]
    configuration_schema: ClassVar[type[BaseModel]]

    def __init__(self, system: DataSystem | None, config: BaseModel) -> None:
        self.system = system
        self.config = config

    @classmethod
    def open(cls, system: DataSystem) -> Connector:
        """The connector of a stored system, its settings unsealed."""
        raw = json.loads(decrypt_field(system.config_sealed, aad=CONFIG_AAD))
        return cls(system, cls.configuration_schema.model_validate(raw))

    @staticmethod
    def seal(config: BaseModel) -> bytes:
        """Settings as stored: JSON under AES-GCM."""
        return encrypt_field(config.model_dump_json().encode(), aad=CONFIG_AAD)

    @classmethod
    @abstractmethod
    def location(cls, config: BaseModel) -> str:
        """Where the system lives, without any secret, for listings."""

    @abstractmethod
    def test_connection(self) -> dict[str, Any]:
        """Reach the system; returns facts worth showing, raises ``SystemUnavailable``."""

    @abstractmethod
    def fulfil(self, job: SubjectJob) -> SystemOutcome:
        """Carry out the job against the system (export, erase, rectify, flag)."""

    def preview(self, job: SubjectJob) -> dict[str, Any]:
        """What ``fulfil`` would do, changing nothing; systems that cannot tell say so."""
        return {"supported": False}
