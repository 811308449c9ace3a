from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import Workspace
from core.zones import zone_field
from personas.models import Persona


class PersonaForm(forms.ModelForm):
    timezone = zone_field(
        help_text="Type to search (e.g. “Lisbon” finds Europe/Lisbon). Used to show and plan "
        "posting times in this persona's local time."
    )

    class Meta:
        model = Persona
        fields = ["name", "platform", "description", "language", "timezone"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "name": "For example “LinkedIn – founder me”.",
            "description": "Optional: who this voice speaks to and about what.",
        }

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = self.workspace.personas.filter(name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("This workspace already has a persona with this name.")
        return name
