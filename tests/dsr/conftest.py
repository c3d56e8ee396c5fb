"""Domain tests run on SQLite: the logic does not differ by backend (the API tests cover both)."""

import pytest

from tests.dsr_support import callback_receiver, smtp_server  # noqa: F401


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def make_request(app):
    """File a verified request through intake, then put it in ``status`` (bypassing the lifecycle)."""
    from privacyhub.dsr.actors import SYSTEM
    from privacyhub.dsr.intake import RequestDraft, file_request
    from privacyhub.extensions import db

    def make(status: str = "pending", type: str = "access", email: str = "ada@example.com", **draft):
        filed = file_request(RequestDraft(type=type, identities=[("email", email)], identity_verified=True, **draft),
                             channel="api", source="shop", actor=SYSTEM)
        filed.request.status = status
        db.session.commit()
        return filed.request

    return make
