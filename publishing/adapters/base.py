"""What every platform client speaks.

Clients make one request per step and never retry: the engine (publishing.engine) decides, from
the kind of failure, what happens next."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import httpx
from django.conf import settings
from django.utils import timezone

from core import egress

if TYPE_CHECKING:
    from publishing.models import Account, PublicationImage, Target


@dataclass(frozen=True)
class Published:
    external_id: str
    url: str
    cid: str = ""  # Bluesky's record cid: a reply names its parent and root by uri and cid


@dataclass
class Outgoing:
    """One request's worth of a target.

    The post, one part of a thread, or the first comment, with the idempotency material stored for
    it before any request (`key`, `ref`, `first_sent_at`) and, for a reply, the posts it answers
    (already out, ids stored)."""

    text: str
    key: str
    ref: str = ""
    first_sent_at: datetime | None = None
    images: list[PublicationImage] = field(default_factory=list)
    kind: str = "post"  # "post" or "comment"
    reply_to: Published | None = None  # the part before (or, for a comment, the post)
    root: Published | None = None  # the thread's first post
    label: str = ""  # "part 2 of 4", "the first comment": for words and logs
    collided: bool = False  # a reconcile found another post under our key: draw a new one
    # What a channel without a platform behind it sends along (the webhook's persona, time).
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def is_reply(self) -> bool:
        return self.reply_to is not None


@dataclass(frozen=True)
class Mention:
    """Someone else's post that names or answers the account (the inbox keeps these)."""

    platform_id: str  # the status id, the record's at:// uri
    kind: str  # mention, reply, quote
    author_handle: str
    author_name: str
    text: str
    url: str
    created_at: datetime
    parent_id: str = ""  # the post it answers (ours or not), by the platform's id
    extra: dict[str, str] = field(default_factory=dict)  # what a reply to it needs (a cid)


@dataclass(frozen=True)
class MentionPage:
    """What one sync read: newest last, and where the next sync starts."""

    mentions: list[Mention]
    cursor: str


@dataclass(frozen=True)
class Tokens:
    """What a refresh (or a connection) hands back; stored in one transaction."""

    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None


def tokens_from_answer(answer: object, *, keep_refresh: str = "", platform: str = "") -> Tokens:
    """Tokens from an OAuth token endpoint's answer (expires_in seconds from now).

    An answer without an access token is a PublishError naming the platform."""
    if not isinstance(answer, dict) or not isinstance(answer.get("access_token"), str):
        raise PublishError(
            f"{platform or 'The platform'} answered without an access token.", kind="retry"
        )
    expires_in = answer.get("expires_in")
    try:
        seconds = int(expires_in) if expires_in else None
    except (TypeError, ValueError):
        seconds = None
    return Tokens(
        access_token=answer["access_token"],
        refresh_token=str(answer.get("refresh_token") or keep_refresh),
        expires_at=timezone.now() + timedelta(seconds=seconds) if seconds else None,
    )


