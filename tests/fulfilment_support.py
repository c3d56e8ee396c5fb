"""Builders for fulfilment tests: registered systems, filed requests, a real HTTP product endpoint."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from privacyhub.extensions import db
from privacyhub.systems.catalogue import RegisterSystem

ADMIN = {"type": "test", "id": "pytest", "name": "pytest"}


def register_sql(name: str, url: str, dataset: str | None = None, **options: Any):
    """Register an SQL system directly (committed)."""
    system = RegisterSystem(name=name, kind="sql", config={"url": url, **options}, actor=ADMIN,
                            dataset_yaml=dataset).run()
    db.session.commit()
    return system


def file_request(client, key: str, request_type: str, identities: dict[str, str], corrections=None) -> str:
    """File a verified request through the API; returns its id."""
    body: dict[str, Any] = {"type": request_type, "identity_verified": True,
                            "identities": [{"type": t, "value": v} for t, v in identities.items()]}
    if corrections:
        body["corrections"] = corrections
    response = client.post("/v1/requests", json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]  # type: ignore[no-any-return]


@dataclass
class ProductEndpoint:
    """A product's own job endpoint: records what it got, answers with ``answer(body)``."""

    url: str
    received: list[tuple[Any, bytes]] = field(default_factory=list)
    answer: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]] = lambda body: (200, {"report": {}})


@pytest.fixture
def product_endpoint() -> Iterator[ProductEndpoint]:
    """A real HTTP server thread on a free local port."""
    endpoint = ProductEndpoint(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            endpoint.received.append((self.headers, raw))  # case-insensitive, as HTTP header names are
            status, answer = endpoint.answer(json.loads(raw))
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}/privacy-jobs"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
