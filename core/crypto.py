"""Secrets at rest and in links.

MultiFernet over FIELD_ENCRYPTION_KEYS (newest key first, so older keys still decrypt while a
rotation is under way)."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

__all__ = ["InvalidToken", "decrypt", "encrypt", "rotate", "signature"]


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.FIELD_ENCRYPTION_KEYS])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str, *, ttl: int | None = None) -> str:
    """The plaintext of a token, or InvalidToken.

    The plaintext; raises InvalidToken when the token was tampered with, made with an
    unknown key, or is older than `ttl` seconds."""
    return _fernet().decrypt(token.encode(), ttl=ttl).decode()


def rotate(token: str) -> str:
    """The same secret encrypted with the newest key (its timestamp kept)."""
    return _fernet().rotate(token.encode()).decode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """How every webhook we send is signed (like Stripe's).

    `t=<unix time>,v1=<hex>`, where v1 is HMAC-SHA256(secret, "<t>.<raw body>"). Receivers refuse a
    t older than 5 minutes."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"
