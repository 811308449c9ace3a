from __future__ import annotations

from typing import Any, cast

from django import forms

from calendar_app.models import WEEKDAYS
from personas.models import Persona
from publishing.models import Account, TargetState


class SlotForm(forms.Form):
    weekday = forms.TypedChoiceField(choices=WEEKDAYS, coerce=int, label="Day")
    time = forms.TimeField(
        label="Time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )


class MoveForm(forms.Form):
    date = forms.DateField(input_formats=["%Y-%m-%d"])


class CalendarFilterForm(forms.Form):
    """What the calendar shows; every field optional (an unknown value is ignored)."""

    view = forms.ChoiceField(
        choices=[("month", "Month"), ("week", "Week"), ("list", "List")], required=False
    )
    date = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    persona = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    account = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(required=False)

    def __init__(
        self, *args: Any, personas: list[Persona], accounts: list[Account], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choice = cast(dict[str, forms.ChoiceField], self.fields)
        choice["persona"].choices = [("", "All personas")] + [(p.pk, p.name) for p in personas]
        choice["account"].choices = [("", "All accounts")] + [(a.pk, a.name) for a in accounts]
        choice["status"].choices = [("", "Any status"), *TargetState.choices]
