"""Discovering a persona's pillars from its posts' embeddings (a background job).

Clusters named by a model or offline, kept as the same rows across rediscovery, every post assigned.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from core.jobs import (
    ACTIVE,
    JobStatus,
    Lease,
    LeaseLost,
    enqueue,
    job_lease,
    resend_abandoned,
    send,
)
from language.injection import without_instructions
from llm.services import embedding_model_name
from llm.structured import ask_for_json
from personas.models import Persona
from personas.services import persona_lock
from pillars import discovery, naming
from pillars.models import (
    Pillar,
    PillarDiscovery,
    PillarStatus,
    PostPillar,
    Topic,
    TopicStatus,
)
from pillars.services.common import (
    CLASSIFY_TOPICS,
    MIN_POSTS,
    RUN_DISCOVERY,
    centred,
    nearest_pillars,
    placed_vectors,
)
from posts import selectors as posts
from voice import contrast

LEXICAL_POSTS = 2000  # the newest posts the lexical model reads


MATCH_SIMILARITY = 0.5  # a new cluster continues the pillar whose mean is this close


EXAMPLES_FOR_NAMING = 6


NAMING_PROMPT = Path(__file__).parent.parent / "prompts" / "pillar_names_v1.txt"


def _not_enough(count: int) -> ValidationError:
    return ValidationError(
        f"Pillars need at least {MIN_POSTS} posts with embeddings; this persona has {count}. "
        "Import more posts (embedding runs in the background after an import)."
    )


@transaction.atomic
def discovery_request(*, persona: Persona, role: str, user: User | None) -> PillarDiscovery:
    """Start a discovery (or return the one already running)."""
    require(role, Action.EDIT)
    persona_lock(persona)
    count = posts.embedded_count(persona, at_most=MIN_POSTS)
    if count < MIN_POSTS:
        raise _not_enough(count)
    running = PillarDiscovery.objects.filter(persona=persona, status__in=ACTIVE).first()
    if running:
        return running
    run = PillarDiscovery.objects.create(persona=persona, requested_by=user)
    enqueue(RUN_DISCOVERY, run.pk)
    return run


def discovery_run(*, discovery_id: int) -> None:
    """The Celery job, under a lease: a redelivered task does nothing."""
    with job_lease(PillarDiscovery, discovery_id, progress=5, stage="Reading posts") as lease:
        if lease is None:
            return
        run = PillarDiscovery.objects.select_related("persona__workspace").get(pk=discovery_id)
        try:
            _discover(run, lease)
        except LeaseLost:
            return
        except ValidationError as error:
            lease.progress(100, "", status=JobStatus.FAILED, error=" ".join(error.messages))
        except Exception as error:
            lease.progress(
                100,
                "",
                status=JobStatus.FAILED,
                error=f"Discovery failed ({type(error).__name__}). Try again.",
            )
            raise


def _discover(run: PillarDiscovery, lease: Lease) -> None:
    persona = run.persona
    rows = posts.embedded_posts(persona)
    if len(rows) < MIN_POSTS:
        raise _not_enough(len(rows))
    ids = [r[0] for r in rows]
    texts = [r[1] for r in rows]
    vectors = placed_vectors(rows)
    lease.progress(25, f"Grouping {len(rows)} posts into themes")
    language = persona.language
    clusters, terms = naming.discover(texts, vectors, language)
    lease.progress(55, "Naming the pillars")
    groups = []  # each pillar's posts, the most typical first
    for j in range(len(clusters.means)):
        members = np.flatnonzero(clusters.labels == j)
        groups.append([texts[i] for i in members[np.argsort(-clusters.similarities[members])]])
    named, method = _names_by_model(persona, groups, run.requested_by)
    sample = rows[: discovery.OPENING_SAMPLE]  # the newest posts' opening lines
    shift = discovery.opening_shift(vectors[: len(sample)], np.array([r[4] for r in sample]))
    lease.progress(75, "Learning your vocabulary")
    lexical, _ = contrast.build(texts[:LEXICAL_POSTS], language)
    with transaction.atomic():
        persona_lock(persona)
        pillars = _keep_identity(persona, clusters, terms, named)
        assign_all(persona, ids, vectors, clusters.centre, pillars)
        # open ideas are scored again against the pillars as they now are
        if Topic.objects.filter(
            persona=persona, status__in=(TopicStatus.NEW, TopicStatus.PLANNED)
        ).update(scored_at=None):
            enqueue(CLASSIFY_TOPICS, persona.pk)
        lease.update(
            status=JobStatus.DONE,
            progress=100,
            stage="Done",
            centre=[round(float(x), 6) for x in clusters.centre],
            opening_shift=[round(float(x), 6) for x in shift],
            lexical=lexical["weights"],
            embedding_model=embedding_model_name(),
            post_count=len(rows),
            method=method,
        )


def _keep_identity(
    persona: Persona,
    clusters: discovery.Clusters,
    terms: list[list[str]],
    named: list[tuple[str, str]] | None,
) -> list[Pillar]:
    """Match the new clusters to the persona's pillars (closest first).

    A match updates the pillar (its name only if the creator never edited it); a match with a pillar
    the creator deleted drops the cluster (merged: its posts go to the merge target); a new cluster
    is a new pillar; a pillar nothing matched goes, unless the creator edited it. The active
    pillars, in order."""
    existing = list(Pillar.objects.filter(persona=persona))
    by_id = {p.pk: p for p in existing}
    matched: dict[int, Pillar] = {}
    if existing:
        old = np.array(
            [p.mean_vector if p.mean_vector is not None else clusters.centre for p in existing]
        )
        similarity = centred(clusters.means, clusters.centre) @ centred(old, clusters.centre).T
        taken: set[int] = set()
        for flat in np.argsort(-similarity, axis=None):
            j, i = divmod(int(flat), len(existing))
            if similarity[j, i] < MATCH_SIMILARITY:
                break
            if j in matched or i in taken:
                continue
            matched[j] = existing[i]
            taken.add(i)
    active: list[Pillar] = []
    offline_names = naming.names_from_terms(terms)
    for j, mean in enumerate(clusters.means):
        name, description = named[j] if named else (offline_names[j], "")
        pillar = matched.get(j)
        while pillar is not None and pillar.status == PillarStatus.DELETED:
            pillar = by_id.get(pillar.merged_into_id) if pillar.merged_into_id else None
            if pillar is None:
                break
        if j in matched and pillar is None:
            continue  # the creator deleted this theme
        if pillar is None:
            pillar = Pillar(persona=persona, name=name[:80], description=description[:240])
        elif not pillar.edited:
            pillar.name, pillar.description = name[:80], description[:240]
        if pillar not in active:
            pillar.keywords = terms[j]
            pillar.mean_vector = mean
            pillar.threshold = float(clusters.thresholds[j])
            pillar.save()
            active.append(pillar)
    kept_ids = {p.pk for p in active}
    for pillar in existing:
        if pillar.status != PillarStatus.ACTIVE or pillar.pk in kept_ids:
            continue
        if pillar.edited or pillar.target_share is not None:
            active.append(pillar)
        else:
            pillar.delete()
    return active


def assign_all(
    persona: Persona, ids: list[int], vectors: np.ndarray, centre: np.ndarray, pillars: list[Pillar]
) -> None:
    labels, similarity = nearest_pillars(vectors, centre, pillars)
    PostPillar.objects.filter(persona=persona).delete()
    PostPillar.objects.bulk_create(
        [
            PostPillar(
                post_id=post_id,
                persona=persona,
                pillar=pillars[label] if label >= 0 else None,
                similarity=round(float(sim), 4),
            )
            for post_id, label, sim in zip(ids, labels, similarity, strict=True)
        ],
        batch_size=2000,
    )


def _parse_names(data: dict[str, Any], count: int) -> list[tuple[str, str]]:
    found: dict[int, tuple[str, str]] = {}
    for item in data["pillars"]:
        number, name = int(item["number"]), str(item["name"]).strip()
        if 1 <= number <= count and name:
            found[number] = (name[:80], str(item.get("description", "")).strip()[:240])
    if len(found) != count:
        raise ValueError("not every theme was named")
    return [found[n] for n in range(1, count + 1)]


def _names_by_model(
    persona: Persona, groups: list[list[str]], user: User | None
) -> tuple[list[tuple[str, str]] | None, str]:
    """A name and a line per pillar from a configured language model.

    Without one: None, and how the offline names were made."""
    offline = "offline: the phrase each pillar's posts write most, against your other posts"
    blocks = []
    for number, group in enumerate(groups, start=1):
        examples = [without_instructions(t)[:600] for t in group[:EXAMPLES_FOR_NAMING]]
        body = "\n---\n".join(e.replace("</theme>", "") for e in examples if e)
        blocks.append(f'<theme number="{number}">\n{body}\n</theme>')
    data, how = ask_for_json(
        system=NAMING_PROMPT.read_text(encoding="utf-8").strip(),
        content="\n".join(blocks),
        workspace=persona.workspace,
        persona=persona,
        user=user,
        purpose="pillar_names",
        max_tokens=800,
    )
    if data is None:
        return None, offline + (f" ({how})" if how else "")
    try:
        return _parse_names(data, len(groups)), how
    except (ValueError, TypeError, KeyError):
        return None, offline + " (the model's names did not cover every pillar)"


def sweep() -> int:
    """Beat: send stalled discoveries and unclassified ideas to a worker again.

    Beat: discoveries nobody works on go to a worker again, and personas with ideas left
    unclassified (a worker died) get a classification job."""
    resent = resend_abandoned(PillarDiscovery, RUN_DISCOVERY)
    stale = timezone.now() - timedelta(minutes=5)
    personas = list(
        Topic.objects.filter(scored_at__isnull=True, created_at__lt=stale)
        .values_list("persona_id", flat=True)
        .distinct()[:100]
    )
    for persona_id in personas:
        send(CLASSIFY_TOPICS, persona_id)
    return resent + len(personas)
