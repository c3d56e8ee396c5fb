"""Real servers and builders for the data-subject request tests: SMTP, callback receivers, requests."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CapturingHandler:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    url: str
    handler: CapturingHandler

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on a free local port."""
    handler = CapturingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(f"smtp://127.0.0.1:{port}?starttls=0", handler)
    finally:
        controller.stop()


@dataclass
class Received:
    path: str
    headers: Any  # case-insensitive, as HTTP header names are
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class CallbackReceiver:
    url: str
    received: list[Received] = field(default_factory=list)
    # Status codes to answer with, in turn; 200 once exhausted.
    answers: list[int] = field(default_factory=list)
    check: Callable[[Received], int] | None = None


@pytest.fixture
def callback_receiver() -> Iterator[CallbackReceiver]:
    """A real HTTP server in a thread that records every POST it gets."""
    port = free_port()
    receiver = CallbackReceiver(url=f"http://127.0.0.1:{port}/callbacks")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            item = Received(self.path, self.headers, body)
            receiver.received.append(item)
            status = receiver.answers.pop(0) if receiver.answers else 200
            if receiver.check is not None and status == 200:
                status = receiver.check(item)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def request_payload(type: str = "access", email: str = "ada@example.com", **overrides: Any) -> dict[str, Any]:
    """A valid ``POST /v1/requests`` body."""
    payload: dict[str, Any] = {"type": type, "identities": [{"type": "email", "value": email}]}
    if type == "rectification":
        payload["corrections"] = [{"category": "user.contact.email", "value": "ada.lovelace@example.com"}]
    payload.update(overrides)
    return payload


def text_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


def html_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
