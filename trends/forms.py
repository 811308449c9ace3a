from __future__ import annotations

from typing import Any, cast

from django import forms

from accounts.models import Workspace
from core.egress import validate_public_url
from personas.selectors import personas_of
from trends.models import Stance, TrendSource
from trends.services.drafting import MAX_DRAFTS_PER_DAY


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
            "draft_for",
            "drafts_per_day",
        ]
        labels = {
            "url": "Address",
            "interval_minutes": "Check every (minutes)",
            "client_id": "Client id (Reddit)",
            "drafts_per_day": "At most, drafted a day",
        }
        help_texts = {
            "draft_for": "Each new item becomes an idea of this persona with three drafts in its "
            "voice, written in the background. Nothing is published: the drafts wait for you.",
        }

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        personas = cast(forms.ModelChoiceField, self.fields["draft_for"])
        personas.queryset = personas_of(workspace)
        personas.empty_label = "Nobody: only rank its items"
        self.fields["drafts_per_day"].required = False  # the model's default when left empty

    def clean_drafts_per_day(self) -> int:
        value = self.cleaned_data["drafts_per_day"]
        if value is None:
            return TrendSource._meta.get_field("drafts_per_day").get_default()
        if not 1 <= value <= MAX_DRAFTS_PER_DAY:
            raise forms.ValidationError(f"From 1 to {MAX_DRAFTS_PER_DAY} a day.")
        return value

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
