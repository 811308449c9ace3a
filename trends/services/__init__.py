"""Trends' services, one module per concern:

- `scan`      the beat's claim of due sources, the scan job (fetch → fold → score) and the
              backlog job that embeds what no persona shortlisted
- `folding`   items into the workspace's items: one per URL, near-duplicates as mentions,
              velocity
- `scoring`   each persona's ranking: lexical shortlist, fit × freshness × velocity, the why
- `conflicts` items that run against a stated position (model or offline)
- `drafting`  feeds to drafts: a source's new items as ideas with drafts for a persona
- `actions`   the creator's writes: sources, dismissing, an idea from a trend, stances

Views, tasks and other apps import the names below from `trends.services`.
"""

from trends.services.actions import (
    source_delete,
    source_save,
    stance_add,
    stance_delete,
    trend_dismiss,
    trend_make_topic,
)
from trends.services.conflicts import positions_of
from trends.services.scan import (
    EMBED_BACKLOG,
    SCAN_WORKSPACE,
    ScanReport,
    embed_backlog,
    items_lock,
    scan_due_sources,
    scan_now,
    workspace_scan,
)
from trends.services.scoring import score_workspace

__all__ = [
    "EMBED_BACKLOG",
    "SCAN_WORKSPACE",
    "ScanReport",
    "embed_backlog",
    "items_lock",
    "positions_of",
    "scan_due_sources",
    "scan_now",
    "score_workspace",
    "source_delete",
    "source_save",
    "stance_add",
    "stance_delete",
    "trend_dismiss",
    "trend_make_topic",
    "workspace_scan",
]
