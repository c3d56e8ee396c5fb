"""What sits between clients and the app: reverse proxies and cross-origin callers.

Behind a proxy, ``PRIVACYHUB_PROXY_COUNT`` says how many hops to trust for the client
address (throttling, rate limits and audit contexts depend on it). CORS stays off unless
``PRIVACYHUB_CORS_ORIGINS`` allow-lists origins, and then covers only the API.
"""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix


def init_edge(app: Flask) -> None:
    """Trust the configured proxies and allow the allow-listed origins on ``/v1/``."""
    hops = app.config["PRIVACYHUB_PROXY_COUNT"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    origins = app.config["PRIVACYHUB_CORS_ORIGINS"]
    if origins:
        CORS(app, resources={r"/v1/*": {"origins": origins}}, allow_headers=["Authorization", "Content-Type",
             "Idempotency-Key"], supports_credentials=False, max_age=600)
