"""Outgoing e-mail: rendered from templates, kept in the outbox, delivered over SMTP.

With ``PRIVACYHUB_SMTP_URL`` unset (the embedded default) messages stay in the outbox
(``held``), readable in the console, so the hub works without a mail server.
"""

from privacyhub.mail.outbox import open_message, queue_mail

__all__ = ["open_message", "queue_mail"]
