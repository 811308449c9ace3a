from __future__ import annotations

import zoneinfo
from functools import cache

from django import forms
from django.utils.safestring import mark_safe

from accounts.models import Workspace
from personas.models import Persona


@cache
def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class ZoneInput(forms.TextInput):
    """Type to search the ~600 zones (a text box with a list of suggestions); the field still
    accepts only a real zone."""

    def render(self, name, value, attrs=None, renderer=None):  # type: ignore[no-untyped-def]
        attrs = {**(attrs or {}), "list": f"{name}-zones", "autocomplete": "off"}
        box = super().render(name, value, attrs, renderer)
        options = "".join(f'<option value="{zone}">' for zone, _ in timezone_choices())
        return mark_safe(f'{box}<datalist id="{name}-zones">{options}</datalist>')


class PersonaForm(forms.ModelForm):
    timezone = forms.ChoiceField(
        choices=timezone_choices,
        initial="UTC",
        widget=ZoneInput(attrs={"placeholder": "Type a city, e.g. Lisbon"}),
        help_text="Type to search (e.g. “Lisbon” finds Europe/Lisbon). Used to show and plan "
        "posting times in this persona's local time.",
        error_messages={
            "invalid_choice": "“%(value)s” is not a time zone; pick one from the list."
        },
    )

    class Meta:
        model = Persona
        fields = ["name", "platform", "description", "language", "timezone"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "name": "For example “LinkedIn – founder me”.",
            "description": "Optional: who this voice speaks to and about what.",
        }

    def __init__(self, *args: object, workspace: Workspace, **kwargs: object) -> None:
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
