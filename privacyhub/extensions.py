"""Flask extensions, created unbound and attached in ``create_app``."""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations name constraints stably."""

    metadata = MetaData(naming_convention=NAMING)


def rate_limit_key() -> str:
    """Limit API clients per key (by its hash prefix) and everyone else per IP."""
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer phk_"):
        from privacyhub.auth.api_keys import hash_api_key

        return "key:" + hash_api_key(auth[7:].strip())[:16]
    return "ip:" + (get_remote_address() or "unknown")


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
limiter = Limiter(key_func=rate_limit_key, headers_enabled=True)
