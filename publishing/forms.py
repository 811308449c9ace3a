from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from publishing.models import Account, Platform

# The most one post may hold, per platform (Mastodon's default instance limit).
MAX_LENGTH = {Platform.MASTODON: 500}


class AccountForm(forms.Form):
    platform = forms.ChoiceField(choices=Platform.choices)
    name = forms.CharField(max_length=200, label="Name", help_text="How you know the account.")
    base_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="Server",
        help_text="Mastodon: your server's address, e.g. https://mastodon.social",
    )
    access_token = forms.CharField(
        required=False,
        label="Access token",
        widget=forms.PasswordInput(render_value=False),
        help_text="Mastodon: Preferences → Development → New application (scopes write:statuses "
        "and read), then copy “Your access token”. Stored encrypted; never shown again.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("platform") == Platform.MASTODON:
            if not cleaned.get("base_url"):
                self.add_error("base_url", "Which Mastodon server is the account on?")
            if not cleaned.get("access_token"):
                self.add_error("access_token", "Paste the application's access token.")
        return cleaned


class ScheduleForm(forms.Form):
    """When (in the persona's time zone) and where a draft is published."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=25_000)
    when = forms.DateTimeField(
        label="When",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    accounts = forms.ModelMultipleChoiceField(
        queryset=Account.objects.none(), widget=forms.CheckboxSelectMultiple, label="Publish to"
    )

    def __init__(self, *args: Any, accounts: Any, zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = ZoneInfo(zone)
        self.fields["accounts"].queryset = accounts
        self.fields["when"].help_text = f"In {zone}."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        text, accounts = cleaned.get("text") or "", cleaned.get("accounts") or []
        for account in accounts:
            limit = MAX_LENGTH.get(account.platform)
            if limit and len(text) > limit:
                self.add_error(
                    "text",
                    f"{account.get_platform_display()} allows {limit} characters; this post has "
                    f"{len(text)}. Shorten it, or leave {account.name} out.",
                )
        return cleaned

    def clean_when(self) -> datetime:
        when: datetime = self.cleaned_data["when"]
        # The browser sends a wall-clock time: it is the persona's, whatever the server's zone.
        local = timezone.make_naive(when) if timezone.is_aware(when) else when
        aware = local.replace(tzinfo=self.zone)
        if aware < timezone.now() - timedelta(minutes=1):
            raise forms.ValidationError("That time has passed; pick a time from now on.")
        return aware
