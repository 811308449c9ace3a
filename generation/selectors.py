from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from accounts.models import Workspace
from generation.models import Decision, DecisionKind, Lesson, RejectReason, Variation
from personas.models import Persona


def feedback_summary(persona: Persona) -> dict[str, Any]:
    """Every decision the creator made on drafts, with reasons and scores.

    Every decision the creator made (kept for good: regenerating a rejected draft does not
    erase its rejection), reasons, and how accepted and rejected drafts scored; a fixed
    number of queries whatever the number of decisions."""
    decisions = Decision.objects.filter(persona=persona)
    totals = decisions.aggregate(
        accepted=Count("id", filter=Q(kind=DecisionKind.ACCEPT)),
        rejected=Count("id", filter=Q(kind=DecisionKind.REJECT)),
        edited=Count("id", filter=Q(kind=DecisionKind.EDIT)),
        refined=Count("id", filter=Q(kind=DecisionKind.REFINE)),
        regenerated=Count("id", filter=Q(kind=DecisionKind.REGENERATE)),
        accepted_score=Avg("score", filter=Q(kind=DecisionKind.ACCEPT)),
        rejected_score=Avg("score", filter=Q(kind=DecisionKind.REJECT)),
    )
    reasons: Counter[str] = Counter()
    for row in decisions.filter(kind=DecisionKind.REJECT).values_list("reasons", flat=True):
        reasons.update(row)
    labels = dict(RejectReason.choices)
    decided_count = totals["accepted"] + totals["rejected"]
    flagged = Variation.objects.filter(generation__persona=persona, flagged_contradiction=True)
    superseded = list(
        Lesson.objects.filter(persona=persona, superseded_at__isnull=False)
        .select_related("superseded_by")
        .order_by("-superseded_at")[:20]
    )
    return {
        **totals,
        "decided": decided_count,
        "acceptance_rate": totals["accepted"] / decided_count if decided_count else None,
        "reasons": [(labels.get(k, k), n) for k, n in reasons.most_common()],
        # Near-identical drafts decided both ways, and phrases learned both ways.
        "contradictions": flagged.count()
        + Lesson.objects.filter(persona=persona, superseded_at__isnull=False).count(),
        "superseded": superseded,
        "flagged": list(flagged.select_related("generation").order_by("-decided_at")[:10]),
        "recent": list(
            decisions.select_related("variation__generation").order_by("-created_at")[:20]
        ),
        "lessons": list(
            Lesson.objects.filter(persona=persona, active=True, superseded_at=None).order_by("kind")
        ),
    }


HISTORY_PAGE = 50


def draft_history(
    workspace: Workspace,
    *,
    query: str = "",
    persona_id: int | None = None,
    status: str = "",
    page: int = 1,
) -> tuple[list[Variation], bool]:
    """One page of the workspace's drafts, newest first, searched and filtered.

    The workspace's drafts, newest first, found by words in the draft or its topic and
    filtered by persona and status; (one page, whether there is another). Two queries
    whatever the page holds."""
    drafts = Variation.objects.filter(generation__persona__workspace=workspace)
    if persona_id:
        drafts = drafts.filter(generation__persona_id=persona_id)
    if status:
        drafts = drafts.filter(status=status)
    for word in query.split()[:8]:
        drafts = drafts.filter(Q(text__icontains=word) | Q(generation__topic__icontains=word))
    start = (max(1, page) - 1) * HISTORY_PAGE
    rows = list(
        drafts.select_related("generation__persona").order_by("-generation__created_at", "rank")[
            start : start + HISTORY_PAGE + 1
        ]
    )
    return rows[:HISTORY_PAGE], len(rows) > HISTORY_PAGE


def variations_with_context() -> QuerySet[Variation]:
    """Drafts with their generation, persona, workspace and idea, for a permission-checked fetch.

    `get_object_for`."""
    return Variation.objects.select_related("generation__persona__workspace", "generation__idea")
