"""Every column of the hub's own tables that holds ``encrypt_field`` values, and their re-encryption.

Key rotation walks this one list, so a new sealed column is rotated once it is added here,
with the same AAD its owner seals it with. Audit subject keys are rotated separately
(``privacyhub.audit.subject_keys.rewrap_subject_keys``); export archives are files on disk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import bindparam, select

from privacyhub.auth.totp import secret_aad
from privacyhub.crypto import Keyring, KeyUnavailable, reseal_field
from privacyhub.dsr.identities import AAD as IDENTITY_AAD
from privacyhub.dsr.intake import CORRECTIONS_AAD
from privacyhub.extensions import db
from privacyhub.fulfilment.jobs import RECORDS_AAD
from privacyhub.holds.matching import IDENTITY_AAD as HOLD_IDENTITY_AAD
from privacyhub.mail.outbox import AAD as OUTBOX_AAD
from privacyhub.models import (
    DataSystem,
    FulfilmentJob,
    LegalHold,
    Operator,
    OutboxMessage,
    RequestIdentity,
    SubjectRequest,
)
from privacyhub.systems.base import CONFIG_AAD


def _fixed(aad: bytes) -> Callable[[Any], bytes]:
    return lambda _row_id: aad


@dataclass(frozen=True)
class EncryptedColumn:
    """A column of sealed values; ``aad`` gives the AAD of the value in the row with that primary key."""

    model: Any
    column: str
    aad: Callable[[Any], bytes]


ENCRYPTED_COLUMNS: tuple[EncryptedColumn, ...] = (
    EncryptedColumn(Operator, "totp_secret_sealed", secret_aad),
    EncryptedColumn(OutboxMessage, "recipient_sealed", _fixed(OUTBOX_AAD)),
    EncryptedColumn(OutboxMessage, "text_sealed", _fixed(OUTBOX_AAD)),
    EncryptedColumn(OutboxMessage, "html_sealed", _fixed(OUTBOX_AAD)),
    EncryptedColumn(DataSystem, "config_sealed", _fixed(CONFIG_AAD)),
    EncryptedColumn(SubjectRequest, "corrections_sealed", _fixed(CORRECTIONS_AAD)),
    EncryptedColumn(RequestIdentity, "value_sealed", _fixed(IDENTITY_AAD)),
    EncryptedColumn(FulfilmentJob, "records_sealed", _fixed(RECORDS_AAD)),
    EncryptedColumn(LegalHold, "identity_sealed", _fixed(HOLD_IDENTITY_AAD)),
)


def _resealed(ring: Keyring, column: EncryptedColumn, row_id: Any, value: bytes | None) -> bytes | None:
    """The value under the newest master key, or ``None`` when it is empty or already there."""
    if not value:
        return None
    try:
        return reseal_field(value, aad=column.aad(row_id), ring=ring)
    except (ValueError, InvalidTag) as exc:
        raise KeyUnavailable(f"{column.model.__tablename__}.{column.column} of row {row_id} does not open "
                             "with any configured master key") from exc


def _reencrypt_table(ring: Keyring, columns: list[EncryptedColumn], batch: int) -> int:
    """Re-encrypt one table's sealed columns, one committed transaction per batch; returns rows changed."""
    table = columns[0].model.__table__
    (pk,) = table.primary_key.columns
    sealed = [table.c[column.column] for column in columns]
    # SET updated_at = updated_at: re-encryption is not a change anyone made to the row.
    keep = {c: c for c in table.c if c.onupdate is not None}
    update_stmt = table.update().where(pk == bindparam("row_id")).values(
        {**{c: bindparam(f"new_{c.name}") for c in sealed}, **keep})
    done, last = 0, None
    while True:
        query = select(pk, *sealed).order_by(pk).limit(batch)
        rows = db.session.execute(query if last is None else query.where(pk > last)).all()
        if not rows:
            return done
        changes = []
        for row_id, *values in rows:
            resealed = [_resealed(ring, column, row_id, value) for column, value in zip(columns, values, strict=True)]
            if any(new is not None for new in resealed):
                changes.append({"row_id": row_id, **{
                    f"new_{column.column}": old if new is None else new
                    for column, new, old in zip(columns, resealed, values, strict=True)}})
        if changes:
            db.session.execute(update_stmt, changes)
        db.session.commit()
        done += len(changes)
        last = rows[-1][0]


def reencrypt_fields(ring: Keyring, batch: int = 500) -> dict[str, int]:
    """Seal every stored ``encrypt_field`` value under the newest master key; rows changed per table.

    Values already under the newest key are left alone, so a second run changes nothing.
    """
    tables: dict[str, list[EncryptedColumn]] = {}
    for column in ENCRYPTED_COLUMNS:
        tables.setdefault(column.model.__tablename__, []).append(column)
    return {name: _reencrypt_table(ring, columns, batch) for name, columns in tables.items()}
