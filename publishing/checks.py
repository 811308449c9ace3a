"""What an account's platform would refuse in a post, in words, before anything is scheduled.

Each part of a thread by the platform's own count (a platform without threads gets the parts joined,
and is checked so), the first comment, and the images of each part. The schedule form, the composer,
bulk scheduling and the services all ask here."""

from __future__ import annotations

from collections.abc import Sequence

from language.platforms import measure as measure_text
from language.threads import numbered, split_parts
from publishing.adapters import publisher_for
from publishing.media import platform_image_problems
from publishing.models import Account

# A LinkedIn comment is shorter than a post (Comments API: 1,250 characters).
COMMENT_LIMITS = {"linkedin": 1250}


def parts_for(account: Account, text: str, *, number_parts: bool = False) -> list[str]:
    """The posts this account will get.

    The thread's parts (numbered when asked), or one post when its platform takes no threads."""
    parts = split_parts(text) or [text]
    if number_parts:
        parts = numbered(parts)
    if len(parts) > 1 and not publisher_for(account.platform).threads:
        return ["\n\n".join(split_parts(text))]
    return parts


def takes_threads(account: Account) -> bool:
    """The platform takes a thread (a post in numbered parts)."""
    return publisher_for(account.platform).threads


def takes_comments(account: Account) -> bool:
    return publisher_for(account.platform).comments


def refuses_duplicates(account: Account) -> bool:
    """The platform refuses a post whose text it has seen from this account before (X)."""
    return getattr(publisher_for(account.platform), "refuses_duplicates", False)


def account_problems(
    account: Account,
    text: str,
    *,
    first_comment: str = "",
    number_parts: bool = False,
    images: Sequence[object] = (),
    image_parts: Sequence[int] = (),
) -> list[str]:
    """Everything `account`'s platform would refuse, each said with where it is."""
    problems = []
    parts = parts_for(account, text, number_parts=number_parts)
    for n, part in enumerate(parts):
        measured = measure_text(account.platform, part, limit=account.max_characters)
        if measured is not None and not measured.valid:
            where = f"Part {n + 1} of {len(parts)}: " if len(parts) > 1 else ""
            problem = measured.problem
            if "; this post has" in problem:
                problem += f" Shorten it, or leave {account.name} out."
            problems.append(where + problem)
    if first_comment.strip() and takes_comments(account):
        limit = COMMENT_LIMITS.get(account.platform)
        measured = measure_text(account.platform, first_comment, limit=limit)
        if measured is not None and not measured.valid:
            problems.append(f"First comment: {measured.problem}")
    if images:
        positions = list(image_parts) or [getattr(i, "part", 0) for i in images]
        if len(parts) > 1:  # each part carries its own images
            for n in range(len(parts)):
                own = [i for i, p in zip(images, positions, strict=False) if p == n]
                problems += [f"Part {n + 1}: {p}" for p in platform_image_problems(account, own)]
        else:
            problems += platform_image_problems(account, list(images))
    return problems
