"""The hub's one crypto module: keyed pseudonyms, digests and field encryption.

Keys come from ``privacyhub.keyfiles``; nothing else in the code base touches raw keys.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
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


FIELD_CIPHER_VERSION = b"\x01"


def _field_key(master: bytes) -> tuple[bytes, bytes]:
    """The AES-256 key for stored fields under one master key, and its 4-byte fingerprint."""
    key = derive_key(master, "privacyhub field v1")
    return key, hashlib.sha256(key).digest()[:4]


def encrypt_field(plaintext: bytes, *, aad: bytes = b"", ring: Keyring | None = None) -> bytes:
    """AES-GCM under the newest master key; ``aad`` binds the ciphertext to its column.

    Layout: version (1) | key fingerprint (4) | nonce (12) | ciphertext+tag, so rotated
    keys can still open older values.
    """
    key, fingerprint = _field_key((ring or keyring()).master_keys[0])
    nonce = os.urandom(12)
    return FIELD_CIPHER_VERSION + fingerprint + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def decrypt_field(blob: bytes, *, aad: bytes = b"", ring: Keyring | None = None) -> bytes:
    """Open a value sealed by ``encrypt_field`` with whichever master key sealed it."""
    if blob[:1] != FIELD_CIPHER_VERSION:
        raise ValueError("unknown field cipher version")
    fingerprint, nonce, sealed = blob[1:5], blob[5:17], blob[17:]
    for master in (ring or keyring()).master_keys:
        key, candidate = _field_key(master)
        if hmac.compare_digest(candidate, fingerprint):
            return AESGCM(key).decrypt(nonce, sealed, aad)
    raise ValueError("no configured master key opens this field")
