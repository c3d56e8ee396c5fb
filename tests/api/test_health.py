"""Liveness and readiness probes."""

from privacyhub import create_app


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_when_database_and_broker_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()


def test_readyz_names_the_unreachable_broker(app_config):
    broken = create_app({**app_config, "PRIVACYHUB_BROKER_URL": "redis://127.0.0.1:1/0"})
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["broker"]


def test_readyz_names_the_unreachable_database(app_config, tmp_path):
    broken = create_app({**app_config, "PRIVACYHUB_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert "database" in response.get_json()["failing"]
