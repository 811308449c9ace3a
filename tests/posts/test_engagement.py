"""Engagement prediction: learnt, used on drafts, and measured.

Engagement prediction: learnt from the persona's own posts' numbers, used on drafts, and
measured by engagement_eval (on a made-up file: tests never read the team's data sets)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from posts import engagement, selectors, services
from posts.evaluation import spearman
from posts.models import EngagementModel
from tests.factories import PersonaFactory, PostFactory


def _vector(rng, topic: np.ndarray) -> np.ndarray:
    vector = topic + 0.8 * rng.normal(size=384) / np.sqrt(384)
    return vector / np.linalg.norm(vector)


@pytest.fixture
def persona(persona):
    """Questions about pricing do well for this persona; statements about the weather don't."""
    rng = np.random.default_rng(0)
    pricing, weather = rng.normal(size=384), rng.normal(size=384)
    now = datetime.now(UTC)
    for n in range(40):
        good = n % 2 == 0
        PostFactory(
            persona=persona,
            text=f"What would you charge for plan {n}?" if good else f"Cloudy again today, {n}.",
            embedding=_vector(rng, pricing if good else weather),
            likes=200 + n if good else 20 + n,
            comments=None,
            reposts=None,
            posted_at=now - timedelta(days=n),
        )
    persona.theme_vectors = (pricing, weather)
    return persona


def test_the_model_learns_what_does_well_and_says_why(persona):
    model = services.engagement_train(persona_id=persona.pk)
    assert model is not None and model.posts == 40
    rng = np.random.default_rng(5)
    pricing, weather = persona.theme_vectors
    predicted = selectors.predicted_engagement(
        persona,
        ["How much would you pay for the pro plan?", "Rain tomorrow, they say."],
        np.array([_vector(rng, pricing), _vector(rng, weather)]),
    )
    (good, why), (bad, _) = predicted
    assert good >= 90 and bad <= 50  # a weather post ranks among the weather posts, at best
    assert any(w.startswith("questions do") and "% better for you" in w for w in why)


def test_too_few_posts_with_numbers_means_no_prediction(db):
    persona = PersonaFactory()
    PostFactory.create_batch(5, persona=persona, embedding=np.ones(384) / np.sqrt(384))
    assert services.engagement_train(persona_id=persona.pk) is None
    assert not EngagementModel.objects.filter(persona=persona).exists()
    assert selectors.predicted_engagement(persona, ["x"], np.ones((1, 384))) is None


def test_spearman_and_the_factors_in_words():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 1], [1, 2, 3]) == 0.0
    texts = [f"Long post {'x' * 1300}" for _ in range(6)] + [f"short {n}" for n in range(6)]
    factors = engagement.factors_of(texts, [10] * 6 + [100] * 6)
    assert factors["long"] < -0.5
    model = {"factors": factors}
    assert engagement.words(model, "y" * 1500) == [
        "your posts over 1,200 characters underperform (89 % fewer interactions)"
    ]


def test_engagement_eval_on_a_made_up_file(tmp_path):
    rng = np.random.default_rng(1)
    lines, texts, vectors = [], [], []
    for a in range(4):
        hot, cold = rng.normal(size=384), rng.normal(size=384)
        for n in range(100):
            good = rng.random() < 0.5
            text = f"author {a} post {n}: " + ("launch day!" if good else "a quiet note")
            lines.append(
                json.dumps(
                    {
                        "author": f"a{a}",
                        "text": text,
                        "posted_at": f"2026-{1 + n // 28:02d}-{1 + n % 28:02d}",
                        "likes": int(rng.integers(80, 120) if good else rng.integers(5, 30)),
                    }
                )
            )
            texts.append(text)
            vectors.append(_vector(rng, hot if good else cold))
    file = tmp_path / "likes.jsonl"
    file.write_text("\n".join(lines), encoding="utf-8")
    cache = tmp_path / "vectors.npz"
    np.savez(cache, texts=np.array(texts), vectors=np.array(vectors))
    out = StringIO()
    call_command("engagement_eval", str(file), "--cache", str(cache), stdout=out)
    summary = dict(part.split("=") for part in out.getvalue().split())
    assert summary["authors"] == "4"
    assert float(summary["spearman"]) > 0.6


def test_a_scheduled_post_shows_its_predicted_engagement(persona):
    from datetime import UTC, datetime, timedelta

    from django.urls import reverse

    from publishing import services as publishing_services
    from tests.factories import PublicationFactory, TargetFactory
    from tests.helpers import client_for

    tomorrow = datetime.now(UTC) + timedelta(days=1)
    publication = PublicationFactory(
        persona=persona, text="What would you charge for plan X?", scheduled_at=tomorrow
    )
    TargetFactory(publication=publication, state="scheduled", due_at=tomorrow)
    client = client_for(persona.workspace.created_by, persona.workspace)
    url = reverse("publication_detail", args=[publication.pk])
    assert "Predicted engagement" not in client.get(url).content.decode()  # no model yet
    services.engagement_train(persona_id=persona.pk)
    # Predicted in the background (the task's job), never while the page is read.
    assert "Predicted engagement" not in client.get(url).content.decode()
    assert publishing_services.publications_predict(persona_id=persona.pk) == 1
    page = client.get(url).content.decode()
    assert 'id="prediction"' in page and "Questions do" in page
    assert publishing_services.publications_predict(persona_id=persona.pk) == 0  # once
    # New text is predicted again; a retrained model re-predicts what is still to go out.
    publishing_services.publication_edit(
        publication=publication, role="owner", user=None, text="Plans start at $9."
    )
    assert "Predicted engagement" not in client.get(url).content.decode()
    assert publishing_services.publications_predict(persona_id=persona.pk) == 1
    services.engagement_train(persona_id=persona.pk)
    publication.refresh_from_db()
    assert publication.prediction is None  # the hook asked for a new one


def test_a_draft_gets_its_prediction_even_when_the_voice_has_no_embedding(persona):
    """A voice analysed before the posts were embedded has no centroid.

    Drafts are still embedded once for the engagement prediction (the Write page and the composer
    alike)."""
    from generation.services.scoring import score_texts
    from tests.factories import VoiceProfileFactory
    from voice.services import scoring_model

    version = VoiceProfileFactory(persona=persona)
    stored = {**scoring_model(version), "neighbours": None}  # as a voice made before embeddings
    version.raw = {**version.raw, "scoring": stored}
    version.save(update_fields=["raw"])
    assert scoring_model(version)["neighbours"] is None
    [before] = score_texts(version, ["What would you charge for plan Z?"])
    assert before.engagement is None  # no engagement model yet
    services.engagement_train(persona_id=persona.pk)
    [after] = score_texts(version, ["What would you charge for plan Z?"])
    assert after.engagement is not None and "questions do" in " ".join(after.engagement_notes)
