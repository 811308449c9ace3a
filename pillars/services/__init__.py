"""Pillars' services, one module per concern:

- `common`      task names, measuring posts against pillars (the reference posts short texts
                are measured against come from `voice.reference`)
- `discovering` the discovery job: clusters, names (model or offline), identity kept across
                rediscovery; the beat's sweep
- `placing`     every new post assigned; the first discovery unasked; a gone pillar's posts
- `editing`     rename, target share, merge, split, delete
- `ideas`       the ideas inbox: add, paste, status, pillar, scoring with hook angles
- `notes`       voice notes: upload, transcription job, ideas from the transcript, retention

Views, tasks and other apps import the names below from `pillars.services`.
"""

from pillars.services.common import MIN_POSTS, latest_centre
from pillars.services.discovering import discovery_request, discovery_run, sweep
from pillars.services.editing import pillar_delete, pillar_merge, pillar_split, pillar_update
from pillars.services.ideas import (
    MAX_PASTED,
    topic_add,
    topic_drafted,
    topic_set_pillar,
    topic_set_published,
    topic_set_status,
    topics_classify,
    topics_paste,
)
from pillars.services.notes import (
    voice_note_add,
    voice_note_delete,
    voice_note_make_ideas,
    voice_note_retry,
    voice_note_transcribe,
    voice_notes_sweep,
)
from pillars.services.placing import assign_later, posts_assign
from voice.reference import reference_lexical, reference_texts, reference_vectors

__all__ = [
    "MAX_PASTED",
    "MIN_POSTS",
    "assign_later",
    "discovery_request",
    "discovery_run",
    "latest_centre",
    "pillar_delete",
    "pillar_merge",
    "pillar_split",
    "pillar_update",
    "posts_assign",
    "reference_lexical",
    "reference_texts",
    "reference_vectors",
    "sweep",
    "topic_add",
    "topic_drafted",
    "topic_set_pillar",
    "topic_set_published",
    "topic_set_status",
    "topics_classify",
    "topics_paste",
    "voice_note_add",
    "voice_note_delete",
    "voice_note_make_ideas",
    "voice_note_retry",
    "voice_note_transcribe",
    "voice_notes_sweep",
]
