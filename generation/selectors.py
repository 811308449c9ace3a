from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Avg, Count, Q

from generation.models import Decision, DecisionKind, Lesson, RejectReason, Variation
from personas.models import Persona


def feedback_summary(persona: Persona) -> dict[str, Any]:
    """Every decision the creator made (kept for good: regenerating a rejected draft does not
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
    return {
        **totals,
        "decided": decided_count,
        "acceptance_rate": totals["accepted"] / decided_count if decided_count else None,
        "reasons": [(labels.get(k, k), n) for k, n in reasons.most_common()],
        "contradictions": flagged.count(),
        "flagged": list(flagged.select_related("generation").order_by("-decided_at")[:10]),
        "recent": list(
            decisions.select_related("variation__generation").order_by("-created_at")[:20]
        ),
        "lessons": list(Lesson.objects.filter(persona=persona, active=True).order_by("kind")),
    }
