"""The composer's pages (`compose`: writing one post; `more`: repurposing and bulk CSV)."""

from composer.views.compose import (
    compose,
    compose_deep,
    compose_live,
    compose_new,
    drafts,
    form_data,
    image_add,
    image_file,
    image_remove,
)
from composer.views.more import (
    bulk_preview,
    bulk_problems,
    bulk_progress,
    bulk_schedule,
    bulk_template,
    bulk_upload,
    repurpose,
    repurpose_progress,
    repurpose_versions,
)

__all__ = [
    "bulk_preview",
    "bulk_problems",
    "bulk_progress",
    "bulk_schedule",
    "bulk_template",
    "bulk_upload",
    "compose",
    "compose_deep",
    "compose_live",
    "compose_new",
    "drafts",
    "form_data",
    "image_add",
    "image_file",
    "image_remove",
    "repurpose",
    "repurpose_progress",
    "repurpose_versions",
]
