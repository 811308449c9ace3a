"""Redis as a cache that never takes a page down.

While Redis is unreachable, reads miss and writes are skipped (and logged), so every page still
renders from Postgres. Nothing that must not be lost lives in the cache."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar, cast

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

if TYPE_CHECKING:
    from django.db.models import Model

logger = logging.getLogger(__name__)
T = TypeVar("T")
_last_warning = 0.0


def _warn(operation: str, error: Exception) -> None:
    global _last_warning
    if time.monotonic() - _last_warning > 60:  # once a minute, not once a request
        _last_warning = time.monotonic()
        logger.warning("cache unavailable (%s: %s); carrying on without it", operation, error)


# After a failure the cache is skipped for this long: a hung Redis costs one request one
# timeout (2 s), not every cache call of every request.
PAUSE_SECONDS = 30.0
_paused_until = 0.0


def _tolerant(operation: str, fallback: Callable[..., Any]) -> Callable[..., Any]:
    method = getattr(RedisCache, operation)

    @functools.wraps(method)
    def call(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
        global _paused_until
        if time.monotonic() < _paused_until:
            return fallback(*args, **kwargs)
        try:
            return method(self, *args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
            _paused_until = time.monotonic() + PAUSE_SECONDS
            _warn(operation, error)
            return fallback(*args, **kwargs)

    return call


def _default(key: Any, default: Any = None, *args: Any, **kwargs: Any) -> Any:
    return default


class _ReusedClient(RedisCacheClient):
    """A Django Redis client that keeps one `redis.Redis` per connection pool.

    Django's client makes a new `redis.Redis` for every cache call, and each one fills its
    table of ~170 reply handlers: a tenth of a millisecond, several times a page. One per
    connection pool serves every call (a `redis.Redis` is safe to share)."""

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django_client: Any = self  # its pool and class are private (and not in the stubs)
        pool = django_client._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = django_client._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusedClient

    get = _tolerant("get", _default)
    get_many = _tolerant("get_many", lambda *a, **k: {})
    has_key = _tolerant("has_key", lambda *a, **k: False)
    add = _tolerant("add", lambda *a, **k: False)
    set = _tolerant("set", lambda *a, **k: None)
    set_many = _tolerant("set_many", lambda keys, *a, **k: list(keys))
    touch = _tolerant("touch", lambda *a, **k: False)
    delete = _tolerant("delete", lambda *a, **k: False)
    delete_many = _tolerant("delete_many", lambda *a, **k: None)
    clear = _tolerant("clear", lambda *a, **k: False)


def forget_on_change(model: type[Model], keys_of: Callable[[Any], Iterable[str]]) -> None:
    """Every save or delete of a `model` row clears the cached entries `keys_of(row)` names.

    Connected once, from the app's `ready()`. Writes that send no signal (`update()`,
    `bulk_create`) clear their entries themselves or wait for them to expire."""
    from django.db.models.signals import post_delete, post_save

    def changed(sender: type, instance: Any, **kwargs: Any) -> None:
        forget(keys_of(instance))

    for signal in (post_save, post_delete):
        uid = f"forget_on_change:{model._meta.label}:{signal is post_save}"
        signal.connect(changed, sender=model, weak=False, dispatch_uid=uid)


# What this request read ahead (`read_ahead`), by key: each answers the request's first read of it.
_read_ahead: ContextVar[dict[str, Any] | None] = ContextVar("cache_read_ahead", default=None)


def read_ahead(keys: Iterable[str]) -> None:
    """Fetch these entries in one round trip: `recall` and `remembered` answer from it.

    A page's reads (who the viewer is, their workspaces, their bell, then the page's own
    counts and lists) each cost a round trip to Redis, and the round trip is most of a cache
    read's CPU; asked together they cost one. Each entry answers the first read of its key
    only, and `forget` drops it, so a later read sees any change. `end_read_ahead` when the
    request is done."""
    from django.core.cache import cache

    ahead = _read_ahead.get() or {}
    wanted = [key for key in keys if key not in ahead]  # not those this request read already
    found = cache.get_many(wanted) if wanted else {}
    # added to what the request already read ahead (the viewer, then the page's own entries)
    _read_ahead.set({**ahead, **{key: found.get(key) for key in wanted}})


def end_read_ahead() -> None:
    _read_ahead.set(None)


def recall(key: str) -> Any:
    """The cached entry (None when there is none), from what this request read ahead if it can."""
    from django.core.cache import cache

    ahead = _read_ahead.get()
    if ahead is not None and key in ahead:
        return ahead.pop(key)
    return cache.get(key)


def remembered(
    key: str, read: Callable[[], T], seconds: int, *, keep: Callable[[T], bool] | None = None
) -> T:
    """The cached entry, or `read()` cached for `seconds` (`cache.get_or_set`, read ahead).

    With `keep`, only a value it accepts is cached (one still changing is read every time)."""
    from django.core.cache import cache

    value = recall(key)
    if value is None:
        value = read()
        if keep is None or keep(value):
            cache.add(key, value, seconds)
    return cast(T, value)


def forget(keys: Iterable[str]) -> None:
    """These cached entries are out of date: deleted now, and again once the change commits.

    A page read between the two would have cached what was there before the change."""
    from django.core.cache import cache
    from django.db import transaction

    stale = list(keys)
    ahead = _read_ahead.get()
    if ahead:
        for key in stale:
            ahead.pop(key, None)
    if stale:
        cache.delete_many(stale)
        transaction.on_commit(lambda: cache.delete_many(stale))
