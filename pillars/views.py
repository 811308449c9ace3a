from __future__ import annotations

import mimetypes
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.middleware import WorkspaceRequest, workspace_view
from accounts.permissions import Action
from accounts.selectors import get_object_for
from core.http import render_form, safe_next_url, say_refusal
from core.jobs import ACTIVE, JobProgress, JobStatus, poll_response
from llm import transcription
from personas.middleware import PersonaRequest, persona_view
from pillars import selectors, services
from pillars.forms import (
    IdeaForm,
    IdeaStatusForm,
    MergeForm,
    PasteForm,
    PillarForm,
    SharedIdeaForm,
    TranscriptForm,
    VoiceNoteForm,
)
from pillars.models import Pillar, PillarDiscovery, Topic, TopicSource, TopicStatus, VoiceNote


def _discovery_job(run: PillarDiscovery) -> JobProgress:
    return JobProgress.of(
        run,
        region="discovery-progress",
        poll_url=reverse("pillars_discovery_progress", args=[run.pk]),
        title="Finding your pillars…",
        error=f"The last discovery failed: {run.error}",
        done_text="Pillars found.",
        done_url=reverse("pillars"),
        done_link="Show them",
    )


@persona_view()
def pillars_page(request: PersonaRequest) -> HttpResponse:
    persona = request.persona
    run = selectors.latest_discovery(persona)
    stats = selectors.pillars_with_stats(persona)
    choices = selectors.active_pillars(persona)
    for pillar in stats["pillars"]:
        pillar.merge_form = MergeForm(pillar=pillar, choices=choices, prefix=f"m{pillar.pk}")
    context = {
        "persona": persona,
        "run": run,
        "job": _discovery_job(run) if run else None,
        "running": run is not None and run.status in ACTIVE,
        "min_posts": services.MIN_POSTS,
        "target_total": sum(p.target_share or 0 for p in stats["pillars"]),
        **stats,
    }
    return render(request, "pillars/pillars.html", context)


@persona_view()
@require_POST
def discover(request: PersonaRequest) -> HttpResponse:
    persona = request.persona
    try:
        services.discovery_request(persona=persona, role=request.membership.role, user=request.user)
    except ValidationError as error:
        say_refusal(request, error)
    return redirect("pillars")


@workspace_view
def discovery_progress(request: WorkspaceRequest, pillar_discovery_id: int) -> HttpResponse:
    run = get_object_for(request.user, PillarDiscovery, pillar_discovery_id)
    return poll_response(request, _discovery_job(run), refresh=run.status == JobStatus.DONE)


def _pillar(request: WorkspaceRequest, pillar_id: int) -> Pillar:
    return get_object_for(
        request.user,
        Pillar,
        pillar_id,
        action=Action.EDIT,
        queryset=Pillar.objects.select_related("persona"),
    )


@workspace_view
def pillar_edit(request: WorkspaceRequest, pillar_id: int) -> HttpResponse:
    pillar = _pillar(request, pillar_id)
    form = PillarForm(request.POST or None, instance=pillar)
    if request.method == "POST" and form.is_valid():
        services.pillar_update(pillar=pillar, role=pillar.user_role, data=form.cleaned_data)
        messages.success(request, f"Pillar “{pillar.name}” saved.")
        return redirect("pillars")
    return render_form(
        request, "pillars/pillar_form.html", {"form": form, "pillar": pillar}, form=form
    )


@workspace_view
@require_POST
def pillar_merge(request: WorkspaceRequest, pillar_id: int) -> HttpResponse:
    pillar = _pillar(request, pillar_id)
    form = MergeForm(
        request.POST,
        pillar=pillar,
        choices=selectors.active_pillars(pillar.persona),
        prefix=f"m{pillar.pk}",
    )
    if not form.is_valid():
        messages.error(request, "Choose a pillar of this persona to merge into.")
        return redirect("pillars")
    try:
        into = services.pillar_merge(
            pillar=pillar, into=form.cleaned_data["into"], role=pillar.user_role
        )
    except ValidationError as error:
        say_refusal(request, error)
    else:
        messages.success(request, f"“{pillar.name}” merged into “{into.name}”.")
    return redirect("pillars")


@workspace_view
@require_POST
def pillar_split(request: WorkspaceRequest, pillar_id: int) -> HttpResponse:
    pillar = _pillar(request, pillar_id)
    try:
        new = services.pillar_split(pillar=pillar, role=pillar.user_role)
    except ValidationError as error:
        say_refusal(request, error)
    else:
        messages.success(request, f"“{pillar.name}” split: its other half is “{new.name}”.")
    return redirect("pillars")


