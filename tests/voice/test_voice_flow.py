from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from home.demo_posts import DEMO_POSTS
from posts.models import Post
from posts.rules import check_post
from posts.services import post_create, posts_bulk_import
from tests.factories import PersonaFactory, PostFactory
from tests.helpers import client_for
from voice import services
from voice.models import VoiceAnalysis, VoiceOverride, VoiceProfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def persona_timezone():
    return "UTC"


@pytest.fixture
def persona(persona):
    """The demo posts with their numbers, imported."""
    rows = [
        check_post(
            {"text": text, "likes": likes, "impressions": impressions},
            platform="linkedin",
            timezone="UTC",
        ).values
        for text, _, impressions, likes, *_ in DEMO_POSTS
    ]
    posts_bulk_import(persona=persona, values=rows)
    return persona


def analysed(persona, owner) -> VoiceProfile:
    analysis = services.analysis_request(persona=persona, role="owner", user=owner)
    return services.analysis_run(analysis_id=analysis.pk)


def test_the_job_refuses_fewer_than_five_posts(owner_client, workspace):
    lonely = PersonaFactory(workspace=workspace)
    PostFactory.create_batch(3, persona=lonely)
    owner_client.post(reverse("persona_switch", args=[lonely.pk]))
    response = owner_client.post(reverse("voice_analyse"), follow=True)
    assert (
        "A voice needs at least 5 posts to analyse; this persona has 3."
        in response.content.decode()
    )
    assert not VoiceAnalysis.objects.filter(persona=lonely).exists()


def test_analysis_makes_a_version_the_page_shows(
    owner_client, persona, owner, django_capture_on_commit_callbacks
):
    owner_client.post(reverse("persona_switch", args=[persona.pk]))
    with django_capture_on_commit_callbacks() as callbacks:
        owner_client.post(reverse("voice_analyse"))
    analysis = VoiceAnalysis.objects.get(persona=persona, status="queued")
    # the Celery job is sent once the request commits (the others clear cached copies)
    assert [c.__qualname__ for c in callbacks].count("enqueue.<locals>.<lambda>") == 1
    running = owner_client.get(reverse("voice_page")).content.decode()
    assert "Analysing your voice" in running
    version = services.analysis_run(analysis_id=analysis.pk)
    assert version.version == 1 and version.post_count == 12
    assert services.analysis_run(analysis_id=analysis.pk) is None  # a redelivery does nothing
    poll = owner_client.get(
        reverse("voice_analysis_progress", args=[analysis.pk]), HTTP_HX_REQUEST="true"
    )
    assert poll.status_code == 286
    page = owner_client.get(reverse("voice_page")).content.decode()
    assert "Does this sound like you?" in page and 'class="chart radar"' in page
    assert "Writes short posts in English" in page
    assert version.raw["scoring"]["language"] == "en"


def test_a_rejected_pattern_stays_out_of_later_versions(owner_client, persona, owner):
    first = analysed(persona, owner)
    word = first.profile["fingerprint"]["characteristic_words"][0][0]
    # The review list is one form: each button names its verdict and carries the pattern's key.
    page = owner_client.get(reverse("voice_page")).content.decode()
    button = f'form="review-answers" name="rejected" value="word:{word}"'
    assert button in page and '<form id="review-answers" method="post"' in page
    response = owner_client.post(
        reverse("voice_override", args=[first.pk]), {"rejected": f"word:{word}"}
    )
    assert response.status_code == 302
    assert button not in owner_client.get(reverse("voice_page")).content.decode()
    # An answer changes the current version in place: no new version.
    assert VoiceProfile.objects.filter(persona=persona).count() == 1
    first.refresh_from_db()
    assert word not in [w for w, _ in first.profile["fingerprint"]["characteristic_words"]]
    assert word in [w for w, _ in first.raw["fingerprint"]["characteristic_words"]]
    third = analysed(persona, owner)  # a fresh analysis finds the word again…
    assert word in [w for w, _ in third.raw["fingerprint"]["characteristic_words"]]
    assert word not in [
        w for w, _ in third.profile["fingerprint"]["characteristic_words"]
    ]  # …and drops it
    owner_client.post(
        reverse("voice_override", args=[third.pk]),
        {"key": "summary", "verdict": "corrected", "value": "Blunt founder who writes short."},
    )
    third.refresh_from_db()
    assert third.version == 2 and third.summary == "Blunt founder who writes short."
    assert VoiceProfile.objects.filter(persona=persona).count() == 2
    assert VoiceOverride.objects.filter(persona=persona).count() == 2


def test_four_answers_make_no_versions(persona, owner):
    first = analysed(persona, owner)
    for word, _ in first.profile["fingerprint"]["characteristic_words"][:4]:
        services.override_set(
            version=first, role="owner", user=owner, key=f"word:{word}", verdict="confirmed"
        )
    assert VoiceProfile.objects.filter(persona=persona).count() == 1


