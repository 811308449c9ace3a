"""Pillars: discovering them from the posts' embeddings (a background job), keeping every post
assigned as new ones are embedded, and the creator's edits (rename, target share, merge,
split, delete), which rediscovery respects: a pillar is a row, not a cluster number."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cache
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
from llm.embeddings import get_embedder
from llm.structured import ask_for_json
from personas.models import Persona
from personas.services import persona_lock
from pillars import discovery
from pillars.models import (
    Pillar,
    PillarDiscovery,
    PillarStatus,
    PostPillar,
    Topic,
    TopicStatus,
)
from posts import selectors as posts
from voice import contrast

MIN_POSTS = 20
LEXICAL_POSTS = 2000  # the newest posts the lexical model reads
MATCH_SIMILARITY = 0.5  # a new cluster continues the pillar whose mean is this close
EXAMPLES_FOR_NAMING = 6
RUN_DISCOVERY = "pillars.tasks.run_discovery"
ASSIGN_POSTS = "pillars.tasks.assign_posts"
CLASSIFY_TOPICS = "pillars.tasks.classify_topics"
NAMING_PROMPT = Path(__file__).parent / "prompts" / "pillar_names_v1.txt"


REFERENCE_DIR = Path(__file__).parent / "data"
REFERENCE_PER_LANGUAGE = 100


@cache
def reference_vectors(model_name: str) -> np.ndarray:
    """Embeddings of other people's posts (100 each of the shipped pt/es/en background): what
    any text looks like to this embedding model. Short texts (an idea, a headline) are measured
    against pillars after subtracting their mean, and scored against how close these come.
    Shipped for the local model; another model embeds them once per process."""
    slug = re.sub(r"[^a-z0-9]+", "-", model_name.lower()).strip("-")
    shipped = REFERENCE_DIR / f"reference_{slug}.npy"
    if shipped.exists():
        return np.load(shipped).astype(float)
    texts = [
        text
        for language in contrast.BACKGROUND_LANGUAGES
        for text in contrast.background_texts(language)[:REFERENCE_PER_LANGUAGE]
    ]
    return np.asarray(get_embedder().embed_passages(texts), dtype=float)


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
    vectors = np.array([r[2] for r in rows])
    lease.progress(25, f"Grouping {len(rows)} posts into themes")
    clusters = discovery.cluster_posts(vectors)
    lease.progress(55, "Naming the pillars")
    language = persona.language
    groups = []  # each pillar's posts, the most typical first
    for j in range(len(clusters.means)):
        members = np.flatnonzero(clusters.labels == j)
        groups.append([texts[i] for i in members[np.argsort(-clusters.similarities[members])]])
    terms = [
        discovery.distinctive_terms(
            group, [t for i, t in enumerate(texts) if clusters.labels[i] != j], language
        )
        for j, group in enumerate(groups)
    ]
    named, method = _names_by_model(persona, groups, run.requested_by)
    lease.progress(75, "Learning your vocabulary")
    lexical, _ = contrast.build(texts[:LEXICAL_POSTS], language)
    with transaction.atomic():
        persona_lock(persona)
        pillars = _keep_identity(persona, clusters, terms, named)
        _assign_all(persona, ids, vectors, clusters.centre, pillars)
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
            lexical=lexical["weights"],
            embedding_model=get_embedder().model_name,
            post_count=len(rows),
            method=method,
        )


def _centred(vectors: np.ndarray, centre: np.ndarray) -> np.ndarray:
    return discovery.unit_rows(np.atleast_2d(vectors) - centre)


def _keep_identity(
    persona: Persona,
    clusters: discovery.Clusters,
    terms: list[list[str]],
    named: list[tuple[str, str]] | None,
) -> list[Pillar]:
    """Match the new clusters to the persona's pillars (closest first): a match updates the
    pillar (its name only if the creator never edited it); a match with a pillar the creator
    deleted drops the cluster (merged: its posts go to the merge target); a new cluster is a
    new pillar; a pillar nothing matched goes, unless the creator edited it. The active
    pillars, in order."""
    existing = list(Pillar.objects.filter(persona=persona))
    by_id = {p.pk: p for p in existing}
    matched: dict[int, Pillar] = {}
    if existing:
        old = np.array(
            [p.mean_vector if p.mean_vector is not None else clusters.centre for p in existing]
        )
        similarity = _centred(clusters.means, clusters.centre) @ _centred(old, clusters.centre).T
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
    for j, mean in enumerate(clusters.means):
        name, description = named[j] if named else (discovery.name_from_terms(terms[j]), "")
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


def _assign_all(
    persona: Persona, ids: list[int], vectors: np.ndarray, centre: np.ndarray, pillars: list[Pillar]
) -> None:
    labels, similarity = _nearest(vectors, centre, pillars)
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


def _nearest(
    vectors: np.ndarray, centre: np.ndarray, pillars: list[Pillar]
) -> tuple[np.ndarray, np.ndarray]:
    usable = [p for p in pillars if p.mean_vector is not None]
    if not usable:
        return np.full(len(vectors), -1), np.zeros(len(vectors))
    labels, similarity = discovery.assign(
        vectors,
        centre,
        np.array([p.mean_vector for p in usable]),
        np.array([p.threshold for p in usable]),
    )
    index = [pillars.index(p) for p in usable]
    return np.array([index[label] if label >= 0 else -1 for label in labels]), similarity


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
    """A name and a line per pillar from a configured language model, or (None, how the
    offline names were made)."""
    offline = "offline: each pillar's most distinctive words against your other posts"
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


def latest_centre(persona_id: int) -> np.ndarray | None:
    centre = (
        PillarDiscovery.objects.filter(persona_id=persona_id, status=JobStatus.DONE)
        .order_by("-id")
        .values_list("centre", flat=True)
        .first()
    )
    return np.array(centre) if centre else None


def assign_later(persona_id: int) -> None:
    """Hook (posts.hooks.on_posts_embedded): newly embedded posts join their pillars."""
    enqueue(ASSIGN_POSTS, persona_id)


def _first_discovery(persona_id: int) -> None:
    """A persona that reaches enough embedded posts gets its pillars found once, unasked (the
    creator sees them on the Pillars page); after that, rediscovery is the creator's call."""
    if PillarDiscovery.objects.filter(persona_id=persona_id).exists():
        return
    if posts.embedded_count(persona_id, at_most=MIN_POSTS) < MIN_POSTS:
        return
    run = PillarDiscovery.objects.create(persona_id=persona_id, requested_by=None)
    enqueue(RUN_DISCOVERY, run.pk)


