"""The hub's one crypto module: keyed pseudonyms, digests and field encryption.

Keys come from ``privacyhub.keyfiles``; nothing else in the code base touches raw keys.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from privacyhub.keyfiles import load_encryption_keys, load_secret_key
from privacyhub.settings import Settings


def derive_key(root: bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose, derived from a root secret with HKDF-SHA256."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(root)


@dataclass(frozen=True)
class Keyring:
    """The keys one app instance works with."""

    pseudonym_key: bytes
    master_keys: tuple[bytes, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> Keyring:
        """Load (or derive) every key from the configured sources."""
        secret = load_secret_key(settings).encode()
        return cls(
            pseudonym_key=derive_key(secret, "privacyhub pseudonym v1"),
            master_keys=tuple(load_encryption_keys(settings)),
        )

    def pseudonym(self, value: str) -> str:
        """Keyed HMAC of an identifier: searchable, but not reversible without the key."""
        return hmac.new(self.pseudonym_key, value.encode(), hashlib.sha256).hexdigest()

    def digest(self, data: bytes) -> str:
        """Keyed digest of content that may hold personal data."""
        return hmac.new(self.pseudonym_key, b"digest:" + data, hashlib.sha256).hexdigest()


def keyring() -> Keyring:
    """The current app's keyring."""
    return current_app.extensions["privacyhub.keyring"]  # type: ignore[no-any-return]
