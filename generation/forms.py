from __future__ import annotations

from typing import Any, cast

from django import forms

from generation.models import ContentType, RejectReason
from generation.services import MESSAGE_MAX, TOPIC_MAX
from personas.models import Persona
from pillars.models import Pillar, Topic
from pillars.selectors import active_pillars, ideas_of
from voice.models import Overlay
from voice.selectors import overlays_of


class GenerateForm(forms.Form):
    topic = forms.CharField(
        max_length=TOPIC_MAX,
        widget=forms.TextInput(attrs={"placeholder": "e.g. why we stopped doing sales calls"}),
    )
    content_type = forms.ChoiceField(
        choices=ContentType.choices, initial=ContentType.SHORT, label="Type"
    )
    creativity = forms.IntegerField(
        min_value=0,
        max_value=100,
        initial=30,
        widget=forms.NumberInput(attrs={"type": "range", "step": 5, "data-shows-value": ""}),
        help_text="Low stays close to what you have written; high reaches further.",
    )
    overlay: forms.ModelChoiceField[Overlay] = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="None: your usual voice",
        help_text="An overlay adjusts the voice for one kind of post (e.g. more formal). "
        "Make them on the Voice page.",
    )

    pillar: forms.ModelChoiceField[Pillar] = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="Any: what fits the topic",
        help_text="Drafts then learn from this pillar's posts.",
    )
    opening = forms.CharField(
        max_length=300,
        required=False,
        label="Opening line",
        help_text="Optional: the first draft opens with it (from an idea's hook angles).",
    )
    idea: forms.ModelChoiceField[Topic] = forms.ModelChoiceField(
        queryset=None, required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, persona: Persona, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice = cast(dict[str, forms.ModelChoiceField], self.fields)
        choice["overlay"].queryset = overlays_of(persona)
        choice["pillar"].queryset = active_pillars(persona)
        choice["idea"].queryset = ideas_of(persona)


class RejectForm(forms.Form):
    reasons = forms.MultipleChoiceField(
        choices=RejectReason.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Pick at least one reason: it is how the next drafts improve."},
    )
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RefineForm(forms.Form):
    message = forms.CharField(max_length=MESSAGE_MAX)


class DraftForm(forms.Form):
    text = forms.CharField(max_length=30000, widget=forms.Textarea)
