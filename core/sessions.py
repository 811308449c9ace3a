"""Sessions read from Redis, written through to PostgreSQL (Django's cached_db engine).

A page's session costs a cache read instead of a query. Each cached copy lives at most
CACHED_SECONDS: a sign-out made while Redis was unreachable (the database row is deleted, the
cached copy could not be) stops working within that time, not at the session's expiry."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore

CACHED_SECONDS = 300


class _ShortLivedCache:
    """The session cache with every entry's lifetime capped at CACHED_SECONDS."""

    def __init__(self, cache: Any) -> None:
        self._cache = cache

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cache, name)

    def __contains__(self, key: str) -> bool:
        return key in self._cache

    def set(self, key: str, value: Any, timeout: int | None = None) -> None:
        self._cache.set(key, value, min(timeout or CACHED_SECONDS, CACHED_SECONDS))

    async def aset(self, key: str, value: Any, timeout: int | None = None) -> None:
        await self._cache.aset(key, value, min(timeout or CACHED_SECONDS, CACHED_SECONDS))


class SessionStore(CachedDbStore):
    _cache: Any

    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._cache = _ShortLivedCache(self._cache)
