from __future__ import annotations

from datetime import UTC, datetime, time

import factory
from django.core.files.base import ContentFile

from accounts.models import Invitation, Membership, Role, User, Workspace
from api.models import ApiToken
from calendar_app.models import PlannedPost, PostingSlot
from composer.models import BulkUpload, ComposerDraft, DraftImage, Repurpose
from core.crypto import encrypt
from core.models import JobStatus
from generation.models import Generation, Lesson, Rewrite, Variation
from inbox.models import InboxItem
from llm.models import ModelConnection
from notifications.models import Event, EventDelivery, EventType, Notification, WebhookEndpoint
from personas.models import Persona
from personas.services import persona_posts_changed
from pillars.models import Pillar, PillarDiscovery, PostPillar, Topic, VoiceNote
from posts.models import ImportBatch, Post
from posts.rules import text_hash
from publishing.models import Account as PublishingAccount
from publishing.models import Publication, PublicationImage, Target
from trends.models import PersonaTrend, Stance, TrendItem, TrendSource
from voice.models import Overlay, VoiceAnalysis, VoiceProfile

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def personal_workspace(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()
            workspace = Workspace.objects.create(
                name=f"{self.get_short_name()}'s workspace", is_personal=True, created_by=self
            )
            Membership.objects.create(workspace=workspace, user=self, role=Role.OWNER)


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Workspace {n}")
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def owner(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and self.created_by is not None:
            Membership.objects.get_or_create(
                workspace=self, user=self.created_by, defaults={"role": Role.OWNER}
            )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.EDITOR


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    workspace = factory.SubFactory(WorkspaceFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.EDITOR
    invited_by = factory.SelfAttribute("workspace.created_by")


class PersonaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Persona

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"LinkedIn – voice {n}")
    platform = "linkedin"
    language = "en"
    timezone = "Europe/Lisbon"


class PersonaOwnedFactory(factory.django.DjangoModelFactory):
    """Accepts workspace=… (as the tenancy walker passes it) and makes a persona there."""

    class Meta:
        abstract = True

    @classmethod
    def _adjust_kwargs(cls, **kwargs: object) -> dict[str, object]:
        workspace = kwargs.pop("workspace", None)
        if workspace is not None and "persona" not in kwargs:
            kwargs["persona"] = PersonaFactory(workspace=workspace)
        return kwargs


class PostFactory(PersonaOwnedFactory):
    class Meta:
        model = Post

    persona = factory.SubFactory(PersonaFactory)
    text = factory.Sequence(
        lambda n: f"Post number {n}: what ten years of building products taught me about focus."
    )
    text_hash = factory.LazyAttribute(lambda o: text_hash(o.text))
    content_type = "short"
    posted_at = factory.Faker("date_time_this_year", tzinfo=UTC)
    likes = factory.Sequence(lambda n: (n * 37) % 500)

    @classmethod
    def _after_postgeneration(cls, instance: Post, create: bool, results: object = None) -> None:
        # As every write through posts.services does: pages' cached counts are out of date.
        if create:
            persona_posts_changed(instance.persona_id)


class ImportBatchFactory(PersonaOwnedFactory):
    class Meta:
        model = ImportBatch

    persona = factory.SubFactory(PersonaFactory)
    format = "paste"


def _analysed_profile() -> dict:
    from home.demo_posts import DEMO_POSTS
    from voice.analysis import WeightedPost, analyse

    return analyse([WeightedPost(text) for text, *_ in DEMO_POSTS])


class VoiceProfileFactory(PersonaOwnedFactory):
    class Meta:
        model = VoiceProfile

    persona = factory.SubFactory(PersonaFactory)
    version = factory.Sequence(lambda n: n + 1)
    raw = factory.LazyFunction(_analysed_profile)
    profile = factory.LazyAttribute(lambda o: o.raw)
    tone = factory.LazyAttribute(lambda o: list(o.raw["tone"].values()))
    summary = factory.LazyAttribute(lambda o: o.raw["summary"])
    post_count = 12
    origin = "analysis of 12 posts"


class VoiceAnalysisFactory(PersonaOwnedFactory):
    class Meta:
        model = VoiceAnalysis

    persona = factory.SubFactory(PersonaFactory)


class OverlayFactory(PersonaOwnedFactory):
    class Meta:
        model = Overlay

    persona = factory.SubFactory(PersonaFactory)
    name = factory.Sequence(lambda n: f"Overlay {n}")


class GenerationFactory(PersonaOwnedFactory):
    class Meta:
        model = Generation

    persona = factory.SubFactory(PersonaFactory)
    topic = "pricing for small teams"
    status = JobStatus.DONE
    context = factory.LazyFunction(lambda: {"length": [40, 280, 500]})


class VariationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variation

    generation = factory.SubFactory(GenerationFactory)
    angle = "story"
    rank = 1
    text = "Pricing for small teams is a story about trust, not about discounts."
    original_text = factory.LazyAttribute(lambda o: o.text)
    score = 72
    provider = "offline"
    model = "offline-writer-1"

    @classmethod
    def _adjust_kwargs(cls, **kwargs: object) -> dict[str, object]:
        workspace = kwargs.pop("workspace", None)
        if workspace is not None and "generation" not in kwargs:
            kwargs["generation"] = GenerationFactory(workspace=workspace)
        return kwargs


# The tenancy walker finds the factory for each model a URL names (e.g. persona_id → Persona).
class LessonFactory(PersonaOwnedFactory):
    class Meta:
        model = Lesson

    persona = factory.SubFactory(PersonaFactory)
    kind = "avoid"
    value = "Here's what"


class RewriteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rewrite

    variation = factory.SubFactory(VariationFactory)
    kind = "refine"
    message = "make it shorter"

    @classmethod
    def _adjust_kwargs(cls, **kwargs: object) -> dict[str, object]:
        workspace = kwargs.pop("workspace", None)
        if workspace is not None and "variation" not in kwargs:
            kwargs["variation"] = VariationFactory(workspace=workspace)
        return kwargs


class PublishingAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublishingAccount

    workspace = factory.SubFactory(WorkspaceFactory)
    platform = "sandbox"
    name = factory.Sequence(lambda n: f"Practice timeline {n}")


class PublicationFactory(PersonaOwnedFactory):
    class Meta:
        model = Publication

    persona = factory.SubFactory(PersonaFactory)
    text = "Raising prices is a promise to your best customers."
    scheduled_at = factory.LazyFunction(lambda: datetime.now(UTC))


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    publication = factory.SubFactory(PublicationFactory)
    account = factory.LazyAttribute(
        lambda o: PublishingAccountFactory(workspace=o.publication.persona.workspace)
    )
    due_at = factory.LazyFunction(lambda: datetime.now(UTC))
    state = "dead"

    @classmethod
    def _adjust_kwargs(cls, **kwargs: object) -> dict[str, object]:
        workspace = kwargs.pop("workspace", None)
        if workspace is not None and "publication" not in kwargs:
            kwargs["publication"] = PublicationFactory(workspace=workspace)
        return kwargs


class PostingSlotFactory(PersonaOwnedFactory):
    class Meta:
        model = PostingSlot

    persona = factory.SubFactory(PersonaFactory)
    weekday = 1
    time = time(9, 0)


def png_bytes(width: int = 40, height: int = 30, *, noise: bool = False) -> bytes:
    """A real PNG (noise makes it as large as a photo of that size)."""
    import io
    import os as _os

    from PIL import Image

    if noise:
        image = Image.frombytes("RGB", (width, height), _os.urandom(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (200, 80, 40))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class ImageFactory(factory.django.DjangoModelFactory):
    """A real 40 × 30 PNG, as checked images are stored (a post's, a composer draft's)."""

    class Meta:
        abstract = True

    file = factory.LazyFunction(lambda: ContentFile(png_bytes(), name="chart.png"))
    alt_text = "A chart going up"
    content_type = "image/png"
    size = 100
    width = 40
    height = 30


class PublicationImageFactory(ImageFactory):
    class Meta:
        model = PublicationImage

    publication = factory.SubFactory(PublicationFactory)

    @classmethod
    def _adjust_kwargs(cls, **kwargs: object) -> dict[str, object]:
        if (workspace := kwargs.pop("workspace", None)) is not None:
            kwargs["publication"] = PublicationFactory(persona__workspace=workspace)
        return kwargs


class ModelConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelConnection

    workspace = factory.SubFactory(WorkspaceFactory)
    kind = "compatible"
    model = "llama3.1"
    base_url = "http://127.0.0.1:9/v1"


class PillarFactory(PersonaOwnedFactory):
    class Meta:
        model = Pillar

    persona = factory.SubFactory(PersonaFactory)
    name = factory.Sequence(lambda n: f"Pillar {n}")


class PillarDiscoveryFactory(PersonaOwnedFactory):
    class Meta:
        model = PillarDiscovery

    persona = factory.SubFactory(PersonaFactory)
    status = "done"


class PostPillarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostPillar

    post = factory.SubFactory(PostFactory)
    persona = factory.SelfAttribute("post.persona")
    pillar = factory.SubFactory(PillarFactory, persona=factory.SelfAttribute("..post.persona"))

    @classmethod
    def _adjust_kwargs(cls, **kwargs: object) -> dict[str, object]:
        workspace = kwargs.pop("workspace", None)
        if workspace is not None:
            kwargs["post"] = PostFactory(persona__workspace=workspace)
        return kwargs


class TopicFactory(PersonaOwnedFactory):
    class Meta:
        model = Topic

    persona = factory.SubFactory(PersonaFactory)
    title = factory.Sequence(lambda n: f"Idea {n}: why small teams ship faster")


class VoiceNoteFactory(PersonaOwnedFactory):
    """A transcribed note with its audio (a short WAV of silence)."""

    class Meta:
        model = VoiceNote

    persona = factory.SubFactory(PersonaFactory)
    language = "en"
    status = "done"
    transcript = "Why small teams ship faster than big ones."
    filename = "note.wav"
    seconds = 1.0
    audio = factory.django.FileField(filename="note.wav", data=b"RIFF")


class InboxItemFactory(factory.django.DjangoModelFactory):
    """A mention that arrived on one of the workspace's accounts."""

    class Meta:
        model = InboxItem

    workspace = factory.SubFactory(WorkspaceFactory)
    account = factory.LazyAttribute(
        lambda o: PublishingAccountFactory(
            workspace=o.workspace, platform="mastodon", name="@creator@example.social"
        )
    )
    platform_id = factory.Sequence(lambda n: f"status-{n}")
    kind = "mention"
    author_handle = "@ana@fosstodon.org"
    text = "How did your customers take the new prices?"
    received_at = factory.LazyFunction(lambda: datetime.now(UTC))


class TrendSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrendSource

    workspace = factory.SubFactory(WorkspaceFactory)
    kind = "feed"
    name = factory.Sequence(lambda n: f"Feed {n}")
    url = factory.Sequence(lambda n: f"http://127.0.0.1:9/feed{n}.xml")


class TrendItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrendItem

    workspace = factory.SubFactory(WorkspaceFactory)
    canonical_url = factory.Sequence(lambda n: f"https://news.example.com/story-{n}")
    title = factory.Sequence(lambda n: f"Story {n}: pricing pages that convert")
    first_seen_at = factory.LazyFunction(lambda: datetime.now(UTC))
    last_seen_at = factory.LazyFunction(lambda: datetime.now(UTC))


class PersonaTrendFactory(PersonaOwnedFactory):
    class Meta:
        model = PersonaTrend

    persona = factory.SubFactory(PersonaFactory)
    item = factory.SubFactory(
        TrendItemFactory, workspace=factory.SelfAttribute("..persona.workspace")
    )
    relevance = 70
    scored_at = factory.LazyFunction(lambda: datetime.now(UTC))


class StanceFactory(PersonaOwnedFactory):
    class Meta:
        model = Stance

    persona = factory.SubFactory(PersonaFactory)
    kind = "disagree"
    text = "growth hacks"


class PlannedPostFactory(PersonaOwnedFactory):
    class Meta:
        model = PlannedPost

    persona = factory.SubFactory(PersonaFactory)
    scheduled_at = factory.LazyFunction(lambda: datetime.now(UTC))
    title = "Why we raised prices"
    reasoning = "Keeps the mix."


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SelfAttribute("workspace.created_by")
    kind = "approved"
    title = "Your post was approved: it is scheduled"
    url = "/publishing/"


class ComposerDraftFactory(PersonaOwnedFactory):
    class Meta:
        model = ComposerDraft

    persona = factory.SubFactory(PersonaFactory)
    data = factory.LazyFunction(lambda: {"text": "Half a thought about pricing", "accounts": []})


class DraftImageFactory(ImageFactory):
    class Meta:
        model = DraftImage

    draft = factory.SubFactory(ComposerDraftFactory)

    @classmethod
    def _adjust_kwargs(cls, **kwargs: object) -> dict[str, object]:
        if (workspace := kwargs.pop("workspace", None)) is not None:
            kwargs["draft"] = ComposerDraftFactory(persona__workspace=workspace)
        return kwargs


class RepurposeFactory(PersonaOwnedFactory):
    class Meta:
        model = Repurpose

    persona = factory.SubFactory(PersonaFactory)
    source_text = "Raising prices is a promise to your best customers."
    status = "done"


class BulkUploadFactory(PersonaOwnedFactory):
    class Meta:
        model = BulkUpload

    persona = factory.SubFactory(PersonaFactory)
    filename = "posts.csv"


class ApiTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiToken

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.LazyAttribute(lambda o: o.workspace.memberships.first().user)
    name = "automation"
    lookup = factory.Sequence(lambda n: f"lookup{n:06d}")
    digest = factory.Sequence(lambda n: f"{n:064x}")
    scopes = factory.LazyFunction(lambda: ["read", "write", "publish"])


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    workspace = factory.SubFactory(WorkspaceFactory)
    url = factory.Sequence(lambda n: f"https://hooks.example.com/{n}")
    events = factory.LazyFunction(lambda: list(EventType.values))
    secret_encrypted = factory.LazyFunction(lambda: encrypt("whsec_test"))


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    workspace = factory.SubFactory(WorkspaceFactory)
    type = EventType.IDEA_ADDED
    data = factory.LazyFunction(lambda: {"idea": 1})


class EventDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventDelivery

    endpoint = factory.SubFactory(WebhookEndpointFactory)
    event = factory.LazyAttribute(lambda o: EventFactory(workspace=o.endpoint.workspace))

    @classmethod
    def _adjust_kwargs(cls, **kwargs: object) -> dict[str, object]:
        workspace = kwargs.pop("workspace", None)
        if workspace is not None and "endpoint" not in kwargs:
            kwargs["endpoint"] = WebhookEndpointFactory(workspace=workspace)
        return kwargs


FACTORIES_BY_MODEL: dict[type, type[factory.django.DjangoModelFactory]] = {
    User: UserFactory,
    Workspace: WorkspaceFactory,
    Membership: MembershipFactory,
    Invitation: InvitationFactory,
    Persona: PersonaFactory,
    Post: PostFactory,
    ImportBatch: ImportBatchFactory,
    VoiceProfile: VoiceProfileFactory,
    VoiceAnalysis: VoiceAnalysisFactory,
    Overlay: OverlayFactory,
    Generation: GenerationFactory,
    Variation: VariationFactory,
    Rewrite: RewriteFactory,
    Lesson: LessonFactory,
    PublishingAccount: PublishingAccountFactory,
    Publication: PublicationFactory,
    Target: TargetFactory,
    PostingSlot: PostingSlotFactory,
    PublicationImage: PublicationImageFactory,
    ModelConnection: ModelConnectionFactory,
    Pillar: PillarFactory,
    PillarDiscovery: PillarDiscoveryFactory,
    PostPillar: PostPillarFactory,
    Topic: TopicFactory,
    VoiceNote: VoiceNoteFactory,
    InboxItem: InboxItemFactory,
    TrendSource: TrendSourceFactory,
    TrendItem: TrendItemFactory,
    PersonaTrend: PersonaTrendFactory,
    Stance: StanceFactory,
    PlannedPost: PlannedPostFactory,
    Notification: NotificationFactory,
    ComposerDraft: ComposerDraftFactory,
    DraftImage: DraftImageFactory,
    Repurpose: RepurposeFactory,
    BulkUpload: BulkUploadFactory,
    ApiToken: ApiTokenFactory,
    WebhookEndpoint: WebhookEndpointFactory,
    Event: EventFactory,
    EventDelivery: EventDeliveryFactory,
}
