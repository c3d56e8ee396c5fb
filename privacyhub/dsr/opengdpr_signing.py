"""OpenGDPR signatures: RSA-SHA256 (PKCS#1 v1.5) over the exact body bytes, base64-encoded.

Responses and callbacks carry ``X-OpenGDPR-Signature`` and ``X-OpenGDPR-Processor-Domain``;
the certificate whose key signs them is served at the URL that discovery names.
"""

from __future__ import annotations

import base64
from urllib.parse import urlparse

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import current_app

from privacyhub.keyfiles import load_opengdpr_key_and_certificate

SIGNATURE_HEADER = "X-OpenGDPR-Signature"
DOMAIN_HEADER = "X-OpenGDPR-Processor-Domain"
_CACHE_KEY = "privacyhub.opengdpr_signing"


def processor_domain() -> str:
    """The domain the hub answers OpenGDPR on: the host of ``PRIVACYHUB_BASE_URL``."""
    return urlparse(current_app.extensions["privacyhub.settings"].base_url).hostname or "localhost"


def _material() -> tuple[rsa.RSAPrivateKey, bytes]:
    cached = current_app.extensions.get(_CACHE_KEY)
    if cached is None:
        key_pem, cert_pem = load_opengdpr_key_and_certificate(
            current_app.extensions["privacyhub.settings"], processor_domain())
        key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise RuntimeError("the OpenGDPR key file does not hold an RSA private key")
        cached = current_app.extensions[_CACHE_KEY] = (key, cert_pem)
    return cached  # type: ignore[no-any-return]


def certificate_pem() -> bytes:
    """The PEM certificate controllers verify our signatures with."""
    return _material()[1]


def sign_body(body: bytes) -> str:
    """Base64 RSA-SHA256 signature of ``body``."""
    return base64.b64encode(_material()[0].sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()


def signature_headers(body: bytes) -> dict[str, str]:
    """The two headers every signed OpenGDPR message carries."""
    return {DOMAIN_HEADER: processor_domain(), SIGNATURE_HEADER: sign_body(body)}


def verify_body(body: bytes, signature: str, cert_pem: bytes) -> bool:
    """A controller's check: does ``signature`` over ``body`` verify with the certificate's key?"""
    public_key = x509.load_pem_x509_certificate(cert_pem).public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        return False
    try:
        public_key.verify(base64.b64decode(signature), body, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True
