"""Key material the embedded mode keeps under ``instance/``.

On first start the hub generates a Flask secret, a master encryption key and an Ed25519
signing key, each written once with mode 0600. Production passes them through
``PRIVACYHUB_SECRET_KEY``, ``PRIVACYHUB_ENCRYPTION_KEYS`` and ``PRIVACYHUB_SIGNING_KEY_FILE``.
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from privacyhub.settings import Settings


def write_secret_file(path: Path, data: bytes) -> bool:
    """Create ``path`` with mode 0600 holding ``data``; False when it already exists.

    ``O_EXCL`` makes this safe when web, worker and beat start at the same moment.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return True


def _read_when_complete(path: Path) -> bytes:
    """Read a key file, waiting briefly if another process is still writing it."""
    for _ in range(50):
        data = path.read_bytes()
        if data:
            return data
        time.sleep(0.02)
    raise RuntimeError(f"key file {path} is empty")


def ensure_instance_keys(settings: Settings) -> None:
    """Generate whichever embedded keys the environment does not provide."""
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    if not settings.secret_key:
        write_secret_file(settings.secret_key_file, secrets.token_hex(32).encode())
    if not settings.encryption_keys:
        write_secret_file(settings.encryption_key_file, base64.urlsafe_b64encode(secrets.token_bytes(32)))
    if not settings.signing_key_file.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        write_secret_file(settings.signing_key_file, pem)


def load_secret_key(settings: Settings) -> str:
    """The Flask secret key (also the root of the keyed HMAC pseudonyms)."""
    if settings.secret_key:
        return settings.secret_key
    return _read_when_complete(settings.secret_key_file).decode().strip()


def load_encryption_keys(settings: Settings) -> list[bytes]:
    """Master AES-256 keys, newest first; the first encrypts, all decrypt."""
    raw = settings.encryption_keys or _read_when_complete(settings.encryption_key_file).decode().split(",")
    keys = [base64.urlsafe_b64decode(item.strip()) for item in raw if item.strip()]
    if not keys or any(len(k) != 32 for k in keys):
        raise RuntimeError("PRIVACYHUB_ENCRYPTION_KEYS must be url-safe base64 of 32-byte keys")
    return keys


def load_signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The Ed25519 key that signs checkpoints."""
    key = serialization.load_pem_private_key(_read_when_complete(settings.signing_key_file), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError(f"{settings.signing_key_file} is not an Ed25519 private key")
    return key


def ensure_opengdpr_certificate(settings: Settings, domain: str) -> tuple[Path, Path]:
    """The RSA key and certificate that sign OpenGDPR responses and callbacks, made on first use.

    The certificate is self-signed for ``domain``; production replaces both files with a
    CA-issued pair (``PRIVACYHUB_OPENGDPR_KEY_FILE`` / ``PRIVACYHUB_OPENGDPR_CERT_FILE``).
    """
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key_file, cert_file = settings.opengdpr_key_file, settings.opengdpr_cert_file
    assert key_file is not None and cert_file is not None
    if not key_file.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        write_secret_file(key_file, key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    if not cert_file.exists():
        signing_key = serialization.load_pem_private_key(_read_when_complete(key_file), password=None)
        assert isinstance(signing_key, rsa.RSAPrivateKey)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
        now = datetime.datetime.now(datetime.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(signing_key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=3650))
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
                .sign(signing_key, hashes.SHA256()))
        write_secret_file(cert_file, cert.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


def load_opengdpr_key_and_certificate(settings: Settings, domain: str) -> tuple[bytes, bytes]:
    """PEM bytes of the OpenGDPR signing key and its certificate."""
    key_file, cert_file = ensure_opengdpr_certificate(settings, domain)
    return _read_when_complete(key_file), _read_when_complete(cert_file)
