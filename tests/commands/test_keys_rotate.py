"""``privacyhub keys rotate``: every sealed value moves to the newest master key, and the old one can go."""

from __future__ import annotations

import base64
import secrets
import time

import pyotp
import pytest
from sqlalchemy import select

from privacyhub import create_app
from privacyhub.auth.operators import create_operator
from privacyhub.auth.totp import confirm_enrolment, enrolment_secret, verify_code
from privacyhub.commands.setup import CLI_ACTOR
from privacyhub.dsr.identities import identity_value
from privacyhub.dsr.intake import corrections_of
from privacyhub.encrypted_columns import ENCRYPTED_COLUMNS
from privacyhub.extensions import db
from privacyhub.holds.matching import hold_identity
from privacyhub.holds.register import PlaceHold
from privacyhub.mail import open_message
from privacyhub.models import DataSystem, LegalHold, Operator, OutboxMessage, SubjectRequest
from privacyhub.systems.catalogue import open_connector
from tests.dsr_support import request_payload
from tests.factories import OPERATOR_ACTOR, event_payload

OLD_KEY = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
NEW_KEY = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
SECRET = "a-very-long-shared-secret"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PRIVACYHUB_ENCRYPTION_KEYS": OLD_KEY}


def sealed_values() -> dict[str, list[bytes]]:
    """Every stored ``encrypt_field`` value, by column."""
    return {f"{c.model.__tablename__}.{c.column}": sorted(v for v in db.session.scalars(
        select(getattr(c.model, c.column))) if v) for c in ENCRYPTED_COLUMNS}


def rotate(app_config: dict) -> tuple[str, dict[str, list[bytes]]]:
    """Run ``keys rotate`` in an app with the new key first; its output and the values after."""
    rotating = create_app({**app_config, "PRIVACYHUB_ENCRYPTION_KEYS": f"{NEW_KEY},{OLD_KEY}"})
    with rotating.app_context():
        result = rotating.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code == 0, result.output
        values = sealed_values()
        db.session.remove()
        rotating.extensions["sqlalchemy"].engines[None].dispose()
    return result.output, values


def test_rotate_reencrypts_every_sealed_field_and_the_old_key_can_go(app, client, make_api_key, app_config):
    headers = {"Authorization": f"Bearer {make_api_key('events:write', 'events:read', 'requests:write', 'admin')}"}
    operator, _ = create_operator("officer@example.com", "admin", CLI_ACTOR)
    secret = enrolment_secret(operator)
    assert confirm_enrolment(operator, pyotp.TOTP(secret).at(time.time() - 30))
    PlaceHold(scope="subject", reason="litigation", owner="legal@example.com", actor=OPERATOR_ACTOR,
              identity_type="email", identity_value="held@example.com").run()
    db.session.commit()
    operator_id = operator.id
    event = event_payload(1, subject="ada@example.com", personal_data={"note": "bernoulli"})
    assert client.post("/v1/events", json=event, headers=headers).status_code == 201
    created = client.post("/v1/requests", json=request_payload("rectification", email="ada@example.com"),
                          headers=headers)
    assert created.status_code == 201, created.get_json()
    assert client.post("/v1/systems", headers=headers, json={
        "name": "hooks", "kind": "http", "endpoint": "http://127.0.0.1:9/x", "secret": SECRET}).status_code == 201
    before = sealed_values()
    db.session.remove()

    output, after = rotate(app_config)
    assert "re-wrapped" in output and "re-encrypted 1 rows of operators" in output
    assert "re-encrypted 1 rows of data_systems" in output and "re-encrypted 1 rows of legal_holds" in output
    assert all(not set(after[column]) & set(old) for column, old in before.items())
    assert all(after[column] for column in ("mail_outbox.recipient_sealed", "subject_request_identities.value_sealed",
                                            "subject_requests.corrections_sealed"))

    again, unchanged = rotate(app_config)
    assert "re-wrapped 0 subject keys" in again and "re-encrypted 0 rows of mail_outbox" in again
    assert unchanged == after and "re-encrypted 1" not in again

    rotated = create_app({**app_config, "PRIVACYHUB_ENCRYPTION_KEYS": NEW_KEY})
    with rotated.app_context():
        shown = rotated.test_client().get(f"/v1/events/{event['id']}", headers=headers).get_json()
        assert shown["subject"] == "ada@example.com" and shown["personal_data"] == {"note": "bernoulli"}
        request = db.session.scalars(select(SubjectRequest)).one()
        assert identity_value(request, "email") == "ada@example.com"
        assert corrections_of(request) == request_payload("rectification")["corrections"]
        recipient, text, _ = open_message(db.session.scalars(select(OutboxMessage)).first())
        assert recipient == "ada@example.com" and text
        assert open_connector(db.session.scalars(select(DataSystem)).one()).config.secret == SECRET
        assert hold_identity(db.session.scalars(select(LegalHold)).one()) == "held@example.com"
        assert verify_code(db.session.get(Operator, operator_id), pyotp.TOTP(secret).now())
        db.session.remove()
        rotated.extensions["sqlalchemy"].engines[None].dispose()