def json_or_empty(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return {}


class PublishError(Exception):
    """A send that did not go as planned, and what the engine may do next.

    `kind` says what the engine may do next:
    - retry:     the platform did not take the post (rate limit, server error, never reached);
                 `retry_after` seconds when the platform said so
    - unknown:   the post may or may not be out (timeout after sending, dropped connection)
    - unconfirmable: the platform cannot tell whether an earlier send went out
    - expired:   the access token ran out: refresh it, then try again
    - auth:      the account's token was refused or revoked: it needs reconnecting
    - handoff:   nothing to send: the creator posts it (the manual channel)
    - permanent: the platform refused this post (too long, duplicate …): retrying cannot help
    """

    def __init__(self, message: str, *, kind: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after


# Called by a client with idempotency material it learned mid-way (a Threads container id,
# a Bluesky record key): the engine commits it before the client makes its next request.
Remember = Callable[[str], None]


class Publisher(Protocol):
    # Whether the platform takes a thread (replies to one's own post) and a first comment;
    # where it does not, the engine sends one post (the parts joined, the comment left out).
    threads: bool
    comments: bool

    def publish(self, account: Account, outgoing: Outgoing, remember: Remember) -> Published:
        """Make the post (or the reply, or the comment). Raises PublishError."""
        ...

    def reconcile(self, account: Account, outgoing: Outgoing) -> Published | None:
        """Whether an earlier send of it went out.

        And is *this* post: its post, or None when it did not (or another post holds our key:
        `outgoing.collided`). Raises PublishError(kind="unconfirmable") when the platform cannot
        tell."""
        ...

    def refresh(self, account: Account) -> Tokens:
        """New tokens from the refresh token.

        PublishError(kind="auth") when the platform says the grant is gone (invalid_grant,
        revoked); any other failure is kind "retry"."""
        ...

    def fetch_metrics(self, account: Account, target: Target) -> dict[str, int]:
        """The post's numbers now (likes, reposts, replies …), for analytics."""
        ...


@runtime_checkable
class MentionReader(Protocol):
    """A platform whose mentions and replies the inbox can read."""

    def mentions(self, account: Account, since: str) -> MentionPage:
        """What is newer than the cursor `since` ("" the first time). Raises PublishError."""
        ...


# --- What the HTTP clients share -------------------------------------------------------------


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait, from Retry-After (seconds or a date) or a rate-limit reset time."""
    value: str | None = response.headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
            except (TypeError, ValueError):
                return None
    reset = response.headers.get("x-rate-limit-reset") or response.headers.get("ratelimit-reset")
    if reset and reset.isdigit():  # X and Bluesky: epoch seconds
        return max(0.0, int(reset) - timezone.now().timestamp())
    return None


# What a status means, in our words: a remote server's body is never shown back (it could be
# an internal page an attacker wants read), only its status and, for the platforms' own
# short error codes, the code.
_STATUS_WORDS = {
    400: "it refused the request as sent",
    401: "the token was refused",
    403: "the account is not allowed to do this",
    404: "not found",
    408: "it timed out",
    409: "a conflict",
    413: "the upload is too large",
    415: "the file type is not accepted",
    422: "it refused the post as sent (often its length or an image)",
    429: "too many requests: rate limited",
}
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]{1,48}$")


def error_text(response: httpx.Response) -> str:
    """The remote server's own message, for *classifying* an answer.

    Never for showing it: that is `answer_words`."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        for key in ("message", "detail", "error_description", "error", "title"):
            value = body.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if value:
                return str(value)[:200]
    return response.text[:200]


def bearer(account_or_token: Account | str) -> dict[str, str]:
    """The Authorization header for an account's access token (or a token given as is)."""
    token = account_or_token if isinstance(account_or_token, str) else account_or_token.access_token
    return {"Authorization": f"Bearer {token}"}


def error_code(response: httpx.Response) -> str:
    """A platform's short error code when it sends one as JSON `error` or `code`, else "".

    `InvalidRecord`, `invalid_grant` …."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    for key in ("error", "code"):
        value = body.get(key)
        if isinstance(value, dict):
            value = value.get("code") or value.get("type")
        if isinstance(value, (str, int)) and _CODE.match(str(value)):
            return str(value)
    return ""


def answer_words(response: httpx.Response, platform: str) -> str:
    """A non-2xx answer as we say it: the platform, the status, what it means, its code."""
    status = response.status_code
    meaning = _STATUS_WORDS.get(status) or (
        "its server had a problem" if status >= 500 else "it refused the request"
    )
    code = error_code(response)
    return f"{platform} answered {status}: {meaning}{f' ({code})' if code else ''}."


def json_answer(
    response: httpx.Response, platform: str, *keys: str, kind: str = "permanent"
) -> dict[str, Any]:
    """A 2xx answer's JSON object, with `keys` present, or a PublishError naming the server.

    A platform answering HTML, or JSON of another shape, is said in words (never a 500).
    `kind="unknown"` after a request that makes the post: it may be out all the same."""
    try:
        body = response.json()
    except ValueError:
        raise PublishError(
            f"{platform} answered {response.status_code} with something that is not JSON; "
            "is the address right?",
            kind=kind,
        ) from None
    missing = [key for key in keys if not isinstance(body, dict) or key not in body]
    if not isinstance(body, dict) or missing:
        raise PublishError(
            f"{platform} answered without {', '.join(missing) or 'a JSON object'}; "
            "is the address right?",
            kind=kind,
        )
    return body


def json_list(response: httpx.Response, platform: str, key: str = "") -> list[Any]:
    """A 2xx answer's JSON list (or the list under `key`), or a PublishError in words."""
    try:
        body = response.json()
    except ValueError:
        body = None
    found = body.get(key) if key and isinstance(body, dict) else body
    if not isinstance(found, list):
        raise PublishError(
            f"{platform} answered {response.status_code} without the list it should send; "
            "is the address right?",
            kind="permanent",
        )
    return found


MENTION_PAGES = 25  # pages read per sync at most; the rest waits for the next one


def parsed_time(value: object) -> datetime:
    """An ISO 8601 time from a platform (Z or an offset), aware."""
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def json_value(response: httpx.Response, platform: str, *path: str, kind: str = "permanent") -> Any:
    """The value at `path` ("data", "id") in a 2xx JSON answer, or a PublishError in words."""
    value: object = json_answer(response, platform, path[0], kind=kind)
    for depth, key in enumerate(path):
        if not isinstance(value, dict) or key not in value or value[key] in (None, ""):
            raise PublishError(
                f"{platform} answered without {'.'.join(path[: depth + 1])}; is the address right?",
                kind=kind,
            )
        value = value[key]
    return value


def _shared_client() -> httpx.Client:
    client: httpx.Client = egress.shared_client(
        "publishing", timeout=settings.PUBLISH_TIMEOUT_SECONDS
    )
    return client


def request(method: str, url: str, *, platform: str, **kwargs: object) -> httpx.Response:
    """One request through the egress path, its transport failures in the engine's words.

    Refused by our own check or an invalid address (permanent), unreachable (never sent: retry), or
    no answer after sending (unknown)."""
    kwargs.setdefault("timeout", settings.PUBLISH_TIMEOUT_SECONDS)
    try:
        return _shared_client().request(method, url, **kwargs)  # type: ignore[arg-type]
    except egress.EgressRefused as error:
        raise PublishError(str(error), kind="permanent") from error
    except egress.ResponseTooLarge as error:
        raise PublishError(f"{platform}: {error}", kind="permanent") from error
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
        raise PublishError("That address is not a valid http(s) address.", kind="permanent") from (
            error
        )
    except (httpx.ConnectError, httpx.ConnectTimeout) as error:
        raise PublishError(
            f"{platform} could not be reached ({type(error).__name__}).", kind="retry"
        ) from error
    except httpx.HTTPError as error:  # sent, but no answer: it may be out
        raise PublishError(
            f"No answer from {platform} ({type(error).__name__}).", kind="unknown"
        ) from error


def raise_for_answer(response: httpx.Response, platform: str, *, creates: bool = False) -> None:
    """A non-2xx answer in the engine's words.

    `creates`: the request makes the post, so a 5xx may have been applied before the server
    failed (the reference Bluesky PDS answers a reused record key with 500): the outcome is
    *unknown* and the engine looks before it sends again. Elsewhere a 5xx, a 408 or a 429
    changed nothing (retry)."""
    if response.is_success:
        return
    reason = answer_words(response, platform)
    status = response.status_code
    if status == 401:
        raise PublishError(reason, kind="expired")
    if status == 403:
        raise PublishError(reason, kind="auth")
    if status >= 500 and creates:
        raise PublishError(reason, kind="unknown", retry_after=retry_after(response))
    if status in (408, 429) or status >= 500:
        raise PublishError(reason, kind="retry", retry_after=retry_after(response))
    raise PublishError(reason, kind="permanent")


def no_refresh(platform: str) -> PublishError:
    return PublishError(
        f"{platform} tokens cannot be renewed from here: reconnect the account.", kind="auth"
    )