def test_rollback_brings_back_findings_and_keeps_the_answers(owner_client, persona, owner):
    first = analysed(persona, owner)
    word = first.profile["fingerprint"]["characteristic_words"][0][0]
    services.override_set(
        version=first, role="owner", user=owner, key=f"word:{word}", verdict="rejected"
    )
    analysed(persona, owner)  # version 2
    services.override_set(
        version=first,
        role="owner",
        user=owner,
        key="summary",
        verdict="corrected",
        value="Changed.",
    )
    page = owner_client.get(reverse("voice_version", args=[first.pk])).content.decode()
    assert "data-confirm=" in page  # rolling back asks first
    owner_client.post(reverse("voice_rollback", args=[first.pk]))
    latest = VoiceProfile.objects.filter(persona=persona).order_by("-version").first()
    assert latest.version == 3 and latest.based_on_id == first.pk
    assert latest.origin == "rollback to version 1" and latest.raw == first.raw
    # The answers given since stay applied: the removed word stays out, the summary stays.
    assert latest.summary == "Changed."
    assert word not in [w for w, _ in latest.profile["fingerprint"]["characteristic_words"]]


def test_only_ten_versions_stay_current(persona, owner):
    version = analysed(persona, owner)
    for _ in range(11):
        version = services.version_rollback(version=version, role="owner", user=owner)
    assert VoiceProfile.objects.filter(persona=persona).count() == 12
    assert VoiceProfile.objects.filter(persona=persona, is_archived=False).count() == 10
    assert set(
        VoiceProfile.objects.filter(persona=persona, is_archived=True).values_list(
            "version", flat=True
        )
    ) == {1, 2}


def test_history_and_compare(owner_client, persona, owner):
    first = analysed(persona, owner)
    second = services.version_rollback(version=first, role="owner", user=owner)
    services.override_set(
        version=second,
        role="owner",
        user=owner,
        key="summary",
        verdict="corrected",
        value="Short and blunt.",
    )
    owner_client.post(reverse("persona_switch", args=[persona.pk]))
    history = owner_client.get(reverse("voice_history")).content.decode()
    assert "Version 2" in history and "Version 1" in history
    page = owner_client.get(
        reverse("voice_compare"), {"a": first.pk, "b": second.pk}
    ).content.decode()
    assert "Version 1 and version 2" in page and "Short and blunt." in page
    assert "The summary changed." in page  # differences are said, not left to spot
    assert page.count('<span class="badge">current</span>') == 1  # version 2 is current
    history_page = owner_client.get(reverse("voice_history")).content.decode()
    assert '<th scope="col">From</th><th scope="col">To</th>' in history_page


def test_compare_names_words_removed_by_the_creator(owner_client, persona, owner):
    first = analysed(persona, owner)
    second = services.version_rollback(version=first, role="owner", user=owner)
    word = second.profile["fingerprint"]["characteristic_words"][0][0]
    services.override_set(
        version=second, role="owner", user=owner, key=f"word:{word}", verdict="rejected"
    )
    page = owner_client.get(reverse("voice_compare"), {"a": first.pk, "b": second.pk})
    assert f"<del>{word}</del>" in page.content.decode()


def test_drift_banner_when_new_posts_differ(owner_client, persona, owner):
    version = analysed(persona, owner)
    assert services.drift_check(persona_id=persona.pk) == []
    long_text = "Em portugues agora, um texto muito mais longo sobre outra coisa. " * 12
    for n in range(6):
        PostFactory(persona=persona, text=f"{long_text} {n}")
    # The page never analyses: the check runs in the background after posts change.
    assert services.drift_report(version) == []
    reasons = services.drift_check(persona_id=persona.pk)  # what the queued task does
    assert any("longer" in r for r in reasons)
    version.refresh_from_db()
    assert services.drift_report(version) == reasons
    owner_client.post(reverse("persona_switch", args=[persona.pk]))
    assert (
        "Your newer posts look different"
        in owner_client.get(reverse("voice_page")).content.decode()
    )


def test_a_hand_written_post_is_checked_for_drift_an_import_is_analysed_instead(
    persona, owner, monkeypatch, django_capture_on_commit_callbacks
):
    sent: list[str] = []
    monkeypatch.setattr(services, "enqueue", lambda name, *args: sent.append(name))
    analysed(persona, owner)
    row = check_post(
        {"text": "One more post, written by hand."}, platform="linkedin", timezone="UTC"
    )
    with django_capture_on_commit_callbacks(execute=True):
        posts_bulk_import(persona=persona, values=[row.values] * 3)
    assert "voice.tasks.check_drift" not in sent
    assert VoiceAnalysis.objects.filter(persona=persona, status="scheduled").exists()
    with django_capture_on_commit_callbacks(execute=True):
        post_create(persona=persona, role="owner", checked=row)
    assert sent.count("voice.tasks.check_drift") == 1


def test_imports_schedule_one_debounced_analysis(persona, settings):
    scheduled = VoiceAnalysis.objects.get(persona=persona, status="scheduled")
    assert scheduled.run_after > timezone.now()
    assert services.dispatch_due_analyses() == 0  # still inside the quiet period
    VoiceAnalysis.objects.filter(pk=scheduled.pk).update(
        run_after=timezone.now() - timedelta(seconds=1)
    )
    assert services.dispatch_due_analyses() == 1
    scheduled.refresh_from_db()
    assert scheduled.status == "queued"
    version = services.analysis_run(analysis_id=scheduled.pk)
    assert version.origin == "analysis of 12 posts, started on its own after new posts"


