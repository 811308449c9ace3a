"""Who is signed in, read from the cache: the one query every signed-in request still made.

Django's ModelBackend reads the user's row on every request. This backend keeps that row in Redis
without the password hash, which never leaves PostgreSQL: the cached copy carries instead the
hash its sessions are checked against (`User.get_session_auth_hash`), and reads the password from
the database only if something asks for it (a password change). Every save or delete of a user
clears their copy (accounts.apps); a copy lives at most USER_CACHED_SECONDS, which bounds a change
made while Redis was unreachable (and how long a rotated SECRET_KEY takes to reach sessions).

Sessions signed in before this backend name Django's ModelBackend, which stays listed after it so
they stay signed in (uncached) until their next sign-in. It never checks a password itself: a
wrong one stops here (PermissionDenied) rather than being hashed a second time by the next
backend."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest

from accounts.models import User
from core.cache import recall

BACKEND = "accounts.backends.CachedUserBackend"
USER_CACHED_SECONDS = 60
# Every column but the password, in the model's order (what `Model.from_db` expects).
CACHED_FIELDS = [f.attname for f in User._meta.concrete_fields if f.attname != "password"]


def user_key(user_id: int) -> str:
    return f"accounts:user:{user_id}"


class CachedUserBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and username is not None and password is not None:
            raise PermissionDenied  # the sign-in failed: no other backend tries the password
        return user

    def get_user(self, user_id: int) -> User | None:
        cached = recall(user_key(user_id))
        if cached is None:
            user = super().get_user(user_id)  # the row; None when it may not sign in
            if not isinstance(user, User):
                return None
            values = [getattr(user, name) for name in CACHED_FIELDS]
            snapshot = (values, user.get_session_auth_hash())
            cache.set(user_key(user_id), snapshot, USER_CACHED_SECONDS)
            return user
        values, session_hash = cached
        user = User.from_db(DEFAULT_DB_ALIAS, CACHED_FIELDS, values)
        user.known_session_auth_hash = session_hash
        return user if self.user_can_authenticate(user) else None
