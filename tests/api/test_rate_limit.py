"""Per-key rate limits, shared through Redis as in production."""

import pytest
import redis

from tests.factories import event_payload
from tests.services import REDIS_URL, need_redis


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def app_config(app_config):
    need_redis()
    redis.Redis.from_url(REDIS_URL).flushdb()
    return {**app_config, "RATELIMIT_ENABLED": True, "PRIVACYHUB_RATELIMIT_STORAGE_URL": REDIS_URL,
            "PRIVACYHUB_API_RATE_LIMIT": "5 per minute", "PRIVACYHUB_BROKER_URL": REDIS_URL}


def test_key_over_its_limit_gets_429_with_retry_after(client, make_api_key):
    first = {"Authorization": f"Bearer {make_api_key('events:write', name='a')}"}
    second = {"Authorization": f"Bearer {make_api_key('events:write', name='b')}"}
    statuses = [client.post("/v1/events", json=event_payload(i), headers=first).status_code for i in range(6)]
    assert statuses == [201] * 5 + [429]
    limited = client.post("/v1/events", json=event_payload(9), headers=first)
    assert limited.mimetype == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0
    # Another key is counted on its own.
    assert client.post("/v1/events", json=event_payload(10), headers=second).status_code == 201


def test_readyz_with_redis_broker(client):
    assert client.get("/readyz").status_code == 200
