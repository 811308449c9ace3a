"""A post being written in the composer.

Everything typed, saved as it is typed (a reload, Back or a closed tab loses nothing), until it is
scheduled or discarded."""

from __future__ import annotations

from django.db import models

from core.models import Job, JobStatus, TimeStampedModel
from personas.models import Persona


class DraftStatus(models.TextChoices):
    OPEN = "open", "Being written"
    SCHEDULED = "scheduled", "Scheduled"
    DISCARDED = "discarded", "Discarded"


class Repurpose(Job):
    """One post made into versions for other accounts, personas and audiences.

    A background job (a model can take many seconds per version) whose versions are composer drafts.
    """

    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="+")
    source_text = models.TextField()
    # [{"persona": id, "account": id, "audience": ""}], in the order the versions are made.
    targets = models.JSONField(default=list)
    uses_model = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{len(self.targets)} versions of “{self.source_text[:30]}” ({self.status})"


class ComposerDraft(TimeStampedModel):
    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=DraftStatus.choices, default="open")
    # What the form holds: text, first comment, accounts, per-account versions and comments,
    # numbering, when. Kept as the creator left it (composer.services.FIELDS).
    data = models.JSONField(default=dict, blank=True)
    # Where it came from: a draft on the Write page, an idea, a slot of the plan.
    variation = models.ForeignKey(
        "generation.Variation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    idea = models.ForeignKey(
        "pillars.Topic", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    planned = models.ForeignKey(
        "calendar_app.PlannedPost",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    publication = models.ForeignKey(
        "publishing.Publication",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A version made by repurposing: for whom, how it was made, and its score when made.
    repurpose = models.ForeignKey(
        Repurpose, on_delete=models.SET_NULL, null=True, blank=True, related_name="versions"
    )
    audience = models.CharField(max_length=100, blank=True)
    version_note = models.CharField(max_length=300, blank=True)
    version_score = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_by", "status", "-updated_at"], name="draft_open")]

    def __str__(self) -> str:
        return (self.data.get("text") or "(empty)")[:40]


class DraftImage(models.Model):
    """An image added in the composer, checked when added; it becomes the post's on schedule."""

    workspace_path = "draft__persona__workspace"

    draft = models.ForeignKey(ComposerDraft, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(upload_to="drafts/%Y/%m/")
    alt_text = models.CharField(max_length=1000, blank=True)
    part = models.PositiveSmallIntegerField(default=0)
    content_type = models.CharField(max_length=30)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        ordering = ["part", "id"]

    def __str__(self) -> str:
        return self.file.name


class BulkUpload(Job):
    """A CSV of posts to schedule.

    Read and checked row by row when uploaded (the preview), then its good rows scheduled by a
    background job (image URLs are fetched then)."""

    workspace_path = "persona__workspace"

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filename = models.CharField(max_length=200)
    notes = models.JSONField(default=list, blank=True)  # about the file as a whole
    # preview → queued → running → done (or failed)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PREVIEW)

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"


class BulkRow(models.Model):
    """One data row of a bulk CSV, as read and checked.

    `publication` once scheduled (set in the same transaction, so a row is scheduled once),
    `failure` when scheduling it failed."""

    workspace_path = "upload__persona__workspace"

    upload = models.ForeignKey(BulkUpload, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField()  # the data row's number (the header is row 0)
    text = models.TextField(blank=True)
    first_comment = models.TextField(blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    typed_time = models.CharField(max_length=100, blank=True)
    account_ids = models.JSONField(default=list)
    typed_accounts = models.CharField(max_length=500, blank=True)
    image_urls = models.JSONField(default=list)
    problems = models.JSONField(default=list)
    publication = models.ForeignKey(
        "publishing.Publication", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    failure = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["line"]
        constraints = [models.UniqueConstraint(fields=["upload", "line"], name="bulk_row_once")]

    def __str__(self) -> str:
        return f"row {self.line}"
