"""The hub's one crypto module: keyed pseudonyms, digests, field encryption and signatures.

Keys come from ``privacyhub.keyfiles``; nothing else in the code base touches raw keys.
Personal data in audit events is sealed with AES-256-GCM under a per-subject data key,
each data key wrapped like any stored field by the newest master key; audit checkpoints
are signed with Ed25519.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from privacyhub.keyfiles import load_encryption_keys, load_secret_key, load_signing_key
from privacyhub.settings import Settings

NONCE_BYTES = 12
SEALED_V1 = b"\x01"  # version byte in front of every value a DataKey seals


class KeyUnavailable(Exception):
    """A sealed value cannot be opened: its key is shredded or unknown, or the value was altered."""


def derive_key(root: bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose, derived from a root secret with HKDF-SHA256."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(root)


class DataKey:
    """A 256-bit AES-GCM key that seals values; one per data subject for personal data."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    @staticmethod
    def generate() -> bytes:
        """Fresh random key material for a new data key."""
        return secrets.token_bytes(32)

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        """Version byte, random 96-bit nonce, ciphertext and tag; ``aad`` binds it to its place."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        return SEALED_V1 + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, sealed: bytes, aad: bytes) -> bytes:
        """The plaintext of ``seal``; ``KeyUnavailable`` when the value or its context was altered."""
        if sealed[:1] != SEALED_V1:
            raise KeyUnavailable("unknown sealed-value version")
        try:
            return self._aead.decrypt(sealed[1:1 + NONCE_BYTES], sealed[1 + NONCE_BYTES:], aad)
        except InvalidTag as exc:
            raise KeyUnavailable("sealed value does not open with this key") from exc


def public_key_id(public_key: bytes) -> str:
    """Hex SHA-256 of the DER SubjectPublicKeyInfo, as RFC 6962 names a log's key."""
    der = Ed25519PublicKey.from_public_bytes(public_key).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def load_public_key(text: str | bytes) -> bytes:
    """Raw 32-byte Ed25519 public key from PEM, or from base64 of the raw key."""
    data = text.encode() if isinstance(text, str) else text
    if b"BEGIN PUBLIC KEY" in data:
        key = serialization.load_pem_public_key(data)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    raw = base64.b64decode(data.strip(), validate=True)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return raw


def public_key_pem(public_key: bytes) -> str:
    """PEM (SubjectPublicKeyInfo) of a raw Ed25519 public key."""
    return Ed25519PublicKey.from_public_bytes(public_key).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message``; never raises."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Keyring:
    """The keys one app instance works with."""

    pseudonym_key: bytes
    master_keys: tuple[bytes, ...]
    signing_key: Ed25519PrivateKey | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Keyring:
        """Load (or derive) every key from the configured sources."""
        secret = load_secret_key(settings).encode()
        return cls(
            pseudonym_key=derive_key(secret, "privacyhub pseudonym v1"),
            master_keys=tuple(load_encryption_keys(settings)),
            signing_key=load_signing_key(settings),
        )

    @property
    def master_key_id(self) -> str:
        """Hex fingerprint of the newest master key, the one that wraps new data keys."""
        return _field_key(self.master_keys[0])[1].hex()

    def wrap_data_key(self, data_key: bytes, owner: str) -> tuple[str, bytes]:
        """Seal a data key under the newest master key, bound to its owner's pseudonym.

        Returns the master key's id (stored beside the wrapped key) and the wrapped key.
        """
        wrapped = encrypt_field(data_key, aad=b"data key:" + owner.encode(), ring=self)
        return wrapped[1:5].hex(), wrapped

    def unwrap_data_key(self, wrapped: bytes, owner: str) -> DataKey:
        """The data key sealed by ``wrap_data_key``, whichever configured master key wrapped it."""
        try:
            return DataKey(decrypt_field(wrapped, aad=b"data key:" + owner.encode(), ring=self))
        except (ValueError, InvalidTag) as exc:
            raise KeyUnavailable("no configured master key opens this data key") from exc

    def rewrap_data_key(self, wrapped: bytes, owner: str) -> tuple[str, bytes]:
        """The same data key wrapped again under the newest master key (key rotation)."""
        try:
            data_key = decrypt_field(wrapped, aad=b"data key:" + owner.encode(), ring=self)
        except (ValueError, InvalidTag) as exc:
            raise KeyUnavailable("no configured master key opens this data key") from exc
        return self.wrap_data_key(data_key, owner)

    @property
    def public_key(self) -> bytes:
        """The raw Ed25519 public key that checks checkpoint signatures."""
        if self.signing_key is None:
            raise KeyUnavailable("no signing key loaded")
        return self.signing_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def public_key_id(self) -> str:
        """The id checkpoints carry to name the key that signed them."""
        return public_key_id(self.public_key)

    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature of ``message`` with the checkpoint signing key."""
        if self.signing_key is None:
            raise KeyUnavailable("no signing key loaded")
        return self.signing_key.sign(message)

    def pseudonym(self, value: str) -> str:
        """Keyed HMAC of an identifier: searchable, but not reversible without the key."""
        return hmac.digest(self.pseudonym_key, value.encode(), "sha256").hex()

    def digest(self, data: bytes) -> str:
        """Keyed digest of content that may hold personal data."""
        return hmac.digest(self.pseudonym_key, b"digest:" + data, "sha256").hex()


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


def reseal_field(blob: bytes, *, aad: bytes = b"", ring: Keyring | None = None) -> bytes | None:
    """``blob`` sealed again under the newest master key (key rotation); ``None`` if it already is."""
    ring = ring or keyring()
    if blob[:1] == FIELD_CIPHER_VERSION and hmac.compare_digest(blob[1:5], _field_key(ring.master_keys[0])[1]):
        return None
    return encrypt_field(decrypt_field(blob, aad=aad, ring=ring), aad=aad, ring=ring)
