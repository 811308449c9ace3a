from __future__ import annotations

from accounts.models import User, Workspace
from llm.models import Outcome, UsageRecord
from llm.registry import Attempt
from personas.models import Persona


def usage_record(
    *,
    attempts: list[Attempt],
    workspace: Workspace,
    persona: Persona | None,
    user: User | None,
    purpose: str,
) -> None:
    UsageRecord.objects.bulk_create(
        UsageRecord(
            workspace=workspace,
            persona=persona,
            user=user,
            purpose=purpose,
            provider=attempt.provider,
            model=attempt.model,
            input_tokens=attempt.result.input_tokens if attempt.result else 0,
            output_tokens=attempt.result.output_tokens if attempt.result else 0,
            cost_micros=attempt.result.cost_micros if attempt.result else 0,
            latency_ms=attempt.latency_ms,
            outcome=Outcome.OK if attempt.result else Outcome.ERROR,
            error_kind=attempt.error.kind if attempt.error else "",
            error=str(attempt.error)[:300] if attempt.error else "",
        )
        for attempt in attempts
    )
