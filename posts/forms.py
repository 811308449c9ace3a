from __future__ import annotations

from typing import Any

from django import forms

from core.zones import zone_label
from personas.models import Persona
from posts.models import ContentType, ImportFormat, Tier
from posts.rules import MAX_COUNT, CheckedPost, check_post, parse_datetime


class PostForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), strip=True)
    posted_at = forms.CharField(
        required=False,
        label="Posted on",
        help_text="For example 2025-03-14 or 2025-03-14 09:30. Empty means today.",
    )
    content_type = forms.ChoiceField(
        required=False,
        choices=[("", "Decide from the length"), *ContentType.choices],
        label="Content type",
    )
    impressions = forms.IntegerField(required=False, min_value=0, max_value=MAX_COUNT)
    likes = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_COUNT, label="Likes / reactions"
    )
    comments = forms.IntegerField(required=False, min_value=0, max_value=MAX_COUNT)
    reposts = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_COUNT, label="Reposts / shares"
    )
    profile_views = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_COUNT, label="Profile views"
    )
    saves = forms.IntegerField(required=False, min_value=0, max_value=MAX_COUNT)
    external_ref = forms.CharField(required=False, max_length=500, label="Post URL or id")
    save_anyway = forms.BooleanField(required=False, label="Save anyway", widget=forms.HiddenInput)

    def __init__(self, *args: Any, persona: Persona, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.persona = persona
        self.checked: CheckedPost | None = None
        self.fields["posted_at"].help_text = (
            "For example 2025-03-14 or 2025-03-14 09:30, in "
            f"{zone_label(persona.timezone)}. Empty means today."
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        typed_date = (cleaned.get("posted_at") or "").strip()
        if typed_date and parse_datetime(typed_date, self.persona.timezone) is None:
            # On the form a date we cannot read is an error (an import row falls back to today
            # with a warning instead): nothing typed is silently replaced.
            self.add_error(
                "posted_at",
                f"“{typed_date}” is not a date we can read. Write it like 2025-03-14 or "
                "2025-03-14 09:30.",
            )
            return cleaned
        checked = check_post(
            cleaned, platform=self.persona.platform, timezone=self.persona.timezone
        )
        for message in checked.errors:
            self.add_error("text" if message.startswith("text") else None, message)
        self.checked = checked
        return cleaned


class PostFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200)
    tier = forms.ChoiceField(
        required=False, choices=[("", "All tiers"), *Tier.choices, ("incomplete", "No metrics")]
    )
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        required=False,
        help_text="CSV, JSON, LinkedIn Shares.csv, X tweets.js, or the zip they came in.",
    )
    pasted = forms.CharField(
        required=False,
        label="Or paste posts",
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "First post…\n---\nSecond post…"}),
        help_text="Separate posts with a line of three dashes (---).",
    )
    format = forms.ChoiceField(choices=ImportFormat.choices, initial=ImportFormat.AUTO)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("file") and not (cleaned.get("pasted") or "").strip():
            raise forms.ValidationError("Choose a file or paste some posts.")
        return cleaned
