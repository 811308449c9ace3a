from __future__ import annotations

from typing import Any

from django import forms

from analytics.selectors import PERIODS


class PeriodForm(forms.Form):
    """Which stretch of time an analytics page covers (in the persona's zone)."""

    range = forms.ChoiceField(
        choices=[(key, label) for key, (label, _) in PERIODS.items()], label="Period"
    )
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("range") == "custom" and not cleaned.get("start"):
            self.add_error("start", "Pick the first day (and the last, or today is used).")
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "The last day comes before the first.")
        return cleaned