@workspace_view
@require_POST
def pillar_delete(request: WorkspaceRequest, pillar_id: int) -> HttpResponse:
    pillar = _pillar(request, pillar_id)
    services.pillar_delete(pillar=pillar, role=pillar.user_role)
    messages.success(
        request, f"“{pillar.name}” deleted; its posts moved to their next-closest pillar."
    )
    return redirect("pillars")


def write_url(topic: Topic, angle: dict | None = None) -> str:
    """The Write page with the idea filled in."""
    params = {"topic": topic.title, "idea": topic.pk}
    if topic.pillar_id:
        params["pillar"] = topic.pillar_id
    if angle:
        params["opening"] = angle.get("hook", "")
    return f"{reverse('generate')}?{urlencode(params)}"


def _ideas_page(
    request: PersonaRequest,
    *,
    form: IdeaForm | None = None,
    paste_form: PasteForm | None = None,
    note_form: VoiceNoteForm | None = None,
) -> HttpResponse:
    """The ideas inbox with its three ways in (a form that failed shows what was typed)."""
    persona = request.persona
    status = request.GET.get("status", "")
    status = status if status in TopicStatus.values else ""
    listed = list(selectors.topics_of(persona, status=status)[:200])
    for topic in listed:
        topic.angle_links = [(a, write_url(topic, a)) for a in topic.angles]
        topic.write_url = write_url(topic)
    notes = list(selectors.voice_notes_open(persona)[:10])
    offline_only = not transcription.has_model_transcriber(persona.workspace_id)
    context = {
        "persona": persona,
        "form": form or IdeaForm(),
        "paste_form": paste_form or PasteForm(),
        "note_form": note_form
        or VoiceNoteForm(initial={"language": persona.language}, offline_only=offline_only),
        "max_seconds": settings.VOICE_NOTE_MAX_SECONDS,
        "max_clock": "{}:{:02d}".format(*divmod(settings.VOICE_NOTE_MAX_SECONDS, 60)),
        "retention_days": settings.VOICE_NOTE_RETENTION_DAYS,
        "voice_notes": [
            (note, _note_job(note), TranscriptForm(initial={"transcript": note.transcript}))
            for note in notes
        ],
        "topics": listed,
        "status": status,
        "statuses": TopicStatus.choices,
        "counts": selectors.topic_counts(persona),
        "has_pillars": selectors.active_pillars(persona).exists(),
    }
    failed = next((f for f in (form, paste_form, note_form) if f is not None and f.errors), None)
    return render_form(request, "pillars/ideas.html", context, form=failed or IdeaForm())


@persona_view()
def ideas(request: PersonaRequest) -> HttpResponse:
    persona = request.persona
    form = IdeaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.topic_add(
                persona=persona,
                role=request.membership.role,
                user=request.user,
                title=form.cleaned_data["title"],
            )
        except ValidationError as error:
            form.add_error("title", error)
        else:
            messages.success(request, "Idea added; it is being scored.")
            return redirect("ideas")
    return _ideas_page(request, form=form if request.method == "POST" else None)


