"""Reverse proxies and CORS."""

import pytest

from privacyhub import create_app


@pytest.fixture
def backend():
    return "sqlite"


def test_cors_is_off_by_default(client):
    response = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options("/v1/events", headers={"Origin": "https://evil.example",
                                                      "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_cors_allows_only_listed_origins_on_the_api(app_config):
    app = create_app({**app_config, "PRIVACYHUB_CORS_ORIGINS": "https://shop.example"})
    client = app.test_client()
    allowed = client.options("/v1/events", headers={"Origin": "https://shop.example",
                                                    "Access-Control-Request-Method": "POST"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    other = client.options("/v1/events", headers={"Origin": "https://evil.example",
                                                  "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in other.headers
    console = client.get("/admin/", headers={"Origin": "https://shop.example"})
    assert "Access-Control-Allow-Origin" not in console.headers


def test_client_address_comes_from_trusted_proxy_only(app_config):
    from flask import request

    for hops, expected in ((0, "127.0.0.1"), (1, "203.0.113.7")):
        app = create_app({**app_config, "PRIVACYHUB_PROXY_COUNT": hops})
        app.add_url_rule("/_whoami", "whoami", lambda: request.remote_addr)
        seen = app.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.7"},
                                     environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert seen.get_data(as_text=True) == expected
