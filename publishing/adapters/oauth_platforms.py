"""X, LinkedIn and Threads.

Accounts connected with OAuth 2.0 (authorisation code; X with PKCE), tokens that expire and are
refreshed near expiry.

- X: POST /2/tweets. No idempotency key: an unknown outcome is settled by listing the
  account's own recent posts since the first attempt and matching the text; X's 403
  "duplicate content" on a re-send means the first one is out.
- LinkedIn: POST /rest/posts (Posts API, versioned). It offers no way to look a post up by
  anything we chose, so an unknown outcome is left to the creator (unconfirmed).
- Threads: a container (POST /{user}/threads) whose id is committed, then
  POST /{user}/threads_publish; an unknown outcome is settled by the container's status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
from django.conf import settings
from django.utils import timezone

from language.platforms import comparable_x_text
from publishing.adapters.base import (
    MENTION_PAGES,
    Mention,
    MentionPage,
    Outgoing,
    Published,
    PublishError,
    Remember,
    Tokens,
    error_code,
    error_text,
    json_answer,
    json_list,
    json_or_empty,
    json_value,
    no_refresh,
    parsed_time,
    raise_for_answer,
    request,
    tokens_from_answer,
)
from publishing.media import signed_url
from publishing.models import Account, PublicationImage, Target


def _bearer(account_or_token: Account | str) -> dict[str, str]:
    token = account_or_token if isinstance(account_or_token, str) else account_or_token.access_token
    return {"Authorization": f"Bearer {token}"}


def _refresh_refused(response: httpx.Response, platform: str) -> PublishError:
    """invalid_grant (revoked, expired, already used) ends the connection.

    Anything else — a 5xx, a 429 — is tried again later."""
    code = error_code(response)
    if code in ("invalid_grant", "invalid_token", "unauthorized_client") or (
        response.status_code == 401
    ):
        return PublishError(f"{platform} revoked the connection ({code}).", kind="auth")
    return PublishError(
        f"{platform} could not renew the token now ({response.status_code}).", kind="retry"
    )


def _same_text(shown: str, sent: str) -> bool:
    """Whether X's copy of a post is the text we sent.

    X shows every link as a t.co link, so links are compared as links, the rest word for word."""
    return comparable_x_text(shown) == comparable_x_text(sent)


class XPublisher:
    threads = comments = True  # reply.in_reply_to_tweet_id
    refuses_duplicates = True  # 403 "duplicate content": a re-share needs changed text

    def _api(self, path: str) -> str:
        return f"{settings.X_API_URL.rstrip('/')}{path}"

    def identity(self, base_url: str, tokens: Tokens) -> tuple[str, str]:
        response = request(
            "GET", self._api("/2/users/me"), platform="X", headers=_bearer(tokens.access_token)
        )
        raise_for_answer(response, "X")
        me = json_value(response, "X", "data")
        if not isinstance(me, dict) or not me.get("id") or not me.get("username"):
            raise PublishError("X answered without the account's id and name.", kind="permanent")
        return str(me["id"]), f"@{me['username']}"

    def _published(self, account: Account, post_id: str) -> Published:
        handle = account.name.lstrip("@") or "i/web"
        return Published(external_id=post_id, url=f"https://x.com/{handle}/status/{post_id}")

    def _upload(self, account: Account, image: PublicationImage) -> str:
        """POST /2/media/upload (multipart), then the alt text as the image's metadata."""
        response = request(
            "POST",
            self._api("/2/media/upload"),
            platform="X",
            files={"media": (image.file.name.rsplit("/", 1)[-1], image.read(), image.content_type)},
            data={"media_category": "tweet_image", "media_type": image.content_type},
            headers=_bearer(account),
        )
        raise_for_answer(response, "X")
        media_id = str(json_value(response, "X", "data", "id"))
        if image.alt_text:
            described = request(
                "POST",
                self._api("/2/media/metadata"),
                platform="X",
                json={"id": media_id, "metadata": {"alt_text": {"text": image.alt_text[:1000]}}},
                headers=_bearer(account),
            )
            raise_for_answer(described, "X")
        return media_id

    def publish(self, account: Account, outgoing: Outgoing, remember: Remember) -> Published:
        body: dict[str, Any] = {"text": outgoing.text}
        if media_ids := [self._upload(account, i) for i in outgoing.images]:
            body["media"] = {"media_ids": media_ids}
        if outgoing.reply_to is not None:  # a thread's next part, or the first comment
            body["reply"] = {"in_reply_to_tweet_id": outgoing.reply_to.external_id}
        response = request(
            "POST", self._api("/2/tweets"), platform="X", json=body, headers=_bearer(account)
        )
        if response.status_code == 403 and "duplicate" in error_text(response).lower():
            found = self.reconcile(account, outgoing)
            if found:  # the earlier attempt went out after all
                return found
            raise PublishError(
                "X refuses a post identical to one already on the account. Change the text.",
                kind="permanent",
            )
        if response.status_code == 403:
            # X answers a post it will not take (too long by its count, its rules) with 403:
            # a refusal of this post, not of the account's token.
            words = error_text(response).lower()
            if "deleted or not visible" in words:
                raise PublishError(
                    "X refused the reply: the post it answers was deleted, or its author "
                    "blocked or hid it from this account.",
                    kind="permanent",
                )
            raise PublishError(
                "X refused the post: it is too long by X's count."
                if "too long" in words
                else "X refused the post (403: its rules or the app's access level).",
                kind="permanent",
            )
        raise_for_answer(response, "X", creates=True)
        return self._published(
            account, str(json_value(response, "X", "data", "id", kind="unknown"))
        )

    def reconcile(self, account: Account, outgoing: Outgoing) -> Published | None:
        since = (outgoing.first_sent_at or timezone.now()) - timedelta(minutes=2)
        response = request(
            "GET",
            self._api(f"/2/users/{account.external_user_id}/tweets"),
            platform="X",
            params={
                "max_results": 20,
                "start_time": since.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "tweet.fields": "created_at,referenced_tweets",
            },
            headers=_bearer(account),
        )
        raise_for_answer(response, "X")
        posts = json_or_empty(response)
        parent = outgoing.reply_to.external_id if outgoing.reply_to else None
        for post in (posts.get("data") if isinstance(posts, dict) else None) or []:
            if not isinstance(post, dict) or not _same_text(
                str(post.get("text", "")), outgoing.text
            ):
                continue
            replied_to = [
                str(ref.get("id"))
                for ref in post.get("referenced_tweets") or []
                if isinstance(ref, dict) and ref.get("type") == "replied_to"
            ]
            if parent is None or parent in replied_to:  # the same text, in the same place
                return self._published(account, str(post["id"]))
        return None

    def mentions(self, account: Account, since: str) -> MentionPage:
        """Posts that mention the account (replies included), newer than post id `since`.

        GET /2/users/:id/mentions, 100 a page, newest first, next_token back to since_id (the
        first time, as far as MENTION_PAGES pages go). X's Free tier does not include this
        endpoint: its 403 client-not-enrolled is said in words and the sync waits an hour,
        without taking it for a revoked connection."""
        found: list[Mention] = []
        newest, token = since, ""
        for _ in range(MENTION_PAGES):
            params: dict[str, Any] = {
                "max_results": 100,
                "expansions": "author_id",
                "user.fields": "username,name",
                "tweet.fields": "created_at,conversation_id,in_reply_to_user_id,referenced_tweets",
            }
            if since:
                params["since_id"] = since
            if token:
                params["pagination_token"] = token
            response = request(
                "GET",
                self._api(f"/2/users/{account.external_user_id}/mentions"),
                platform="X",
                params=params,
                headers=_bearer(account),
            )
            if response.status_code == 403 and _x_reason(response) == "client-not-enrolled":
                raise PublishError(
                    "X does not let this app read mentions at its API access level (X says "
                    "client-not-enrolled: the Free tier cannot; Basic or higher can). The "
                    "inbox tries again in an hour.",
                    kind="tier",
                    retry_after=3600,
                )
            raise_for_answer(response, "X")
            body = json_or_empty(response)
            body = body if isinstance(body, dict) else {}
            users = {
                str(u.get("id")): u
                for u in (body.get("includes") or {}).get("users") or []
                if isinstance(u, dict)
            }
            meta = body.get("meta") or {}
            if meta.get("newest_id") and not token:
                newest = max(newest, str(meta["newest_id"]), key=lambda i: int(i or 0))
            for post in body.get("data") or []:
                try:
                    found.append(_x_mention(account, post, users))
                except (KeyError, TypeError, ValueError, AttributeError):
                    continue  # one unreadable post, never the sync
            token = str(meta.get("next_token") or "")
            if not token:
                break
        found.sort(key=lambda m: (m.created_at, int(m.platform_id)))
        return MentionPage(found, newest)

    def refresh(self, account: Account) -> Tokens:
        response = request(
            "POST",
            self._api("/2/oauth2/token"),
            platform="X",
            data={
                "grant_type": "refresh_token",
                "refresh_token": account.refresh_token,
                "client_id": settings.X_CLIENT_ID,
            },
            auth=(settings.X_CLIENT_ID, settings.X_CLIENT_SECRET),
        )
        if not response.is_success:
            raise _refresh_refused(response, "X")
        return tokens_from_answer(json_or_empty(response), platform="X")

    def fetch_metrics(self, account: Account, target: Target) -> dict[str, int]:
        response = request(
            "GET",
            self._api(f"/2/tweets/{target.external_id}"),
            platform="X",
            params={"tweet.fields": "public_metrics"},
            headers=_bearer(account),
        )
        raise_for_answer(response, "X")
        metrics = json_value(response, "X", "data").get("public_metrics") or {}
        return {
            "likes": int(metrics.get("like_count") or 0),
            "reposts": int(metrics.get("retweet_count") or 0),
            "replies": int(metrics.get("reply_count") or 0),
            "impressions": int(metrics.get("impression_count") or 0),
        }


