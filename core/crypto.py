"""Secrets at rest and in links.

MultiFernet over FIELD_ENCRYPTION_KEYS (newest key first, so older keys still decrypt while a
rotation is under way)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

__all__ = ["InvalidToken", "decrypt", "encrypt", "rotate"]


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
