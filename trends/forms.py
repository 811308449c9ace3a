from __future__ import annotations

from django import forms

from core.egress import validate_public_url
from trends.models import Stance, TrendSource


class SourceForm(forms.ModelForm):
    url = forms.URLField(
        validators=[validate_public_url],
        max_length=1000,
        required=False,
        assume_scheme="https",
        label="Address",
        help_text=TrendSource._meta.get_field("url").help_text,
    )
    secret = forms.CharField(
        required=False,
        max_length=500,
        label="Secret or API key",
        widget=forms.PasswordInput(render_value=False),
        help_text="Reddit: your app's secret. YouTube: your Data API key. Stored encrypted; "
        "leave empty to keep the one saved.",
    )

    class Meta:
        model = TrendSource
        fields = [
            "kind",
            "name",
            "url",
            "query",
            "client_id",
            "secret",
            "interval_minutes",
            "enabled",
        ]
        labels = {
            "url": "Address",
            "interval_minutes": "Check every (minutes)",
            "client_id": "Client id (Reddit)",
        }

    def clean_interval_minutes(self):
        value = self.cleaned_data["interval_minutes"]
        if value < 5:
            raise forms.ValidationError("Check at most every 5 minutes: sources rate-limit us.")
        return value


class StanceForm(forms.ModelForm):
    class Meta:
        model = Stance
        fields = ["kind", "text"]
        labels = {"kind": "Position", "text": "Sentence"}
        widgets = {"text": forms.TextInput(attrs={"placeholder": "e.g. growth hacks"})}
