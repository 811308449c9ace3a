from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Avg, Count, Q

from generation.models import Lesson, RejectReason, Variation, VariationStatus
from personas.models import Persona


def feedback_summary(persona: Persona) -> dict[str, Any]:
    """Acceptance, reasons, and how accepted and rejected drafts scored; a fixed number of
    queries whatever the number of drafts."""
    decided = Variation.objects.filter(generation__persona=persona).exclude(
        status=VariationStatus.PROPOSED
    )
    totals = decided.aggregate(
        accepted=Count("id", filter=Q(status=VariationStatus.ACCEPTED)),
        rejected=Count("id", filter=Q(status=VariationStatus.REJECTED)),
        accepted_score=Avg("score", filter=Q(status=VariationStatus.ACCEPTED)),
        rejected_score=Avg("score", filter=Q(status=VariationStatus.REJECTED)),
        contradictions=Count("id", filter=Q(flagged_contradiction=True)),
    )
    reasons: Counter[str] = Counter()
    for row in decided.filter(status=VariationStatus.REJECTED).values_list(
        "reject_reasons", flat=True
    ):
        reasons.update(row)
    labels = dict(RejectReason.choices)
    decided_count = totals["accepted"] + totals["rejected"]
    return {
        **totals,
        "decided": decided_count,
        "acceptance_rate": totals["accepted"] / decided_count if decided_count else None,
        "reasons": [(labels.get(k, k), n) for k, n in reasons.most_common()],
        "flagged": list(
            decided.filter(flagged_contradiction=True)
            .select_related("generation")
            .order_by("-decided_at")[:10]
        ),
        "recent": list(decided.select_related("generation").order_by("-decided_at")[:20]),
        "lessons": list(Lesson.objects.filter(persona=persona, active=True).order_by("kind")),
    }
