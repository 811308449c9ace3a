from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Workspace
from personas.models import Persona
from personas.selectors import persona_ids_of
from publishing.models import (
    Account,
    AccountStatus,
    Approval,
    Publication,
    PublicationEvent,
    Target,
    TargetState,
)


def accounts_of(workspace: Workspace, *, usable: bool = False) -> QuerySet[Account]:
    """The workspace's accounts.

    `usable`: those a post can be scheduled to (not disconnected; one that needs reconnecting can
    still be chosen and fixed before its time)."""
    accounts = Account.objects.filter(workspace=workspace)
    if usable:
        accounts = accounts.exclude(status=AccountStatus.DISCONNECTED)
    return accounts.order_by("platform", "name")


def publications_of(persona: Persona, *, limit: int = 50) -> list[Publication]:
    """The persona's newest publications with their targets, their parts and accounts.

    Four queries."""
    return list(
        Publication.objects.filter(persona=persona)
        .prefetch_related(
            Prefetch("targets", queryset=Target.objects.select_related("account").order_by("id")),
            "targets__parts",
            "images",
        )
        .order_by("-scheduled_at")[:limit]
    )


def scheduled_times(persona: Persona, start: datetime, end: datetime) -> set[datetime]:
    """When the persona has a post that is still going out (or went out) in [start, end]."""
    return set(
        Publication.objects.filter(
            persona=persona,
            scheduled_at__range=(start, end),
            targets__state__in=[s for s in TargetState.values if s != TargetState.CANCELLED],
        ).values_list("scheduled_at", flat=True)
    )


def publications_between(
    workspace: Workspace,
    start: datetime,
    end: datetime,
    *,
    persona_id: int | None = None,
    account_id: int | None = None,
    state: str = "",
) -> list[Publication]:
    """The workspace's posts scheduled in [start, end), filtered, in three queries.

    The workspace's posts scheduled in [start, end), with persona, targets and accounts
    (three queries, however many there are), filtered by persona, account and target state."""
    publications = Publication.objects.filter(
        persona__workspace=workspace, scheduled_at__gte=start, scheduled_at__lt=end
    )
    if persona_id:
        publications = publications.filter(persona_id=persona_id)
    if account_id:
        publications = publications.filter(targets__account_id=account_id)
    if state:
        publications = publications.filter(targets__state=state)
    return list(
        publications.distinct()
        .select_related("persona")
        .prefetch_related(
            Prefetch("targets", queryset=Target.objects.select_related("account").order_by("id"))
        )
        .order_by("scheduled_at", "id")
    )


def live_reshares(publication: Publication) -> list[Publication]:
    """An evergreen post's re-shares that are still on (some account not cancelled), in order."""
    return list(
        Publication.objects.filter(reshare_of=publication)
        .filter(targets__state__in=[s for s in TargetState.values if s != TargetState.CANCELLED])
        .distinct()
        .order_by("share_number")
    )


def publication_with_log(publication_id: int) -> Publication:
    return (
        Publication.objects.select_related("persona", "created_by")
        .prefetch_related(
            Prefetch("targets", queryset=Target.objects.select_related("account").order_by("id")),
            "targets__parts",
            Prefetch("events", queryset=PublicationEvent.objects.select_related("actor")),
            "images",
        )
        .get(pk=publication_id)
    )


# A page of posts with each account's target gathered by PostgreSQL (one JSON array a post),
# newest first after a (time, id) keyset: written out rather than built by the ORM, because
# the API lists it on every poll and building this query cost more than running it.
_PAGE_SQL = """
SELECT p.id, p.persona_id, p.text, p.scheduled_at, p.approval, p.first_comment,
       COALESCE((
           SELECT json_agg(json_build_object(
                      'account', t.account_id, 'account_name', a.name,
                      'platform', a.platform, 'state', t.state, 'due_at', t.due_at,
                      'published_at', t.published_at, 'url', t.external_url,
                      'last_error', t.last_error) ORDER BY t.id)
           FROM publishing_target t JOIN publishing_account a ON a.id = t.account_id
           WHERE t.publication_id = p.id), '[]'::json) AS targets
FROM publishing_publication p
WHERE {where}
ORDER BY p.scheduled_at DESC, p.id DESC
LIMIT %s
"""