@persona_view()
@require_POST
def ideas_paste(request: PersonaRequest) -> HttpResponse:
    persona = request.persona
    form = PasteForm(request.POST)
    if form.is_valid():
        try:
            added = services.topics_paste(
                persona=persona,
                role=request.membership.role,
                user=request.user,
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            form.add_error("text", error)
        else:
            messages.success(
                request,
                f"{len(added)} ideas added; they are being scored."
                if added
                else "Those ideas are already in your inbox.",
            )
            return redirect("ideas")
    return _ideas_page(request, paste_form=form)


def _note_job(note: VoiceNote) -> JobProgress:
    return JobProgress.of(
        note,
        region=f"note-{note.pk}-progress",
        poll_url=reverse("voice_note_progress", args=[note.pk]),
        title="Transcribing your note…",
        error=f"It could not be transcribed: {note.error}",
        done_text="Transcribed.",
        done_url=f"{reverse('ideas')}#note-{note.pk}",
        done_link="Show the transcript",
    )


@persona_view()
@require_POST
def voice_note_upload(request: PersonaRequest) -> HttpResponse:
    """A recorded or uploaded note, kept and queued for transcription."""
    persona = request.persona
    form = VoiceNoteForm(
        request.POST,
        request.FILES,
        offline_only=not transcription.has_model_transcriber(persona.workspace_id),
    )
    if form.is_valid():
        try:
            note = services.voice_note_add(
                persona=persona,
                role=request.membership.role,
                user=request.user,
                audio=form.cleaned_data["audio"],
                language=form.cleaned_data["language"],
            )
        except ValidationError as error:
            form.add_error("audio", error)
        else:
            messages.success(request, "Voice note saved; it is being transcribed.")
            return redirect(f"{reverse('ideas')}#note-{note.pk}")
    return _ideas_page(request, note_form=form)


@workspace_view
def voice_note_progress(request: WorkspaceRequest, voice_note_id: int) -> HttpResponse:
    note = get_object_for(request.user, VoiceNote, voice_note_id)
    return poll_response(request, _note_job(note), refresh=True)


@workspace_view
def voice_note_audio(request: WorkspaceRequest, voice_note_id: int) -> FileResponse:
    """The note's audio, to its own workspace only (media files are never public)."""
    note = get_object_for(request.user, VoiceNote, voice_note_id)
    if not note.audio:
        raise Http404("This note's audio was deleted.")
    content_type = mimetypes.guess_type(note.filename or note.audio.name)[0] or "audio/webm"
    return FileResponse(note.audio.open("rb"), content_type=content_type)


@workspace_view
@require_POST
def voice_note_ideas(request: WorkspaceRequest, voice_note_id: int) -> HttpResponse:
    note = get_object_for(request.user, VoiceNote, voice_note_id, action=Action.EDIT)
    form = TranscriptForm(request.POST)
    if not form.is_valid():
        say_refusal(request, ValidationError(list(form.errors["transcript"])))
        return redirect(f"{reverse('ideas')}#note-{note.pk}")
    try:
        made = services.voice_note_make_ideas(
            note=note,
            role=note.user_role,
            user=request.user,
            transcript=form.cleaned_data["transcript"],
        )
    except ValidationError as error:
        say_refusal(request, error)
        return redirect(f"{reverse('ideas')}#note-{note.pk}")
    titles = ", ".join(f"“{t.title}”" for t in made)
    messages.success(
        request, f"{len(made)} idea{'s' if len(made) != 1 else ''} from your note: {titles}."
    )
    return redirect("ideas")


@workspace_view
@require_POST
def voice_note_retry(request: WorkspaceRequest, voice_note_id: int) -> HttpResponse:
    note = get_object_for(request.user, VoiceNote, voice_note_id, action=Action.EDIT)
    try:
        services.voice_note_retry(note=note, role=note.user_role)
    except ValidationError as error:
        say_refusal(request, error)
    else:
        messages.success(request, "Transcribing it again.")
    return redirect(f"{reverse('ideas')}#note-{note.pk}")


@workspace_view
@require_POST
def voice_note_delete(request: WorkspaceRequest, voice_note_id: int) -> HttpResponse:
    note = get_object_for(request.user, VoiceNote, voice_note_id, action=Action.EDIT)
    services.voice_note_delete(note=note, role=note.user_role)
    messages.success(request, "Voice note and its audio deleted.")
    return redirect("ideas")


@workspace_view
@require_POST
def idea_status(request: WorkspaceRequest, topic_id: int) -> HttpResponse:
    topic = get_object_for(request.user, Topic, topic_id, action=Action.EDIT)
    form = IdeaStatusForm(request.POST)
    if form.is_valid():
        services.topic_set_status(
            topic=topic, role=topic.user_role, status=form.cleaned_data["status"]
        )
        messages.success(request, f"“{topic.title}” is now {topic.get_status_display().lower()}.")
    return redirect(safe_next_url(request, reverse("ideas")))


@persona_view(missing="Make a persona first: a shared idea goes to a persona's inbox.")
def idea_shared(request: PersonaRequest) -> HttpResponse:
    """The share target: a link or text shared from another app, as a new idea to confirm.

    The installed app's share sheet opens it (a GET with title, text and url); nothing is
    kept until the creator presses Add."""
    persona = request.persona
    if request.method == "POST":
        form = SharedIdeaForm(request.POST)
        if form.is_valid():
            try:
                services.topic_add(
                    persona=persona,
                    role=request.membership.role,
                    user=request.user,
                    title=form.cleaned_data["title"],
                    notes=form.cleaned_data["notes"],
                    source=TopicSource.SHARED,
                    source_url=form.cleaned_data["source_url"],
                )
            except ValidationError as error:
                form.add_error("title", error)
            else:
                messages.success(request, "Idea added to your inbox; it is being scored.")
                return redirect("ideas")
    else:
        form = SharedIdeaForm.from_share(
            request.GET.get("title", ""), request.GET.get("text", ""), request.GET.get("url", "")
        )
    shared = " ".join(
        part for part in (request.GET.get("text", ""), request.GET.get("url", "")) if part
    )
    return render(
        request,
        "pillars/idea_shared.html",
        {
            "persona": persona,
            "form": form,
            "compose_url": reverse("compose_new") + "?" + urlencode({"text": shared})
            if shared
            else "",
        },
    )