def _x_reason(response: httpx.Response) -> str:
    """The `reason` of X's problem answer (client-not-enrolled …), else ""."""
    body = json_or_empty(response)
    return str(body.get("reason") or "") if isinstance(body, dict) else ""


def _x_mention(account: Account, post: dict[str, Any], users: dict[str, Any]) -> Mention:
    author = users[str(post["author_id"])]
    replied = [
        str(ref["id"]) for ref in post.get("referenced_tweets") or [] if ref["type"] == "replied_to"
    ]
    to_us = str(post.get("in_reply_to_user_id") or "") == account.external_user_id
    return Mention(
        platform_id=str(int(post["id"])),
        kind="reply" if replied and to_us else "mention",
        author_handle=f"@{author['username']}",
        author_name=str(author.get("name") or author["username"]),
        text=str(post["text"]),
        url=f"https://x.com/{author['username']}/status/{post['id']}",
        created_at=parsed_time(post["created_at"]),
        parent_id=replied[0] if replied else "",
    )


REPLY_DAYS = 14  # how far back the inbox reads replies under our Threads and LinkedIn posts
REPLY_POSTS = 50  # at most this many recent posts a sync
COMMENT_URN = "urn:li:comment:"


def _recent_posts(account: Account) -> list[str]:
    """Our posts on the account of the last REPLY_DAYS days, newest first, by platform id."""
    recent = timezone.now() - timedelta(days=REPLY_DAYS)
    return list(
        Target.objects.filter(account=account, published_at__gte=recent)
        .exclude(external_id="")
        .order_by("-published_at")
        .values_list("external_id", flat=True)[:REPLY_POSTS]
    )


