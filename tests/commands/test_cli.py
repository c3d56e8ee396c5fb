"""The ``privacyhub`` command line."""

import pytest

from privacyhub.extensions import db
from privacyhub.models import ApiKey


@pytest.fixture
def backend():
    return "sqlite"


def test_create_api_key_prints_the_key_once_and_stores_its_hash(runner, client):
    result = runner.invoke(args=["create-api-key", "--name", "billing", "--scopes", "events:write,events:read"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert secret.startswith("phk_")
    key = db.session.query(ApiKey).filter_by(name="billing").one()
    assert key.scope_list == ["events:read", "events:write"]
    assert secret not in key.key_hash
    assert client.get("/v1/events", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_create_api_key_refuses_unknown_scope(runner):
    result = runner.invoke(args=["create-api-key", "--name", "x", "--scopes", "events:write,root"])
    assert result.exit_code != 0
    assert "unknown or missing scopes" in result.output
    assert db.session.query(ApiKey).count() == 0


def test_key_creation_is_audited(runner, client):
    secret = runner.invoke(args=["create-api-key", "--name", "ops", "--scopes", "events:read"]).output.strip()
    body = client.get("/v1/events?action=api_key.created", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert [e["targets"][0]["name"] for e in body["events"]] == ["ops"]
    assert body["events"][0]["source"] == "privacyhub"