@transaction.atomic
def posts_assign(*, persona_id: int) -> int:
    """Give every embedded post without a pillar row its pillar (or unassigned), measured
    like discovery did. Nothing before the first discovery. Returns how many were assigned."""
    persona_lock(persona_id)  # one assignment (or first discovery) per persona at a time
    centre = latest_centre(persona_id)
    if centre is None:
        _first_discovery(persona_id)
        return 0
    done = set(PostPillar.objects.filter(persona_id=persona_id).values_list("post_id", flat=True))
    rows = [r for r in posts.embedded_posts(persona_id) if r[0] not in done]
    if not rows:
        return 0
    pillars = list(Pillar.objects.filter(persona_id=persona_id, status=PillarStatus.ACTIVE))
    labels, similarity = _nearest(np.array([r[2] for r in rows]), centre, pillars)
    PostPillar.objects.bulk_create(
        [
            PostPillar(
                post_id=row[0],
                persona_id=persona_id,
                pillar=pillars[label] if label >= 0 else None,
                similarity=round(float(sim), 4),
            )
            for row, label, sim in zip(rows, labels, similarity, strict=True)
        ],
        ignore_conflicts=True,
    )
    return len(rows)


def _reassign(pillar_posts: list[int], persona_id: int, pillars: list[Pillar]) -> None:
    """Posts of a pillar that went: each to its nearest remaining pillar, or unassigned."""
    centre = latest_centre(persona_id)
    rows = posts.embedded_posts(persona_id, ids=pillar_posts)
    if centre is None or not rows:
        PostPillar.objects.filter(post_id__in=pillar_posts).update(pillar=None)
        return
    labels, similarity = _nearest(np.array([r[2] for r in rows]), centre, pillars)
    nearest = {
        row[0]: (pillars[label] if label >= 0 else None, round(float(sim), 4))
        for row, label, sim in zip(rows, labels, similarity, strict=True)
    }
    assignments = list(PostPillar.objects.filter(post_id__in=nearest))
    for assignment in assignments:
        assignment.pillar, assignment.similarity = nearest[assignment.post_id]
    PostPillar.objects.bulk_update(assignments, ["pillar", "similarity"])


@transaction.atomic
def pillar_update(*, pillar: Pillar, role: str, data: dict[str, Any]) -> Pillar:
    """Name, description and target share, as the creator wants them (kept on rediscovery)."""
    require(role, Action.EDIT)
    pillar.name = data["name"].strip()
    pillar.description = data.get("description", "").strip()
    pillar.target_share = data.get("target_share")
    pillar.edited = True
    pillar.save(update_fields=["name", "description", "target_share", "edited", "updated_at"])
    return pillar


