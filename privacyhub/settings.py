"""One settings object, read from ``PRIVACYHUB_*`` environment variables.

Every value has an embedded default so a fresh clone runs with nothing configured;
production overrides them through the environment only (see README "Production").
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

PREFIX = "PRIVACYHUB_"


_overrides: dict[str, str] = {}


def env_str(name: str, default: str | None = None) -> str | None:
    """The raw value of ``PRIVACYHUB_<name>``, or the default."""
    value = _overrides.get(PREFIX + name, os.environ.get(PREFIX + name))
    return value if value not in (None, "") else default


def env_int(name: str, default: int) -> int:
    """``PRIVACYHUB_<name>`` as an integer; a malformed value fails loudly at start-up."""
    value = env_str(name)
    return int(value) if value is not None else default


def env_bool(name: str, default: bool = False) -> bool:
    """``PRIVACYHUB_<name>`` as a boolean (1/true/yes/on)."""
    value = env_str(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    """``PRIVACYHUB_<name>`` as a comma-separated list."""
    value = env_str(name)
    return [item.strip() for item in value.split(",") if item.strip()] if value else []


def engine_options(database_url: str) -> dict[str, Any]:
    """SQLAlchemy engine options for the hub's database.

    psycopg prepares a statement on the server after a few runs and PostgreSQL may then
    keep a generic plan; for ``id IN (...)`` lookups on a table without statistics yet
    that plan is a full scan. Planning each statement with its parameters avoids it.
    Statement parameters stay out of error messages: they may hold personal data.
    """
    options: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    if database_url.startswith("postgresql+psycopg"):
        options["connect_args"] = {"prepare_threshold": None}
    return options


def crontab_schedule(expression: str) -> Any:
    """A Celery crontab from five fields (``30 3 * * *``); a malformed one fails loudly at start-up."""
    from celery.schedules import crontab

    parts = expression.split()
    if len(parts) != 5:
        raise ValueError(f"PRIVACYHUB_RETENTION_SCHEDULE {expression!r} needs five crontab fields")
    minute, hour, day_of_month, month_of_year, day_of_week = parts
    return crontab(minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year,
                   day_of_week=day_of_week)


@dataclass
class Settings:
    """Typed view of the deployment's configuration."""

    instance_path: Path
    database_url: str
    broker_url: str
    result_backend: str
    ratelimit_storage_url: str
    secret_key_file: Path
    secret_key: str | None
    encryption_keys: list[str]
    encryption_key_file: Path
    signing_key_file: Path
    smtp_url: str | None
    base_url: str
    max_body_bytes: int = 4 * 1024 * 1024
    api_rate_limit: str = "6000 per minute"
    cors_origins: list[str] = field(default_factory=list)
    proxy_count: int = 0
    # Data-subject requests (docs/requests.md)
    require_approval: bool = False
    deadline_clock_start: str = "receipt"
    reminder_days: list[int] = field(default_factory=lambda: [7, 3, 1])
    unverified_expiry_days: int = 7
    mail_from: str = "PrivacyHub <privacy@localhost>"
    compliance_email: str | None = None
    callback_secret: str | None = None
    opengdpr_key_file: Path | None = None
    opengdpr_cert_file: Path | None = None
    # Incidents (docs/incidents.md): the zone the console and drafts show times in, the
    # hours-left marks at which beat escalates the 72-hour clock, the names drafts address.
    timezone: str = "UTC"
    incident_escalation_hours: list[int] = field(default_factory=lambda: [48, 24, 6])
    supervisory_authority: str = "the competent supervisory authority"
    controller_name: str = "the controller"
    # Fulfilment (docs/fulfilment.md): where encrypted export archives are kept, how long
    # their download links work, and after how long a broker hands a killed worker's job on.
    export_dir: Path | None = None
    export_link_days: int = 7
    broker_visibility_timeout: int = 3600
    # Audit log (docs/audit-log.md): how often beat seals, how many events a sealing
    # transaction takes, when a checkpoint is signed (every N events or T seconds), and
    # how long event bodies are kept before the retention purge.
    audit_seal_seconds: int = 5
    audit_seal_batch: int = 5000
    audit_checkpoint_events: int = 10000
    audit_checkpoint_seconds: int = 60
    audit_retention_days: int = 365
    # Retention and legal holds (docs/retention.md): when beat runs the enabled policies
    # (crontab: minute hour day-of-month month day-of-week, UTC), rows per batch, and the
    # days before a hold's expiry at which its owner is reminded.
    retention_schedule: str = "30 3 * * *"
    retention_batch_size: int = 5000
    hold_reminder_days: list[int] = field(default_factory=lambda: [14, 3, 1])

    @classmethod
    def from_env(cls, overrides: Mapping[str, Any] | None = None) -> Settings:
        """Build the settings from the environment, defaulting to the embedded layout.

        ``overrides`` (``PRIVACYHUB_*`` names, as ``create_app(test_config)`` passes them)
        take precedence over the environment.
        """
        _overrides.clear()
        _overrides.update({k: str(v) for k, v in (overrides or {}).items()
                           if k.startswith(PREFIX) and isinstance(v, str | int | bool | Path)})
        try:
            return cls._read()
        finally:
            _overrides.clear()

    @classmethod
    def _read(cls) -> Settings:
        instance = Path(env_str("INSTANCE_PATH", "instance")).resolve()  # type: ignore[arg-type]
        return cls(
            instance_path=instance,
            database_url=env_str("DATABASE_URL") or f"sqlite:///{instance / 'privacyhub.sqlite'}",
            broker_url=env_str("BROKER_URL") or f"sqla+sqlite:///{instance / 'broker.sqlite'}",
            result_backend=env_str("RESULT_BACKEND") or f"db+sqlite:///{instance / 'results.sqlite'}",
            ratelimit_storage_url=env_str("RATELIMIT_STORAGE_URL", "memory://"),  # type: ignore[arg-type]
            secret_key_file=Path(env_str("SECRET_KEY_FILE") or instance / "secret.key"),
            secret_key=env_str("SECRET_KEY"),
            encryption_keys=env_list("ENCRYPTION_KEYS"),
            encryption_key_file=Path(env_str("ENCRYPTION_KEY_FILE") or instance / "encryption.keys"),
            signing_key_file=Path(env_str("SIGNING_KEY_FILE") or instance / "signing.key"),
            smtp_url=env_str("SMTP_URL"),
            base_url=env_str("BASE_URL", "http://localhost:5000"),  # type: ignore[arg-type]
            max_body_bytes=env_int("MAX_BODY_BYTES", 4 * 1024 * 1024),
            api_rate_limit=env_str("API_RATE_LIMIT", "6000 per minute"),  # type: ignore[arg-type]
            cors_origins=env_list("CORS_ORIGINS"),
            proxy_count=env_int("PROXY_COUNT", 0),
            require_approval=env_bool("REQUIRE_APPROVAL"),
            deadline_clock_start=env_str("DEADLINE_CLOCK_START", "receipt"),  # type: ignore[arg-type]
            reminder_days=[int(d) for d in env_list("REMINDER_DAYS")] or [7, 3, 1],
            unverified_expiry_days=env_int("UNVERIFIED_EXPIRY_DAYS", 7),
            mail_from=env_str("MAIL_FROM", "PrivacyHub <privacy@localhost>"),  # type: ignore[arg-type]
            compliance_email=env_str("COMPLIANCE_EMAIL"),
            callback_secret=env_str("CALLBACK_SECRET"),
            opengdpr_key_file=Path(env_str("OPENGDPR_KEY_FILE") or instance / "opengdpr.key"),
            opengdpr_cert_file=Path(env_str("OPENGDPR_CERT_FILE") or instance / "opengdpr.crt"),
            timezone=env_str("TIMEZONE", "UTC"),  # type: ignore[arg-type]
            incident_escalation_hours=[int(h) for h in env_list("INCIDENT_ESCALATION_HOURS")] or [48, 24, 6],
            supervisory_authority=env_str("SUPERVISORY_AUTHORITY",  # type: ignore[arg-type]
                                          "the competent supervisory authority"),
            controller_name=env_str("CONTROLLER_NAME", "the controller"),  # type: ignore[arg-type]
            export_dir=Path(env_str("EXPORT_DIR") or instance / "exports"),
            export_link_days=env_int("EXPORT_LINK_DAYS", 7),
            broker_visibility_timeout=env_int("BROKER_VISIBILITY_TIMEOUT", 3600),
            audit_seal_seconds=env_int("AUDIT_SEAL_SECONDS", 5),
            audit_seal_batch=env_int("AUDIT_SEAL_BATCH", 5000),
            audit_checkpoint_events=env_int("AUDIT_CHECKPOINT_EVENTS", 10000),
            audit_checkpoint_seconds=env_int("AUDIT_CHECKPOINT_SECONDS", 60),
            audit_retention_days=env_int("AUDIT_RETENTION_DAYS", 365),
            retention_schedule=env_str("RETENTION_SCHEDULE", "30 3 * * *"),  # type: ignore[arg-type]
            retention_batch_size=env_int("RETENTION_BATCH_SIZE", 5000),
            hold_reminder_days=[int(d) for d in env_list("HOLD_REMINDER_DAYS")] or [14, 3, 1],
        )

    def to_flask_config(self) -> dict[str, Any]:
        """The Flask config keys derived from these settings."""
        config: dict[str, Any] = {f"PRIVACYHUB_{f.name.upper()}": getattr(self, f.name) for f in fields(self)}
        config.update(
            SQLALCHEMY_DATABASE_URI=self.database_url,
            SQLALCHEMY_ENGINE_OPTIONS=engine_options(self.database_url),
            MAX_CONTENT_LENGTH=self.max_body_bytes,
            RATELIMIT_STORAGE_URI=self.ratelimit_storage_url,
            CELERY={
                "broker_url": self.broker_url,
                "result_backend": self.result_backend,
                "task_ignore_result": True,
                "task_acks_late": True,
                "task_reject_on_worker_lost": True,
                "worker_prefetch_multiplier": 1,
                "broker_connection_retry_on_startup": True,
            },
        )
        if self.broker_url.startswith(("redis", "rediss", "sqs")):  # brokers that redeliver unacked tasks
            timeout = self.broker_visibility_timeout
            # Scan for a dead worker's unacknowledged tasks every few seconds, not kombu's ~100 s.
            config["CELERY"]["broker_transport_options"] = {
                "visibility_timeout": timeout, "unacked_restore_throttle": 1,
                "unacked_restore_interval": max(1, min(10, timeout // 5))}
        config.setdefault("CELERY_BEAT_SCHEDULE", {}).update({
            "subject-request-deadlines": {"task": "tasks.requests.sweep_subject_requests", "schedule": 300.0},
            "outgoing-deliveries": {"task": "tasks.requests.sweep_deliveries", "schedule": 60.0},
            "incident-deadlines": {"task": "tasks.incidents.escalate_incident_deadlines", "schedule": 60.0},
            "audit-seal": {"task": "tasks.audit.seal_audit_log", "schedule": float(self.audit_seal_seconds),
                           "options": {"expires": float(self.audit_seal_seconds)}},
            "audit-retention": {"task": "tasks.audit.purge_audit_log", "schedule": 3600.0},
            "fulfilment-sweep": {"task": "tasks.fulfilment.sweep_fulfilment", "schedule": 15.0,
                                 "options": {"expires": 15.0}},
            "retention-policies": {"task": "tasks.retention.run_retention_policies",
                                   "schedule": crontab_schedule(self.retention_schedule)},
            "legal-holds": {"task": "tasks.retention.sweep_legal_holds", "schedule": 3600.0},
        })
        return config