class LinkedInPublisher:
    threads = False  # no replies to one's own post: a thread goes out as one post
    comments = True  # the first comment, through the Comments API

    def _api(self, path: str) -> str:
        return f"{settings.LINKEDIN_API_URL.rstrip('/')}{path}"

    def identity(self, base_url: str, tokens: Tokens) -> tuple[str, str]:
        response = request(
            "GET",
            self._api("/v2/userinfo"),
            platform="LinkedIn",
            headers=_bearer(tokens.access_token),
        )
        raise_for_answer(response, "LinkedIn")
        me = json_answer(response, "LinkedIn", "sub")
        return f"urn:li:person:{me['sub']}", str(me.get("name") or me["sub"])

    def _headers(self, account: Account) -> dict[str, str]:
        return {
            **_bearer(account),
            "LinkedIn-Version": settings.LINKEDIN_VERSION,
            "X-Restli-Protocol-Version": "2.0.0",
        }

    def _upload(self, account: Account, image: PublicationImage) -> dict[str, str]:
        """Images API: initializeUpload (an upload URL and the image URN), then PUT the bytes."""
        response = request(
            "POST",
            self._api("/rest/images"),
            platform="LinkedIn",
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": account.external_user_id}},
            headers=self._headers(account),
        )
        raise_for_answer(response, "LinkedIn")
        value = json_value(response, "LinkedIn", "value")
        if not isinstance(value, dict) or "uploadUrl" not in value or "image" not in value:
            raise PublishError("LinkedIn answered without an upload address.", kind="retry")
        uploaded = request(
            "PUT",
            value["uploadUrl"],
            platform="LinkedIn",
            content=image.read(),
            headers={**_bearer(account), "Content-Type": image.content_type},
        )
        raise_for_answer(uploaded, "LinkedIn")
        return {"id": value["image"], "altText": image.alt_text[:4086]}

    def publish(self, account: Account, outgoing: Outgoing, remember: Remember) -> Published:
        if outgoing.reply_to is not None and (
            outgoing.kind == "comment" or outgoing.reply_to.external_id.startswith(COMMENT_URN)
        ):  # the first comment, or the inbox's answer to someone's comment
            return self._comment(account, outgoing)
        body: dict[str, Any] = {
            "author": account.external_user_id,
            "commentary": outgoing.text,
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        images = [self._upload(account, i) for i in outgoing.images]
        if len(images) == 1:
            body["content"] = {"media": images[0]}
        elif images:
            body["content"] = {"multiImage": {"images": images}}
        response = request(
            "POST",
            self._api("/rest/posts"),
            platform="LinkedIn",
            json=body,
            headers=self._headers(account),
        )
        raise_for_answer(response, "LinkedIn", creates=True)
        urn = response.headers.get("x-restli-id", "")
        return Published(external_id=urn, url=f"https://www.linkedin.com/feed/update/{urn}/")

    def _comment(self, account: Account, outgoing: Outgoing) -> Published:
        """A comment through the Comments API (socialActions).

        The first comment, on the post just published; or an answer to someone's comment,
        nested under it (parentComment) on its post."""
        assert outgoing.reply_to is not None
        post, parent = outgoing.reply_to.external_id, ""
        if post.startswith(COMMENT_URN):
            parent, post = post, outgoing.root.external_id if outgoing.root else ""
        body: dict[str, Any] = {
            "actor": account.external_user_id,
            "object": post,
            "message": {"text": outgoing.text},
        }
        if parent:
            body["parentComment"] = parent
        response = request(
            "POST",
            self._api(f"/rest/socialActions/{quote(post, safe='')}/comments"),
            platform="LinkedIn",
            json=body,
            headers=self._headers(account),
        )
        raise_for_answer(response, "LinkedIn", creates=True)
        answer = json_or_empty(response)
        urn = response.headers.get("x-restli-id", "") or str(
            (answer.get("commentUrn") or answer.get("id") or "") if isinstance(answer, dict) else ""
        )
        return Published(external_id=urn or post, url=outgoing.reply_to.url)

    def mentions(self, account: Account, since: str) -> MentionPage:
        """Comments under the account's posts of the last REPLY_DAYS days.

        GET /rest/socialActions/{post}/comments. Reading others' comments needs LinkedIn's
        r_member_social permission, which LinkedIn grants to approved apps only: without it
        (403 ACCESS_DENIED) the inbox says so and tries again in a day."""
        found: list[Mention] = []
        newest = since
        for post in _recent_posts(account):
            response = request(
                "GET",
                self._api(f"/rest/socialActions/{quote(post, safe='')}/comments"),
                platform="LinkedIn",
                params={"count": 100},
                headers=self._headers(account),
            )
            if response.status_code == 403:
                raise PublishError(
                    "LinkedIn does not let this app read comments (it needs the "
                    "r_member_social permission, which LinkedIn grants to approved apps). The "
                    "inbox tries again tomorrow.",
                    kind="tier",
                    retry_after=86_400,
                )
            raise_for_answer(response, "LinkedIn")
            for comment in json_list(response, "LinkedIn", "elements"):
                try:
                    actor = str(comment["actor"])
                    if actor == account.external_user_id:
                        continue  # our own answers
                    created = datetime.fromtimestamp(comment["created"]["time"] / 1000, tz=UTC)
                    if since and created <= parsed_time(since):
                        continue
                    if not newest or created > parsed_time(newest):
                        newest = created.isoformat()
                    urn = str(comment.get("commentUrn") or comment["$URN"])
                    found.append(
                        Mention(
                            platform_id=urn,
                            kind="reply",
                            author_handle=actor,
                            author_name="A LinkedIn member",
                            text=str((comment.get("message") or {}).get("text") or ""),
                            url=f"https://www.linkedin.com/feed/update/{post}/",
                            created_at=created,
                            parent_id=str(comment.get("parentComment") or post),
                            extra={"root_uri": post},
                        )
                    )
                except (KeyError, TypeError, ValueError, AttributeError):
                    continue  # one unreadable comment, never the sync
        found.sort(key=lambda m: m.created_at)
        return MentionPage(found, newest)

    def reconcile(self, account: Account, outgoing: Outgoing) -> Published | None:
        raise PublishError(
            "LinkedIn cannot tell whether the first attempt went out: check the profile and "
            "say whether the post is there.",
            kind="unconfirmable",
        )

    def refresh(self, account: Account) -> Tokens:
        if not account.refresh_token:
            raise no_refresh("LinkedIn")
        response = request(
            "POST",
            f"{settings.LINKEDIN_AUTH_URL.rstrip('/')}/oauth/v2/accessToken",
            platform="LinkedIn",
            data={
                "grant_type": "refresh_token",
                "refresh_token": account.refresh_token,
                "client_id": settings.LINKEDIN_CLIENT_ID,
                "client_secret": settings.LINKEDIN_CLIENT_SECRET,
            },
        )
        if not response.is_success:
            raise _refresh_refused(response, "LinkedIn")
        return tokens_from_answer(json_or_empty(response), platform="LinkedIn")

    def fetch_metrics(self, account: Account, target: Target) -> dict[str, int]:
        response = request(
            "GET",
            self._api(f"/rest/socialActions/{target.external_id}"),
            platform="LinkedIn",
            headers={**_bearer(account), "LinkedIn-Version": settings.LINKEDIN_VERSION},
        )
        raise_for_answer(response, "LinkedIn")
        actions = json_answer(response, "LinkedIn")
        return {
            "likes": int((actions.get("likesSummary") or {}).get("totalLikes") or 0),
            "replies": int(
                (actions.get("commentsSummary") or {}).get("aggregatedTotalComments") or 0
            ),
        }


class ThreadsPublisher:
    threads = comments = True  # reply_to_id

    def _api(self, path: str) -> str:
        return f"{settings.THREADS_API_URL.rstrip('/')}/v1.0{path}"

    def _raise(self, response: httpx.Response, *, creates: bool = False) -> None:
        # The Graph API says an expired token with 400 and error code 190.
        if response.status_code == 400:
            body = json_or_empty(response)
            error = body.get("error") if isinstance(body, dict) else None
            if isinstance(error, dict) and error.get("code") == 190:
                raise PublishError("Threads: the access token expired.", kind="expired")
        raise_for_answer(response, "Threads", creates=creates)

    def identity(self, base_url: str, tokens: Tokens) -> tuple[str, str]:
        response = request(
            "GET",
            self._api("/me"),
            platform="Threads",
            params={"fields": "id,username", "access_token": tokens.access_token},
        )
        self._raise(response)
        me = json_answer(response, "Threads", "id", "username")
        return str(me["id"]), f"@{me['username']}"

    def _published(self, account: Account, media_id: str) -> Published:
        return Published(
            external_id=media_id, url=f"https://www.threads.net/{account.name}/post/{media_id}"
        )

    def mentions(self, account: Account, since: str) -> MentionPage:
        """Replies under the account's posts of the last REPLY_DAYS days (any depth).

        GET /{media-id}/conversation for each post we published there; the creator's own
        answers are left out. `since` is the newest reply time read before."""
        ours = _recent_posts(account)
        own_name = account.name.lstrip("@")
        found: list[Mention] = []
        newest = since
        for media_id in ours:
            response = request(
                "GET",
                self._api(f"/{media_id}/conversation"),
                platform="Threads",
                params={
                    "fields": "id,text,username,permalink,timestamp,replied_to,root_post",
                    "access_token": account.access_token,
                },
            )
            self._raise(response)
            for reply in json_list(response, "Threads", "data"):
                try:
                    if str(reply.get("username")) == own_name:
                        continue
                    created = parsed_time(str(reply["timestamp"]).replace("+0000", "+00:00"))
                    if since and created <= parsed_time(since):
                        continue
                    if not newest or created > parsed_time(newest):
                        newest = created.isoformat()
                    found.append(
                        Mention(
                            platform_id=str(reply["id"]),
                            kind="reply",
                            author_handle=f"@{reply['username']}",
                            author_name=str(reply["username"]),
                            text=str(reply.get("text") or ""),
                            url=str(reply.get("permalink") or ""),
                            created_at=created,
                            parent_id=str((reply.get("replied_to") or {}).get("id") or media_id),
                        )
                    )
                except (KeyError, TypeError, ValueError, AttributeError):
                    continue  # one unreadable reply, never the sync
        found.sort(key=lambda m: m.created_at)
        return MentionPage(found, newest)

    def publish(self, account: Account, outgoing: Outgoing, remember: Remember) -> Published:
        token = {"access_token": account.access_token}
        container = outgoing.ref
        if not container:
            container = self._container(account, outgoing)
            outgoing.ref = container
            remember(container)  # committed before it is published
        response = request(
            "POST",
            self._api(f"/{account.external_user_id}/threads_publish"),
            platform="Threads",
            params={**token, "creation_id": container},
        )
        self._raise(response, creates=True)
        return self._published(account, str(json_value(response, "Threads", "id", kind="unknown")))

    def _create(self, account: Account, params: dict[str, str]) -> str:
        response = request(
            "POST",
            self._api(f"/{account.external_user_id}/threads"),
            platform="Threads",
            params={"access_token": account.access_token, **params},
        )
        self._raise(response)
        return str(json_value(response, "Threads", "id"))

    def _container(self, account: Account, outgoing: Outgoing) -> str:
        """A text post, an image post, or a carousel of item containers.

        A reply when it answers the part before: `reply_to_id`. Threads fetches each image from its
        URL: a signed link to this server (SITE_URL must be reachable)."""
        images, text = outgoing.images, outgoing.text
        reply = {"reply_to_id": outgoing.reply_to.external_id} if outgoing.reply_to else {}
        if not images:
            return self._create(account, {"media_type": "TEXT", "text": text, **reply})
        if len(images) == 1:
            image = images[0]
            return self._create(
                account,
                {
                    "media_type": "IMAGE",
                    "image_url": signed_url(image),
                    "text": text,
                    "alt_text": image.alt_text,
                    **reply,
                },
            )
        children = [
            self._create(
                account,
                {
                    "media_type": "IMAGE",
                    "image_url": signed_url(image),
                    "is_carousel_item": "true",
                    "alt_text": image.alt_text,
                },
            )
            for image in images
        ]
        return self._create(
            account,
            {"media_type": "CAROUSEL", "children": ",".join(children), "text": text, **reply},
        )

    def reconcile(self, account: Account, outgoing: Outgoing) -> Published | None:
        """The container's status.

        Its id was issued to this account for this very part, so a PUBLISHED container is this
        post (nothing else can hold the key)."""
        if not outgoing.ref:
            return None  # no container was made: nothing can be out
        response = request(
            "GET",
            self._api(f"/{outgoing.ref}"),
            platform="Threads",
            params={"fields": "id,status,error_message", "access_token": account.access_token},
        )
        self._raise(response)
        status = json_answer(response, "Threads").get("status")
        if status == "PUBLISHED":
            return self._published(account, outgoing.ref)
        if status in ("EXPIRED", "ERROR"):
            outgoing.ref = ""  # a new container next time (committed before it is published)
        return None  # FINISHED / IN_PROGRESS: publishing the same container is safe

    def refresh(self, account: Account) -> Tokens:
        response = request(
            "GET",
            f"{settings.THREADS_API_URL.rstrip('/')}/refresh_access_token",
            platform="Threads",
            params={"grant_type": "th_refresh_token", "access_token": account.refresh_token},
        )
        if not response.is_success:
            raise _refresh_refused(response, "Threads")
        tokens = tokens_from_answer(json_or_empty(response), platform="Threads")
        # A long-lived Threads token refreshes itself: it is its own refresh material.
        return Tokens(tokens.access_token, tokens.access_token, tokens.expires_at)

    def fetch_metrics(self, account: Account, target: Target) -> dict[str, int]:
        response = request(
            "GET",
            self._api(f"/{target.external_id}/insights"),
            platform="Threads",
            params={"metric": "likes,replies,reposts,views", "access_token": account.access_token},
        )
        self._raise(response)
        values = {
            item["name"]: int((item.get("values") or [{}])[0].get("value") or 0)
            for item in json_answer(response, "Threads").get("data") or []
            if isinstance(item, dict) and "name" in item
        }
        return {
            "likes": values.get("likes", 0),
            "replies": values.get("replies", 0),
            "reposts": values.get("reposts", 0),
            "impressions": values.get("views", 0),
        }