@transaction.atomic
def pillar_merge(*, pillar: Pillar, into: Pillar, role: str) -> Pillar:
    """`pillar`'s posts join `into`; rediscovery sends that theme's posts there too."""
    require(role, Action.EDIT)
    if into.pk == pillar.pk or into.persona_id != pillar.persona_id:
        raise ValidationError("Choose another pillar of the same persona to merge into.")
    if into.status != PillarStatus.ACTIVE:
        raise ValidationError(f"“{into.name}” was deleted; choose an active pillar.")
    counts = {p: PostPillar.objects.filter(pillar_id=p).count() for p in (pillar.pk, into.pk)}
    if pillar.mean_vector is not None and into.mean_vector is not None:
        total = max(sum(counts.values()), 1)
        into.mean_vector = (
            np.asarray(into.mean_vector) * counts[into.pk]
            + np.asarray(pillar.mean_vector) * counts[pillar.pk]
        ) / total
    into.threshold = min(into.threshold, pillar.threshold)
    into.keywords = list(dict.fromkeys([*into.keywords, *pillar.keywords]))[:6]
    into.edited = True
    into.save()
    PostPillar.objects.filter(pillar=pillar).update(pillar=into)
    pillar.status, pillar.merged_into = PillarStatus.DELETED, into
    pillar.save(update_fields=["status", "merged_into", "updated_at"])
    return into


@transaction.atomic
def pillar_delete(*, pillar: Pillar, role: str) -> None:
    """The theme stops being a pillar (and stays so on rediscovery); its posts go to their
    next-nearest pillar or to unassigned."""
    require(role, Action.EDIT)
    pillar.status = PillarStatus.DELETED
    pillar.save(update_fields=["status", "updated_at"])
    post_ids = list(PostPillar.objects.filter(pillar=pillar).values_list("post_id", flat=True))
    remaining = list(
        Pillar.objects.filter(persona_id=pillar.persona_id, status=PillarStatus.ACTIVE)
    )
    _reassign(post_ids, pillar.persona_id, remaining)


@transaction.atomic
def pillar_split(*, pillar: Pillar, role: str) -> Pillar:
    """Two pillars from one: its posts in two clusters; the larger keeps the pillar (name,
    target), the other becomes a new pillar named by its distinctive words."""
    require(role, Action.EDIT)
    post_ids = list(PostPillar.objects.filter(pillar=pillar).values_list("post_id", flat=True))
    rows = posts.embedded_posts(pillar.persona_id, ids=post_ids)
    centre = latest_centre(pillar.persona_id)
    if len(rows) < 2 * discovery.POSTS_PER_PILLAR or centre is None:
        raise ValidationError(
            f"A pillar needs at least {2 * discovery.POSTS_PER_PILLAR} posts to split; "
            f"“{pillar.name}” has {len(rows)}."
        )
    vectors = np.array([r[2] for r in rows])
    points = _centred(vectors, centre)
    _, labels = discovery.kmeans(points, 2)
    if labels.sum() * 2 > len(labels):
        labels = 1 - labels  # label 0: the larger half, which keeps the pillar
    if not labels.any():
        raise ValidationError(f"The posts of “{pillar.name}” do not fall into two themes.")
    texts = [r[1] for r in rows]
    halves = []
    for half in (0, 1):
        member = labels == half
        similarity = np.sum(
            points[member]
            * discovery.unit_rows((vectors[member].mean(axis=0) - centre)[np.newaxis, :]),
            axis=1,
        )
        halves.append(
            (
                vectors[member].mean(axis=0),
                discovery.lower_fence(similarity),
                [t for t, m in zip(texts, member, strict=True) if m],
                [t for t, m in zip(texts, member, strict=True) if not m],
            )
        )
    pillar.mean_vector, pillar.threshold = halves[0][0], halves[0][1]
    language = pillar.persona.language
    pillar.keywords = discovery.distinctive_terms(halves[0][2], halves[0][3], language)
    pillar.save()
    terms = discovery.distinctive_terms(halves[1][2], halves[1][3], language)
    new = Pillar.objects.create(
        persona_id=pillar.persona_id,
        name=discovery.name_from_terms(terms)[:80],
        keywords=terms,
        mean_vector=halves[1][0],
        threshold=halves[1][1],
    )
    moved = [r[0] for r, label in zip(rows, labels, strict=True) if label == 1]
    PostPillar.objects.filter(post_id__in=moved).update(pillar=new)
    return new


def sweep() -> int:
    """Beat: discoveries nobody works on go to a worker again, and personas with ideas left
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
