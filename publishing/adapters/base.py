"""What every platform client speaks. Clients make one request per call and never retry:
the engine (publishing.engine) decides, from the kind of failure, what happens next."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from publishing.models import Account, Target


@dataclass(frozen=True)
class Published:
    external_id: str
    url: str


class PublishError(Exception):
    """`kind` says what the engine may do next:
    - retry:     the platform did not take the post (rate limit, server error, never reached);
                 `retry_after` seconds when the platform said so
    - unknown:   the post may or may not be out (timeout after sending, dropped connection)
    - unconfirmable: the platform cannot tell whether an earlier send went out
    - auth:      the account's token was refused: it needs reconnecting
    - permanent: the platform refused this post (too long, empty …): retrying cannot help
    """

    def __init__(self, message: str, *, kind: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after


class Publisher(Protocol):
    def publish(self, account: Account, target: Target, text: str) -> Published: ...

    def reconcile(self, account: Account, target: Target, text: str) -> Published | None:
        """Whether an earlier send of this target went out: its post, or None when it did
        not. Raises PublishError(kind="unconfirmable") when the platform cannot tell."""
        ...
