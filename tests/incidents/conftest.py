"""Incident test fixtures: the real SMTP server escalation mails go through."""

from tests.dsr_support import smtp_server  # noqa: F401