def publication_page(
    workspace: Workspace,
    *,
    persona: Persona | None = None,
    after: tuple[datetime, int] | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """The workspace's posts (or one persona's), newest first, after the (time, id) `after`.

    Rows with their accounts' targets; by persona id, so each persona's posts come from the
    (persona, time) index."""
    ids = [persona.pk] if persona is not None else persona_ids_of(workspace.pk)
    if not ids:
        return []
    where = f"p.persona_id IN ({', '.join(['%s'] * len(ids))})"
    if after:
        where += " AND (p.scheduled_at, p.id) < (%s, %s)"
    return _publication_rows(where, [*ids, *(after or ()), limit])


def publication_row(publication_id: int) -> dict[str, Any]:
    """One post as `publication_page` gives each (check its workspace first)."""
    return _publication_rows("p.id = %s", [publication_id, 1])[0]


def _publication_rows(where: str, params: list[Any]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(_PAGE_SQL.format(where=where), params)
        names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def awaiting_approval(workspace: Workspace) -> QuerySet[Publication]:
    return Publication.objects.filter(
        persona__workspace=workspace, approval__in=(Approval.PENDING, Approval.SENT_BACK)
    ).select_related("persona", "created_by")


def targets_due_for_metrics(*, limit: int) -> list[Target]:
    """Published posts whose numbers are due to be read again, with their account and publication.

    Never read: due at once."""
    return list(
        Target.objects.filter(state=TargetState.PUBLISHED)
        .exclude(external_id="")
        .filter(Q(metrics_next_at__isnull=True) | Q(metrics_next_at__lte=timezone.now()))
        .select_related("account", "publication__persona")
        .order_by("metrics_next_at", "id")[:limit]
    )


def publications_with_persona() -> QuerySet[Publication]:
    """Publications with their persona, for a permission-checked fetch (`get_object_for`)."""
    return Publication.objects.select_related("persona")


def evergreen_originals(
    workspace: Workspace, *, persona_id: int | None = None
) -> QuerySet[Publication]:
    """The workspace's evergreen posts (not re-shares), each with `made` and `last`.

    Its live re-shares: one of their accounts is not cancelled, as `live_reshares`. The latest one's
    time. One query."""
    live = ~Q(reshares__targets__state=TargetState.CANCELLED)
    originals = Publication.objects.filter(
        persona__workspace=workspace, evergreen=True, reshare_of__isnull=True
    ).annotate(
        made=Count("reshares", filter=live, distinct=True),
        last=Max("reshares__scheduled_at", filter=live),
    )
    if persona_id:
        originals = originals.filter(persona_id=persona_id)
    return originals.select_related("persona")


def evergreen_published_ids() -> set[int]:
    """Evergreen posts out on at least one account: the ones a re-share may be due for."""
    return set(
        Publication.objects.filter(
            evergreen=True, reshare_of__isnull=True, targets__state=TargetState.PUBLISHED
        ).values_list("id", flat=True)
    )


def publication_locked(publication_id: int) -> Publication:
    """The publication, its row locked until the caller's transaction ends."""
    return (
        Publication.objects.select_for_update(of=("self",))
        .select_related("persona__workspace")
        .get(pk=publication_id)
    )


def next_share_number(original: Publication) -> int:
    """The number the evergreen post's next re-share gets.

    Numbers are never reused (a cancelled re-share keeps its own)."""
    top = original.reshares.aggregate(top=Max("share_number"))["top"]
    return (top or 0) + 1


def inbox_account_ids(platforms: tuple[str, ...]) -> list[int]:
    """Connected accounts on platforms whose mentions the inbox reads (the beat's sync)."""
    return list(
        Account.objects.filter(platform__in=platforms, status=AccountStatus.CONNECTED)
        .order_by("id")
        .values_list("id", flat=True)
    )


def account_for_sync(account_id: int) -> Account | None:
    return Account.objects.filter(pk=account_id).first()


def personas_of_posts(account: Account, external_ids: list[str]) -> dict[str, int]:
    """Which persona published each of these posts on the account (by the platform's ids)."""
    return dict(
        Target.objects.filter(account=account, external_id__in=[i for i in external_ids if i])
        .values_list("external_id", "publication__persona_id")
        .distinct()
    )


def published_texts(workspace: Workspace, external_ids: list[str]) -> dict[str, str]:
    """What we published under these platform ids (an account's own version, else the post's)."""
    rows = Target.objects.filter(
        publication__persona__workspace=workspace, external_id__in=[i for i in external_ids if i]
    ).values_list("external_id", "text", "publication__text")
    return {external_id: own or shared for external_id, own, shared in rows}


def publication_text(publication_id: int) -> str:
    return (
        Publication.objects.filter(pk=publication_id).values_list("text", flat=True).first() or ""
    )


def reply_states(publication_ids: list[int]) -> dict[int, str]:
    """How each reply stands (its one target's state, in words), by publication id."""
    rows = Target.objects.filter(publication_id__in=publication_ids).values_list(
        "publication_id", "state", "last_error"
    )
    labels = dict(TargetState.choices)
    return {
        pid: f"{labels.get(state, state)}: {error}"
        if error and state == TargetState.DEAD
        else str(labels.get(state, state))
        for pid, state, error in rows
    }
