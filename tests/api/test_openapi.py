"""The OpenAPI document is valid, generated from the routes, and browsable offline."""

import re

from openapi_spec_validator import validate


def api_routes(app):
    """(path, method) of every API rule, in OpenAPI path syntax."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in ("openapi", "swagger", "static") or "static" in rule.endpoint:
            continue
        if not (rule.rule.startswith(("/v1/", "/opengdpr/")) or rule.rule in ("/healthz", "/readyz")):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        routes.update((path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"})
    return routes


def test_document_validates(client):
    response = client.get("/v1/openapi.json")
    assert response.status_code == 200
    validate(response.get_json())


def test_document_matches_the_routes(client, app):
    spec = client.get("/v1/openapi.json").get_json()
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert documented == api_routes(app)


def test_event_schema_comes_from_the_validating_model(client):
    spec = client.get("/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    event = schemas["EventIn"]
    assert set(event["required"]) == {"id", "action", "actor"}
    assert event["additionalProperties"] is False
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_docs_page_is_served_locally(client):
    page = client.get("/v1/swagger")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html
    for asset in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert client.get("/v1/" + asset).status_code == 200
