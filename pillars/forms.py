from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from core.egress import web_url
from language.text import first_sentence
from llm.transcription import AUDIO_EXTENSIONS, OFFLINE_LANGUAGES
from personas.models import Language
from pillars.models import Pillar, TopicStatus
from pillars.services.ideas import MAX_PASTED
from pillars.services.notes import limits


class PillarForm(forms.ModelForm):
    class Meta:
        model = Pillar
        fields = ["name", "description", "target_share"]
        labels = {"target_share": "Target share (%)"}
        widgets = {"target_share": forms.NumberInput(attrs={"min": 0, "max": 100})}

    def clean_target_share(self):
        value = self.cleaned_data.get("target_share")
        if value is not None and not 0 <= value <= 100:
            raise forms.ValidationError("A share is a percent between 0 and 100.")
        return value


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=Pillar.objects.none(), label="Merge into", empty_label=None
    )

    def __init__(
        self, *args: Any, pillar: Pillar, choices: QuerySet[Pillar], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["into"]).queryset = choices.exclude(pk=pillar.pk)


class IdeaForm(forms.Form):
    title = forms.CharField(
        max_length=300,
        label="Idea",
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. what a year of weekly posting taught me"}
        ),
    )


class SharedIdeaForm(forms.Form):
    """What another app shared (a phone's share sheet), as a new idea to confirm."""

    title = forms.CharField(max_length=300, label="Idea")
    notes = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    source_url = forms.CharField(
        required=False, max_length=1000, label="Link", help_text="Kept with the idea."
    )

    def clean_source_url(self) -> str:
        value = self.cleaned_data["source_url"].strip()
        if value and not web_url(value):
            raise forms.ValidationError("A link to keep must be a web address (http or https).")
        return value

    @classmethod
    def from_share(cls, title: str, text: str, url: str) -> SharedIdeaForm:
        """The form filled from a share: apps put the link in `url`, or in `text`, or alone."""
        link = web_url(url) or next((w for w in text.split() if web_url(w)), "")
        notes = " ".join(w for w in text.split() if w != link) if link else text.strip()
        headline = " ".join(title.split()) or first_sentence(notes, 300) or link
        return cls(
            initial={
                "title": headline[:300],
                "notes": "" if notes == headline else notes[:5000],
                "source_url": link[:1000],
            }
        )


class PasteForm(forms.Form):
    text = forms.CharField(
        label="Paste ideas, one a line",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"Bullets and numbers are ignored; at most {MAX_PASTED} at once.",
    )


class IdeaStatusForm(forms.Form):
    status = forms.ChoiceField(choices=TopicStatus.choices)


class VoiceNoteForm(forms.Form):
    """A recorded or uploaded note (the recorder puts its recording in the same file field)."""

    audio = forms.FileField(
        label="Or upload an audio file",
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(f".{e}" for e in AUDIO_EXTENSIONS) + ",audio/*"}
        ),
    )
    language = forms.ChoiceField(choices=Language.choices, label="Spoken in")

    def __init__(self, *args: Any, offline_only: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["audio"].help_text = f"webm, ogg, m4a, mp3 or wav; {limits()}."
        if offline_only:
            self.fields["language"].help_text = (
                f"Transcribed on this server in {', '.join(OFFLINE_LANGUAGES.values())} only; "
                "for other languages add a model with a transcription model on the Models page."
            )


class TranscriptForm(forms.Form):
    transcript = forms.CharField(
        max_length=4000,
        label="Transcript",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Correct what was misheard; it becomes your idea's notes.",
    )
