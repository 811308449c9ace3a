from __future__ import annotations

from django import forms

from calendar_app.models import WEEKDAYS
from publishing.models import TargetState


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

    def __init__(self, *args, personas, accounts, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["persona"].choices = [("", "All personas")] + [(p.pk, p.name) for p in personas]
        self.fields["account"].choices = [("", "All accounts")] + [(a.pk, a.name) for a in accounts]
        self.fields["status"].choices = [("", "Any status"), *TargetState.choices]