def test_viewer_cannot_analyse_or_correct(workspace, viewer, persona, owner, owner_client):
    version = analysed(persona, owner)
    # The owner's page (drawn first, and cached) has the answer buttons; the viewer's has none.
    assert 'form="review-answers"' in owner_client.get(reverse("voice_page")).content.decode()
    client = client_for(viewer, workspace)
    client.post(reverse("persona_switch", args=[persona.pk]))
    page = client.get(reverse("voice_page"))
    assert page.status_code == 200 and "review-answers" not in page.content.decode()
    assert "Does this sound like you?" in page.content.decode()
    assert (
        client.post(
            reverse("voice_override", args=[version.pk]), {"key": "summary", "verdict": "rejected"}
        ).status_code
        == 403
    )
    assert client.post(reverse("voice_rollback", args=[version.pk])).status_code == 403
    assert VoiceProfile.objects.filter(persona=persona).count() == 1


def test_overlays(owner_client, persona):
    owner_client.post(reverse("persona_switch", args=[persona.pk]))
    data = {
        "name": "Educational",
        "tone_shift": "0.5",
        "length_preference": "longer",
        "structure_override": "hook → steps → question",
        "notes": "Teach one thing.",
    }
    assert owner_client.post(reverse("voice_overlays"), data).status_code == 302
    again = owner_client.post(
        reverse("voice_overlays"), {**data, "name": "educational", "tone_shift": "3"}
    )
    body = again.content.decode()
    assert again.status_code == 422
    assert "already has an overlay with this name" in body
    assert "Ensure this value is less than or equal to 1" in body
    overlay = persona.overlays.get()
    owner_client.post(
        reverse("voice_overlay_edit", args=[overlay.pk]), {**data, "tone_shift": "-0.5"}
    )
    overlay.refresh_from_db()
    assert overlay.tone_shift == -0.5
    owner_client.post(reverse("voice_overlay_delete", args=[overlay.pk]))
    assert not persona.overlays.exists()


def test_post_count_flat_voice_page(owner_client, persona, owner, django_assert_max_num_queries):
    analysed(persona, owner)
    owner_client.post(reverse("persona_switch", args=[persona.pk]))
    with django_assert_max_num_queries(20):
        assert owner_client.get(reverse("voice_page")).status_code == 200
    assert Post.objects.filter(persona=persona).count() == 12


def test_compare_refuses_another_workspaces_versions(persona, owner, stranger):
    first = analysed(persona, owner)
    second = services.version_rollback(version=first, role="owner", user=owner)
    client = client_for(stranger)
    response = client.get(reverse("voice_compare"), {"a": first.pk, "b": second.pk})
    assert response.status_code == 404


def test_dashboard_leads_from_posts_to_the_voice(owner_client, persona, owner):
    owner_client.post(reverse("persona_switch", args=[persona.pk]))
    assert "Next: analyse your voice" in owner_client.get(reverse("dashboard")).content.decode()
    analysed(persona, owner)
    page = owner_client.get(reverse("dashboard")).content.decode()
    assert "Your voice (version 1)" in page and "Writes short posts" in page


def test_one_analysis_waits_and_one_runs_per_persona(persona, owner):
    from django.db import IntegrityError, transaction

    queued = services.analysis_request(persona=persona, role="owner", user=owner)
    services.analysis_schedule(persona_id=persona.pk)  # an import while it is queued
    VoiceAnalysis.objects.filter(persona=persona, status="scheduled").update(
        run_after=timezone.now() - timedelta(seconds=1)
    )
    assert services.dispatch_due_analyses() == 0  # the scheduled one waits its turn
    for status in ("queued", "scheduled"):  # the database refuses a second, whoever asks
        with pytest.raises(IntegrityError), transaction.atomic():
            VoiceAnalysis.objects.create(persona=persona, status=status)
    services.analysis_run(analysis_id=queued.pk)
    assert services.dispatch_due_analyses() == 1  # now it runs, on the posts added meanwhile
    waiting = VoiceAnalysis.objects.get(persona=persona, status="queued")
    services.analysis_run(analysis_id=waiting.pk)
    assert list(VoiceProfile.objects.filter(persona=persona).values_list("version", flat=True)) in (
        [1, 2],
        [2, 1],
    )


def test_the_page_says_the_last_analysis_failed_and_nothing_once_one_succeeds(
    owner_client, persona
):
    from core.jobs import JobStatus
    from tests.factories import VoiceAnalysisFactory

    failed = VoiceAnalysisFactory(
        persona=persona, status=JobStatus.FAILED, error="The model did not answer."
    )
    page = owner_client.get(reverse("voice_page")).content.decode()
    assert "The last analysis failed: The model did not answer." in page
    failed.status = JobStatus.DONE
    failed.save()
    page = owner_client.get(reverse("voice_page")).content.decode()
    assert "The last analysis failed" not in page and "Analysing your voice" not in page
