"""Generation's services, one module per concern:

- `request`   asking for three drafts (validation, limits through billing, the job row)
- `context`   what drafts are written from (posts, voice, lessons, overlay, length range)
- `prompting` one draft from a model: delimited blocks, parsing, the length retry
- `scoring`   drafts scored against the voice
- `run`       the generation job: three drafts at once, scored and ranked
- `feedback`  accept / reject / edit, and the lessons they teach
- `refine`    refinement chat and regeneration as background jobs

Views, tasks and commands import the names below from `generation.services`.
"""

from generation.services.context import PROMPT_VERSION, assemble_context, lessons_for
from generation.services.feedback import (
    lesson_delete,
    variation_accept,
    variation_edit,
    variation_reject,
)
from generation.services.prompting import user_message
from generation.services.refine import (
    MAX_REFINE_MESSAGES,
    MESSAGE_MAX,
    dispatch_abandoned_rewrites,
    refine_messages_used,
    rewrite_failure_message,
    rewrite_run,
    variation_refine,
    variation_regenerate,
)
from generation.services.request import TOPIC_MAX, generation_request, generation_retry
from generation.services.run import dispatch_abandoned_generations, generation_run

# Drafts under this read clearly more like other people's posts than the creator's (50 is the
# line between the two, `voice.scoring`): they get a "low voice match" notice.
LOW_MATCH = 40

__all__ = [
    "LOW_MATCH",
    "MAX_REFINE_MESSAGES",
    "MESSAGE_MAX",
    "PROMPT_VERSION",
    "TOPIC_MAX",
    "assemble_context",
    "dispatch_abandoned_generations",
    "dispatch_abandoned_rewrites",
    "generation_request",
    "generation_retry",
    "generation_run",
    "lesson_delete",
    "lessons_for",
    "refine_messages_used",
    "rewrite_failure_message",
    "rewrite_run",
    "user_message",
    "variation_accept",
    "variation_edit",
    "variation_refine",
    "variation_regenerate",
    "variation_reject",
]
