"""The composer as a creator uses it.

Write a post by hand, see it read against each chosen platform's rules and the creator's own voice
at every pause, and schedule it — now, into the next free slot, or at a time — with nothing typed
ever lost."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from composer.models import ComposerDraft, DraftStatus
from core.models import JobStatus
from home.demo_posts import DEMO_POSTS
from publishing.models import Publication, SandboxPost
from tests.factories import (
    GenerationFactory,
    LessonFactory,
    PersonaFactory,
    PlannedPostFactory,
    PostingSlotFactory,
    PublishingAccountFactory,
    VariationFactory,
    png_bytes,
)
from tests.helpers import client_for
from tests.publishing.flows import run_sweep

pytestmark = pytest.mark.django_db

OWN_STYLE = (
    "I raised prices twice last year.\n\nBoth times I expected churn. Both times the customers"
    " who stayed told us they trusted us more.\n\nWould you have done it?"
)


@pytest.fixture
def persona_with_voice():
    return True


@pytest.fixture
def persona_timezone():
    return "America/Phoenix"


@pytest.fixture
def practice(workspace):
    return PublishingAccountFactory(workspace=workspace, platform="sandbox", name="Practice")


@pytest.fixture
def bluesky(workspace):
    return PublishingAccountFactory(workspace=workspace, platform="bluesky", name="@me.bsky")


@pytest.fixture
def linkedin(workspace):
    return PublishingAccountFactory(workspace=workspace, platform="linkedin", name="Me at work")


def _open(client) -> ComposerDraft:
    response = client.get(reverse("compose_new"))
    assert response.status_code == 302
    return ComposerDraft.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def _form(text="", accounts=(), **extra):
    return {"text": text, "accounts": [a.pk for a in accounts], "comment": "", **extra}


def test_new_post_opens_a_draft_and_an_untouched_one_is_reused(owner, workspace, persona):
    client = client_for(owner, workspace)
    first = _open(client)
    assert _open(client) == first  # following "New post" twice makes no second empty draft
    page = client.get(reverse("compose", args=[first.pk]))
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert "America/Phoenix" in page.content.decode()  # the zone is named next to the time


def test_the_new_post_link_and_its_shortcut_are_on_every_page(owner_client, persona):
    page = owner_client.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("compose_new")}" data-shortcut="n"' in page


def test_typing_saves_and_the_live_panel_counts_by_each_platform(
    owner, workspace, persona, bluesky, linkedin
):
    client = client_for(owner, workspace)
    draft = _open(client)
    text = "Prices went up. Nobody left.\n\nRead why: https://example.com/" + "a" * 80
    live = client.post(reverse("compose_live", args=[draft.pk]), _form(text, [bluesky, linkedin]))
    assert live.status_code == 200
    body = live.content.decode()
    # Bluesky counts the link as typed (graphemes); the preview keeps the line breaks.
    assert f"{len(text)} / 300" in body
    assert "Prices went up. Nobody left.<br><br>Read why" in body
    assert "/ 3000" in body  # LinkedIn's own limit
    draft.refresh_from_db()
    assert draft.data["text"] == text
    # A reload shows exactly what was typed.
    assert text in client.get(reverse("compose", args=[draft.pk])).content.decode()


def test_x_counts_a_link_as_23_and_an_overlong_post_says_by_how_much(owner, workspace, persona):
    x = PublishingAccountFactory(workspace=workspace, platform="x", name="@me")
    client = client_for(owner, workspace)
    draft = _open(client)
    link = "https://example.com/" + "a" * 200
    body = client.post(
        reverse("compose_live", args=[draft.pk]), _form(f"Read this {link}", [x])
    ).content.decode()
    assert "33 / 280" in body  # "Read this " (10) + a link counted as 23
    long = client.post(reverse("compose_live", args=[draft.pk]), _form("word " * 80, [x]))
    assert "error-text" in long.content.decode() and "/ 280" in long.content.decode()


def test_a_thread_shows_each_part_with_its_counter_and_linkedin_gets_one_post(
    owner, workspace, persona, bluesky, linkedin
):
    client = client_for(owner, workspace)
    draft = _open(client)
    thread = "One: the start.\n---\nTwo: the middle.\n---\nThree: the end."
    body = client.post(
        reverse("compose_live", args=[draft.pk]), _form(thread, [bluesky, linkedin], number="on")
    ).content.decode()
    bluesky_part = body[body.index(f'data-account="{bluesky.pk}"') :]
    assert "Part 3 · " in bluesky_part and "Three: the end.<br><br>3/3" in bluesky_part
    linkedin_part = body[body.index(f'data-account="{linkedin.pk}"') :]
    linkedin_part = linkedin_part[: linkedin_part.index("</article>")]
    assert "one post (no threads here)" in linkedin_part and "Part 2" not in linkedin_part


def test_linkedin_preview_shows_where_see_more_cuts(owner, workspace, persona, linkedin):
    client = client_for(owner, workspace)
    draft = _open(client)
    text = "A first line that hooks.\n\n" + "More words here. " * 30
    body = client.post(
        reverse("compose_live", args=[draft.pk]), _form(text, [linkedin])
    ).content.decode()
    assert "…see more" in body and "LinkedIn shows the first" in body


def test_the_voice_match_rates_the_creators_style_above_nonsense_and_flags_copying(
    owner, workspace, persona, practice
):
    client = client_for(owner, workspace)
    draft = _open(client)

    def score(text):
        body = client.post(
            reverse("compose_live", args=[draft.pk]), _form(text, [practice])
        ).content.decode()
        marker = "data-voice-score>"
        return int(body[body.index(marker) + len(marker) :].split("<")[0]), body

    own, body = score(OWN_STYLE)
    assert "Structure" in body and "Distinctive" in body
    assert reverse("compose_deep", args=[draft.pk]) in body  # tone arrives in a second request
    nonsense, _ = score("qwpeoi zmxnv lkjasd poiuy trewq mnbvc asdfgh jkl zxcv bnm qwe rty")
    corporate, _ = score(
        "In today's fast-paced digital landscape, leveraging synergies is paramount. "
        "Unlock your potential and elevate your brand to new heights!"
    )
    assert own > nonsense + 15 and own > corporate + 15, (own, nonsense, corporate)
    # 50 is the line between the creator's posts and other people's, and the page says so
    assert own >= 50 > max(nonsense, corporate), (own, nonsense, corporate)
    assert "Above 50 reads like you rather than other people" in body
    _, copied = score(DEMO_POSTS[0][0])
    assert "word for word" in copied


def test_the_deep_request_adds_tone_and_predicted_engagement(owner, workspace, persona, practice):
    client = client_for(owner, workspace)
    draft = _open(client)
    client.post(reverse("compose_live", args=[draft.pk]), _form(OWN_STYLE, [practice]))
    body = client.get(reverse("compose_deep", args=[draft.pk])).content.decode()
    assert "Tone " in body and "data-voice-full" in body


def test_lessons_that_apply_are_said(owner, workspace, persona, practice):
    LessonFactory(persona=persona, kind="avoid", value="In today's world")
    client = client_for(owner, workspace)
    draft = _open(client)
    body = client.post(
        reverse("compose_live", args=[draft.pk]),
        _form("In today's world, pricing is hard.", [practice]),
    ).content.decode()
    assert "You usually cut “In today&#x27;s world”." in body


def test_per_account_versions_follow_the_post_until_written(
    owner, workspace, persona, practice, bluesky
):
    client = client_for(owner, workspace)
    draft = _open(client)
    form = _form("The post for everyone.", [practice, bluesky])
    form[f"version-{bluesky.pk}"] = "A shorter one for Bluesky."
    form[f"no_comment-{practice.pk}"] = "on"
    form["comment"] = "The link: https://example.com"
    body = client.post(reverse("compose_live", args=[draft.pk]), form).content.decode()
    assert body.count("its own version") == 1 and body.count("follows your post") == 1
    response = client.post(reverse("compose", args=[draft.pk]), {**form, "action": "now"})
    assert response.status_code == 302, response.content.decode()[:2000]
    publication = Publication.objects.get()
    targets = {t.account_id: t for t in publication.targets.all()}
    assert targets[bluesky.pk].text == "A shorter one for Bluesky."
    assert targets[practice.pk].text == ""  # the post's own text
    assert targets[practice.pk].comment_off and not targets[bluesky.pk].comment_off
    assert publication.first_comment == "The link: https://example.com"


def test_add_to_queue_takes_the_next_free_slot_in_the_personas_zone(
    owner, workspace, persona, practice
):
    phoenix = ZoneInfo("America/Phoenix")
    tomorrow = (timezone.now().astimezone(phoenix) + timedelta(days=1)).date()
    PostingSlotFactory(persona=persona, weekday=tomorrow.weekday(), time=time(9, 30))
    client = client_for(owner, workspace)
    draft = _open(client)
    response = client.post(
        reverse("compose", args=[draft.pk]), {**_form(OWN_STYLE, [practice]), "action": "queue"}
    )
    publication = Publication.objects.get()
    assert response["Location"] == reverse("publication_detail", args=[publication.pk])
    assert publication.scheduled_at == datetime.combine(tomorrow, time(9, 30), phoenix)
    draft.refresh_from_db()
    assert draft.status == DraftStatus.SCHEDULED and draft.publication == publication
    # A second post goes into the slot after it, not the same one.
    second = _open(client)
    PostingSlotFactory(persona=persona, weekday=tomorrow.weekday(), time=time(17, 0))
    client.post(
        reverse("compose", args=[second.pk]), {**_form("Another.", [practice]), "action": "queue"}
    )
    assert Publication.objects.latest("pk").scheduled_at == datetime.combine(
        tomorrow, time(17, 0), phoenix
    )


def test_post_now_reaches_the_practice_timeline(owner, workspace, persona, practice):
    client = client_for(owner, workspace)
    draft = _open(client)
    thread = "Part one of my story.\n---\nPart two, the lesson."
    response = client.post(
        reverse("compose", args=[draft.pk]),
        {**_form(thread, [practice], comment="Ask me anything."), "action": "now"},
    )
    assert response.status_code == 302
    assert run_sweep() == ["published"]
    posts = list(SandboxPost.objects.order_by("pk"))
    assert [p.text for p in posts] == [
        "Part one of my story.",
        "Part two, the lesson.",
        "Ask me anything.",
    ]
    assert posts[1].reply_to_id == posts[0].pk and posts[2].reply_to_id == posts[1].pk


def test_schedule_at_a_time_in_the_personas_zone_and_errors_keep_the_text(
    owner, workspace, persona, practice
):
    client = client_for(owner, workspace)
    draft = _open(client)
    past = client.post(
        reverse("compose", args=[draft.pk]),
        {**_form("Keep me.", [practice]), "when": "2020-01-01T09:00", "action": "at"},
    )
    assert past.status_code == 422
    body = past.content.decode()
    assert "That time has passed" in body and "Keep me." in body
    nobody = client.post(reverse("compose", args=[draft.pk]), {**_form("Keep me."), "action": "at"})
    assert "Choose at least one account" in nobody.content.decode()
    later = (timezone.now() + timedelta(days=3)).astimezone(ZoneInfo("America/Phoenix"))
    typed = later.strftime("%Y-%m-%dT%H:%M")
    client.post(
        reverse("compose", args=[draft.pk]),
        {**_form("Keep me.", [practice]), "when": typed, "action": "at"},
    )
    publication = Publication.objects.get()
    assert publication.scheduled_at.astimezone(UTC) == later.replace(second=0, microsecond=0)


def test_a_post_too_long_for_one_account_is_not_scheduled_and_says_which(
    owner, workspace, persona, practice, bluesky
):
    client = client_for(owner, workspace)
    draft = _open(client)
    response = client.post(
        reverse("compose", args=[draft.pk]),
        {**_form("word " * 100, [practice, bluesky]), "action": "now"},
    )
    assert response.status_code == 422
    assert "@me.bsky" in response.content.decode() and not Publication.objects.exists()


def test_split_for_me_fits_every_part_within_the_strictest_platform(
    owner, workspace, persona, bluesky
):
    x = PublishingAccountFactory(workspace=workspace, platform="x", name="@me")
    client = client_for(owner, workspace)
    draft = _open(client)
    long = " ".join(f"Sentence number {n} says one small true thing." for n in range(40))
    client.post(
        reverse("compose", args=[draft.pk]), {**_form(long, [x, bluesky]), "action": "split"}
    )
    draft.refresh_from_db()
    parts = draft.data["text"].split("\n\n---\n\n")
    assert len(parts) >= 7 and all(len(p) <= 280 for p in parts)
    assert " ".join(parts) == long  # cut only between sentences, nothing lost


def test_images_go_with_their_part_and_alt_text(owner, workspace, persona, practice):
    client = client_for(owner, workspace)
    draft = _open(client)
    client.post(reverse("compose_live", args=[draft.pk]), _form("One.\n---\nTwo.", [practice]))
    upload = SimpleUploadedFile("chart.png", png_bytes(), content_type="image/png")
    client.post(
        reverse("compose_image_add", args=[draft.pk]),
        {"image": upload, "alt": "A chart of churn", "part": "2"},
    )
    bad = SimpleUploadedFile("notes.png", b"not an image", content_type="image/png")
    response = client.post(reverse("compose_image_add", args=[draft.pk]), {"image": bad})
    assert "image" in client.get(response["Location"]).content.decode().lower()
    image = draft.images.get()
    assert (image.part, image.alt_text) == (1, "A chart of churn")
    client.post(
        reverse("compose", args=[draft.pk]),
        {**_form("One.\n---\nTwo.", [practice]), "action": "now"},
    )
    run_sweep()
    two = SandboxPost.objects.get(text="Two.")
    assert two.images and two.images[0]["alt"] == "A chart of churn"
    assert not SandboxPost.objects.get(text="One.").images


def test_edit_in_composer_from_a_draft_keeps_the_plan_in_step(owner, workspace, persona, practice):
    generation = GenerationFactory(persona=persona, status=JobStatus.DONE)
    variation = VariationFactory(generation=generation, text="A drafted post, as accepted.")
    slot = PlannedPostFactory(persona=persona, generation=generation, status="accepted")
    client = client_for(owner, workspace)
    response = client.get(reverse("compose_new") + f"?variation={variation.pk}")
    draft = ComposerDraft.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert draft.data["text"] == "A drafted post, as accepted."
    client.post(
        reverse("compose", args=[draft.pk]),
        {**_form(draft.data["text"] + " Edited.", [practice]), "action": "now"},
    )
    slot.refresh_from_db()
    assert slot.status == "scheduled" and slot.publication.text.endswith("Edited.")


def test_fill_a_slot_opens_the_composer_at_that_time(owner, workspace, persona):
    client = client_for(owner, workspace)
    at = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    response = client.get(reverse("compose_new"), {"at": at.isoformat()})
    draft = ComposerDraft.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert draft.data["when"] == at.astimezone(ZoneInfo("America/Phoenix")).strftime(
        "%Y-%m-%dT%H:%M"
    )


def test_save_and_discard(owner, workspace, persona, practice):
    client = client_for(owner, workspace)
    draft = _open(client)
    saved = client.post(
        reverse("compose", args=[draft.pk]),
        {**_form("Half a thought", [practice]), "action": "save"},
    )
    assert saved["Location"] == reverse("composer_drafts")
    assert "Half a thought" in client.get(reverse("composer_drafts")).content.decode()
    client.post(reverse("compose", args=[draft.pk]), {"action": "discard"})
    draft.refresh_from_db()
    assert draft.status == DraftStatus.DISCARDED
    assert "Half a thought" not in client.get(reverse("composer_drafts")).content.decode()


def test_a_viewer_sees_but_cannot_change_a_draft(owner, workspace, viewer, persona, practice):
    draft = _open(client_for(owner, workspace))
    client_for(owner, workspace).post(
        reverse("compose_live", args=[draft.pk]), _form("Owner's words.", [practice])
    )
    as_viewer = client_for(viewer, workspace)
    as_viewer.post(reverse("compose_live", args=[draft.pk]), _form("Viewer's words."))
    draft.refresh_from_db()
    assert draft.data["text"] == "Owner's words."
    assert as_viewer.post(reverse("compose", args=[draft.pk]), {"action": "now"}).status_code == 403
    assert not Publication.objects.exists()


def test_another_workspaces_draft_is_never_visible(owner, workspace, stranger, persona, practice):
    draft = _open(client_for(owner, workspace))
    client_for(owner, workspace).post(
        reverse("compose_live", args=[draft.pk]), _form("Private words.", [practice])
    )
    outsider = client_for(stranger)
    for name in ("compose", "compose_deep"):
        assert outsider.get(reverse(name, args=[draft.pk])).status_code == 404
    assert outsider.post(reverse("compose_live", args=[draft.pk]), {}).status_code == 404
    assert "Private words." not in outsider.get(reverse("composer_drafts")).content.decode()
    # Nor can a draft be filled from another workspace's variation.
    theirs = VariationFactory(generation=GenerationFactory(persona=PersonaFactory()))
    assert outsider.get(reverse("compose_new") + f"?variation={theirs.pk}").status_code == 404


def test_a_plan_slot_written_by_hand_becomes_its_post(owner, workspace, persona, practice):
    at = (timezone.now() + timedelta(days=4)).replace(second=0, microsecond=0)
    slot = PlannedPostFactory(
        persona=persona, status="accepted", scheduled_at=at, opening="We raised prices."
    )
    client = client_for(owner, workspace)
    plan_page = client.get(reverse("calendar_plan")).content.decode()
    link = reverse("compose_new") + f"?plan={slot.pk}"
    assert link in plan_page
    draft_url = client.get(link)["Location"]
    draft = ComposerDraft.objects.get(pk=int(draft_url.rstrip("/").split("/")[-1]))
    assert draft.data["text"] == slot.opening
    client.post(
        draft_url,
        {**_form("Written for the slot.", [practice]), "when": draft.data["when"], "action": "at"},
    )
    slot.refresh_from_db()
    assert slot.status == "scheduled" and slot.publication.scheduled_at == at


def test_every_source_offers_the_composer(owner, workspace, persona):
    from tests.factories import TopicFactory

    idea = TopicFactory(persona=persona, title="Why we stopped discounting")
    client = client_for(owner, workspace)
    assert f"?idea={idea.pk}" in client.get(reverse("ideas")).content.decode()
    kit = client.get(reverse("draft_kit"), {"topic": "pricing"}).content.decode()
    assert f'action="{reverse("compose_new")}"' in kit and 'name="text"' in kit
    response = client.get(reverse("compose_new"), {"text": "From the kit."})
    assert ComposerDraft.objects.get(pk=int(response["Location"].split("/")[-2])).data["text"] == (
        "From the kit."
    )


def test_an_editors_post_goes_for_approval_where_posts_need_it(
    teammate, workspace, persona, practice
):
    workspace.posts_need_approval = True
    workspace.save()
    client = client_for(teammate, workspace)
    draft = _open(client)
    page = client.get(reverse("compose", args=[draft.pk])).content.decode()
    assert "Send for approval now" in page
    response = client.post(
        reverse("compose", args=[draft.pk]), {**_form("For the boss.", [practice]), "action": "now"}
    )
    publication = Publication.objects.get()
    assert publication.approval == "pending"
    assert "Sent for approval" in client.get(response["Location"]).content.decode()
    assert run_sweep() == []  # nothing goes out before it is approved
