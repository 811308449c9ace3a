from __future__ import annotations

from typing import Any

from django import forms

from personas.models import Persona
from voice.models import Overlay, Verdict


class OverrideForm(forms.Form):
    """An answer about one pattern: its key, the verdict, and the corrected value if any.

    The voice page's review list sends one form for all its patterns: each button is named
    after its verdict and carries the pattern's key ("confirmed" = "word:pricing")."""

    key = forms.CharField(max_length=200)
    verdict = forms.ChoiceField(choices=Verdict.choices)
    value = forms.CharField(
        required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        if data is not None and "verdict" not in data:
            pressed = [v for v in (Verdict.CONFIRMED, Verdict.REJECTED) if data.get(v)]
            if len(pressed) == 1:
                data = {"key": data[pressed[0]], "verdict": pressed[0]}
        super().__init__(data, **kwargs)


class OverlayForm(forms.ModelForm):
    tone_shift = forms.FloatField(
        min_value=-1,
        max_value=1,
        initial=0,
        widget=forms.NumberInput(attrs={"type": "range", "min": "-1", "max": "1", "step": "0.1"}),
        help_text="Left: more casual. Right: more formal. Middle: as usual.",
    )

    class Meta:
        model = Overlay
        fields = ["name", "tone_shift", "length_preference", "structure_override", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, persona: Persona, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.persona = persona

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Overlay.objects.filter(persona=self.persona, name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("This persona already has an overlay with this name.")
        return name
