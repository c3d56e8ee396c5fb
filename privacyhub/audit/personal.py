"""Where an event's personal fields are sealed and opened.

The subject is kept only as a keyed pseudonym (searchable) beside the sealed blob; the
blob holds the subject, ``personal_data`` and the context's ip and user agent, encrypted
with AES-256-GCM under the data key of the event's *key owner*:

- the subject, when the event names one;
- otherwise the actor, as ``actor:<type>:<id>``, when the event still carries personal
  fields (an ip, a user agent, personal data): they describe the actor. Shredding an
  identifier also shreds the actor keys of product events whose actor has that id
  (``subject_keys.shred_subject``); the type keeps id spaces apart (a shop's user 7 is
  not the hub's operator 7);
- nobody, when there is nothing personal to seal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from privacyhub.audit.subject_keys import LiveKey, actor_owner, keys_by_id, live_keys
from privacyhub.crypto import DataKey, Keyring, KeyUnavailable

PERSONAL_FIELDS = ("subject", "personal_data", "ip", "user_agent")


def present_fields(personal: dict[str, Any]) -> dict[str, Any]:
    """The personal fields that carry a value."""
    return {k: v for k, v in personal.items() if v not in (None, {}, "")}


def key_owner(subject: str | None, actor_type: str, actor_id: str, personal: dict[str, Any]) -> str | None:
    """Whose data key seals an event's personal fields (see the module docstring)."""
    if subject is not None:
        return subject
    if present_fields(personal):
        return actor_owner(actor_type, actor_id)
    return None


def _aad(event_id: str) -> bytes:
    """Binds a sealed blob to its event, so it cannot be moved to another row unnoticed."""
    return b"audit event:" + event_id.encode()


class SealingKeys:
    """The live data keys of one ingest batch's key owners, fetched (or made) together."""

    def __init__(self, ring: Keyring, owners: Iterable[str]) -> None:
        self._keys: dict[str, LiveKey] = live_keys(ring, owners)

    def seal(self, owner: str | None, event_id: str, subject: str | None,
             personal: dict[str, Any]) -> tuple[int | None, bytes | None]:
        """Seal the personal part of an event; returns (subject key id, sealed bytes)."""
        present = present_fields(personal)
        if owner is None:
            return None, None
        if subject is not None:
            present = {"subject": subject, **present}
        live = self._keys[owner]
        plaintext = json.dumps(present, separators=(",", ":"), ensure_ascii=False).encode()
        return live.id, live.key.seal(plaintext, _aad(event_id))


class OpeningKeys:
    """The data keys needed to read a page of events; shredded ones open nothing."""

    def __init__(self, ring: Keyring, key_ids: Iterable[int | None]) -> None:
        self._keys: dict[int, DataKey | None] = keys_by_id(ring, (k for k in key_ids if k is not None))

    @classmethod
    def for_events(cls, ring: Keyring, events: Sequence[Any]) -> OpeningKeys:
        """Keys for every event in ``events`` (anything with ``subject_key_id``)."""
        return cls(ring, (e.subject_key_id for e in events))

    def open(self, subject_key_id: int | None, event_id: str, sealed: bytes | None) -> dict[str, Any]:
        """The personal fields of a stored event, or empty when there are none or they were shredded."""
        key = self._keys.get(subject_key_id) if subject_key_id is not None else None
        if not sealed or key is None:
            return {}
        try:
            return json.loads(key.open(sealed, _aad(event_id)))  # type: ignore[no-any-return]
        except KeyUnavailable:
            return {}
