"""Images on posts.

Checked with Pillow against each platform's rules before anything is scheduled (the message beside
the field), then uploaded the way each platform takes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from publishing import services
from publishing.adapters.bluesky import _tokens
from publishing.media import check_upload
from publishing.models import Account, Publication, SandboxPost
from tests.factories import PersonaFactory, VariationFactory, png_bytes
from tests.fakes.bluesky_server import DID, FakeBluesky
from tests.fakes.linkedin_server import FakeLinkedIn
from tests.fakes.mastodon_server import running_fake_mastodon
from tests.fakes.threads_server import FakeThreads
from tests.fakes.webhook_receiver import FakeWebhookReceiver
from tests.fakes.x_server import FakeX
from tests.publishing.flows import connect_oauth, run_sweep

pytestmark = pytest.mark.django_db
LISBON = ZoneInfo("Europe/Lisbon")


def _png(name="chart.png", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(**kwargs), content_type="image/png")


@pytest.fixture
def draft(workspace):
    persona = PersonaFactory(workspace=workspace, timezone="Europe/Lisbon")
    return VariationFactory(generation__persona=persona, status="accepted")


def _form(account, text="With a chart.", **extra):
    when = (datetime.now(UTC) + timedelta(hours=1)).astimezone(LISBON)
    return {"text": text, "when": when.strftime("%Y-%m-%dT%H:%M"), "accounts": [account.pk]} | extra


def test_each_platforms_image_rules_are_said_beside_the_field(owner_client, draft):
    workspace = draft.generation.persona.workspace
    bluesky = Account.objects.create(workspace=workspace, platform="bluesky", name="@me.bsky")
    x = Account.objects.create(workspace=workspace, platform="x", name="@me")
    url = reverse("publishing_schedule", args=[draft.pk])

    big = owner_client.post(
        url, _form(bluesky, images=[_png("big.png", width=700, height=700, noise=True)])
    )
    page = big.content.decode()
    assert big.status_code == 422 and "Bluesky takes images up to 1.0 MB; big.png is 1.5 MB" in page
    assert "With a chart." in page  # what was typed is kept

    five = owner_client.post(url, _form(x, images=[_png(f"{n}.png") for n in range(5)]))
    assert "X takes 4 images per post; this one has 5" in five.content.decode()

    fake = SimpleUploadedFile("photo.png", b"this is not a picture", content_type="image/png")
    refused = owner_client.post(url, _form(x, images=[fake]))
    assert "photo.png is not an image we can read" in refused.content.decode()
    assert not Publication.objects.exists()


def test_the_real_format_counts_not_the_name(workspace):
    disguised = SimpleUploadedFile("photo.jpg", png_bytes(), content_type="image/jpeg")
    assert check_upload(disguised).content_type == "image/png"
    bluesky = Account(workspace=workspace, platform="threads", name="@me")
    from publishing.media import platform_image_problems

    gif = SimpleUploadedFile("anim.gif", _gif(), content_type="image/gif")
    assert (
        "Threads takes JPEG, PNG images; anim.gif is image/gif"
        in platform_image_problems(bluesky, [check_upload(gif)])[0]
    )


def _gif() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, format="GIF")
    return out.getvalue()


def _schedule_with_images(persona, account, count=2):
    images = [check_upload(_png(f"img{n}.png")) for n in range(count)]
    return services.publication_schedule(
        persona=persona,
        role="owner",
        user=None,
        text="Numbers, with pictures.",
        scheduled_at=timezone.now() - timedelta(seconds=1),
        accounts=[account],
        images=images,
        alt_texts=[f"Chart {n}" for n in range(count)],
    ).targets.get()


def test_images_reach_mastodon_and_bluesky_with_their_descriptions(workspace):
    persona = PersonaFactory(workspace=workspace)
    with running_fake_mastodon() as mastodon, FakeBluesky() as bluesky:
        m = services.account_connect(
            workspace=workspace,
            role="owner",
            platform="mastodon",
            name="m",
            base_url=mastodon.base_url,
            access_token="token-1",
        )
        b = services.account_connect(
            workspace=workspace,
            role="owner",
            platform="bluesky",
            name="@b",
            base_url=bluesky.base_url,
            tokens=_tokens(bluesky._session()),
            external_user_id=DID,
        )
        _schedule_with_images(persona, m)
        _schedule_with_images(persona, b)
        assert run_sweep() == ["published", "published"]
        [status] = mastodon.statuses
        assert [a["description"] for a in status["media_attachments"]] == ["Chart 0", "Chart 1"]
        [record] = bluesky.records.values()
        embedded = record["embed"]["images"]
        assert [i["alt"] for i in embedded] == ["Chart 0", "Chart 1"]
        assert embedded[0]["aspectRatio"] == {"width": 40, "height": 30}
        assert all(i["image"]["ref"]["$link"] in bluesky.blobs for i in embedded)


def test_images_reach_x_and_linkedin(client_owner_x_linkedin):
    client, persona, x, linkedin = client_owner_x_linkedin
    connect_oauth(client, "x")
    connect_oauth(client, "linkedin")
    for account in Account.objects.all():
        _schedule_with_images(persona, account)
    assert sorted(run_sweep()) == ["published", "published"]
    [tweet] = x.tweets
    assert [x.media[m]["alt"] for m in tweet["media_ids"]] == ["Chart 0", "Chart 1"]
    [post] = linkedin.posts
    images = post["content"]["multiImage"]["images"]
    assert [i["altText"] for i in images] == ["Chart 0", "Chart 1"]
    assert all(linkedin.images[i["id"]] for i in images)  # the bytes were uploaded


@pytest.fixture
def client_owner_x_linkedin(owner, workspace, settings):
    from tests.helpers import client_for

    with FakeX() as x, FakeLinkedIn() as linkedin:
        settings.X_CLIENT_ID, settings.X_CLIENT_SECRET = "client-1", "secret-1"
        settings.X_AUTHORIZE_URL = f"{x.base_url}/i/oauth2/authorize"
        settings.X_API_URL = x.base_url
        settings.LINKEDIN_CLIENT_ID, settings.LINKEDIN_CLIENT_SECRET = "client-1", "secret-1"
        settings.LINKEDIN_AUTH_URL = settings.LINKEDIN_API_URL = linkedin.base_url
        yield client_for(owner, workspace), PersonaFactory(workspace=workspace), x, linkedin


def test_threads_fetches_a_carousel_by_signed_links(owner_client, workspace, settings):
    persona = PersonaFactory(workspace=workspace)
    with FakeThreads() as threads:
        settings.THREADS_APP_ID, settings.THREADS_APP_SECRET = "client-1", "secret-1"
        settings.THREADS_AUTHORIZE_URL = f"{threads.base_url}/oauth/authorize"
        settings.THREADS_API_URL = threads.base_url
        connect_oauth(owner_client, "threads")
        target = _schedule_with_images(persona, Account.objects.get())
        assert run_sweep() == ["published"]
    carousel = threads.containers[target.__class__.objects.get(pk=target.pk).platform_ref]
    assert carousel["media_type"] == "CAROUSEL" and len(carousel["children"]) == 2
    link = threads.containers[carousel["children"][0]]["image_url"]
    assert link.startswith(settings.SITE_URL)
    from django.test import Client

    anonymous = Client()  # Threads' servers are not signed in
    path = link.removeprefix(settings.SITE_URL)
    image = anonymous.get(path)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content).startswith(b"\x89PNG")
    assert anonymous.get(path[:-3] + "xyz/").status_code == 404  # a tampered link


def test_webhook_and_practice_timeline_carry_the_images(owner_client, workspace):
    persona = PersonaFactory(workspace=workspace)
    with FakeWebhookReceiver() as receiver:
        hook = services.account_connect(
            workspace=workspace,
            role="owner",
            platform="webhook",
            name="hook",
            base_url=receiver.url,
            access_token="s3cret",
        )
        receiver.secret = "s3cret"
        sandbox = services.account_connect(
            workspace=workspace, role="owner", platform="sandbox", name="Practice"
        )
        _schedule_with_images(persona, hook)
        _schedule_with_images(persona, sandbox, count=1)
        assert sorted(run_sweep()) == ["published", "published"]
    assert [i["alt"] for i in receiver.acted_on[0]["images"]] == ["Chart 0", "Chart 1"]
    post = SandboxPost.objects.get()
    page = owner_client.get(reverse("sandbox_timeline", args=[sandbox.pk])).content.decode()
    assert reverse("publication_image", args=[post.images[0]["id"]]) in page
    assert 'alt="Chart 0"' in page


def test_removing_an_image_before_it_goes_out_makes_it_a_new_post(workspace):
    persona = PersonaFactory(workspace=workspace)
    sandbox = services.account_connect(
        workspace=workspace, role="owner", platform="sandbox", name="Practice"
    )
    target = _schedule_with_images(persona, sandbox)
    publication, key = target.publication, target.idempotency_key
    first = publication.images.first()
    services.publication_edit(
        publication=publication, role="owner", user=None, remove_image_ids=[first.pk]
    )
    target.refresh_from_db()
    assert publication.images.count() == 1 and target.idempotency_key != key
    assert "images" in publication.events.last().detail
