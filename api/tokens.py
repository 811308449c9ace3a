"""Personal API tokens: made, shown once, found again by their digest, revoked.

A token reads `ctw_` + 12 characters (its row's lookup) + 32 secret characters + a 6-character
CRC32 checksum, all base62: the prefix and the fixed shape let secret scanners recognise a leaked
one, and the checksum turns away a mistyped token without a database read."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User, Workspace
from accounts.permissions import Action, require, role_allows
from accounts.selectors import member_role
from api.models import ApiToken, Scope

PREFIX = "ctw_"
_ALPHABET = string.digits + string.ascii_letters
LOOKUP_CHARS, SECRET_CHARS, CHECK_CHARS = 12, 32, 6
TOKEN_LENGTH = len(PREFIX) + LOOKUP_CHARS + SECRET_CHARS + CHECK_CHARS
MAX_TOKENS = 50  # a workspace's live tokens
LAST_USED_EVERY = timedelta(minutes=1)  # last use is written at most this often


def _base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, digit = divmod(number, 62)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), CHECK_CHARS)


def _random(width: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(width))


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token: str) -> bool:
    """The shape and checksum of a token (no database read)."""
    if len(token) != TOKEN_LENGTH or not token.startswith(PREFIX):
        return False
    body, check = token[:-CHECK_CHARS], token[-CHECK_CHARS:]
    return all(c in _ALPHABET for c in token[len(PREFIX) :]) and _checksum(body) == check


def scopes_for_role(role: str | None) -> list[str]:
    """The scopes a member with `role` may give a token: a viewer's token only reads."""
    if role_allows(role, Action.EDIT):
        return list(Scope.values)
    return [Scope.READ] if role else []


@transaction.atomic
def token_create(
    *,
    workspace: Workspace,
    user: User,
    role: str,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token for `user` in `workspace`; returns the row and the token (shown once)."""
    require(role, Action.VIEW)
    name = " ".join(name.split())[:80]
    if not name:
        raise ValidationError("Name the token (where it is used), so you can tell it apart later.")
    scopes = [s for s in Scope.values if s in scopes]
    if not scopes:
        raise ValidationError("Give the token at least one scope.")
    allowed = scopes_for_role(role)
    if any(s not in allowed for s in scopes):
        raise ValidationError(f"A {role} can only make tokens that read.")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError("The expiry date has passed; pick one in the future.")
    if ApiToken.objects.filter(workspace=workspace, revoked_at=None).count() >= MAX_TOKENS:
        raise ValidationError(f"A workspace keeps at most {MAX_TOKENS} tokens; revoke one first.")
    lookup = _random(LOOKUP_CHARS)
    body = PREFIX + lookup + _random(SECRET_CHARS)
    token = body + _checksum(body)
    row = ApiToken.objects.create(
        workspace=workspace,
        user=user,
        name=name,
        lookup=lookup,
        digest=digest_of(token),
        scopes=scopes,
        expires_at=expires_at,
    )
    return row, token


def token_revoke(*, token: ApiToken, user: User, role: str) -> None:
    """Its maker, or an admin of the workspace, revokes it; it stops working at once."""
    if token.user_id != user.pk:
        require(role, Action.MANAGE_MEMBERS)
    ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())


@dataclass(frozen=True)
class Caller:
    """Who a request with a valid token acts as."""

    token: ApiToken
    user: User
    workspace: Workspace
    role: str

    def may(self, scope: str) -> bool:
        return scope in self.token.scopes


def token_authenticate(token: str) -> Caller | None:
    """The caller a token stands for, or None.

    Unknown, revoked, expired, or its user is no longer a member of the workspace."""
    if not well_formed(token):
        return None
    lookup = token[len(PREFIX) : len(PREFIX) + LOOKUP_CHARS]
    row = (
        ApiToken.objects.select_related("workspace", "user")
        .annotate(member_role=member_role("workspace", "user"))
        .filter(lookup=lookup, revoked_at=None)
        .first()
    )
    if row is None or not hmac.compare_digest(row.digest, digest_of(token)):
        return None
    now = timezone.now()
    if (row.expires_at and row.expires_at <= now) or not row.user.is_active:
        return None
    role: str | None = getattr(row, "member_role")  # noqa: B009 (annotated, not a field)
    if role is None:
        return None
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return Caller(token=row, user=row.user, workspace=row.workspace, role=role)


def tokens_of(workspace: Workspace) -> list[ApiToken]:
    return list(
        ApiToken.objects.filter(workspace=workspace)
        .select_related("user")
        .order_by("revoked_at", "-created_at")
    )
