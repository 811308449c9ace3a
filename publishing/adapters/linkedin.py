"""LinkedIn: POST /rest/posts (Posts API, versioned), OAuth 2.0.

It offers no way to look a post up by anything we chose, so an unknown outcome is left to the
creator (unconfirmed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from django.conf import settings

from publishing.adapters.base import (
    Mention,
    MentionPage,
    Outgoing,
    Published,
    PublishError,
    Remember,
    Tokens,
    bearer,
    json_answer,
    json_list,
    json_or_empty,
    json_value,
    no_refresh,
    parsed_time,
    raise_for_answer,
    request,
)
from publishing.adapters.oauth import recent_posts, refreshed_tokens
from publishing.models import Account, PublicationImage, Target

COMMENT_URN = "urn:li:comment:"


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
            headers=bearer(tokens.access_token),
        )
        raise_for_answer(response, "LinkedIn")
        me = json_answer(response, "LinkedIn", "sub")
        return f"urn:li:person:{me['sub']}", str(me.get("name") or me["sub"])

    def _headers(self, account: Account) -> dict[str, str]:
        return {
            **bearer(account),
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
            headers={**bearer(account), "Content-Type": image.content_type},
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
        for post in recent_posts(account):
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
        return refreshed_tokens(response, "LinkedIn")

    def fetch_metrics(self, account: Account, target: Target) -> dict[str, int]:
        response = request(
            "GET",
            self._api(f"/rest/socialActions/{target.external_id}"),
            platform="LinkedIn",
            headers={**bearer(account), "LinkedIn-Version": settings.LINKEDIN_VERSION},
        )
        raise_for_answer(response, "LinkedIn")
        actions = json_answer(response, "LinkedIn")
        return {
            "likes": int((actions.get("likesSummary") or {}).get("totalLikes") or 0),
            "replies": int(
                (actions.get("commentsSummary") or {}).get("aggregatedTotalComments") or 0
            ),
        }
