from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from core.egress import validate_public_url
from core.zones import zone_label
from language.platforms import measure as measure_text
from language.platforms import normalise
from publishing.media import CheckedImage, check_upload, platform_image_problems
from publishing.models import Account


def platform_problem(account: Account, text: str) -> str:
    """What the account's platform would refuse in this text, in words ("" when nothing).

    The platform's own counting rules (language.platforms), the account's own limit when its server
    says (a Mastodon instance)."""
    measured = measure_text(account.platform, text, limit=account.max_characters)
    if measured is None or measured.valid:
        return ""
    if "; this post has" in measured.problem:
        return f"{measured.problem} Shorten it, or leave {account.name} out."
    return measured.problem


class NamedChannelForm(forms.Form):
    """The practice timeline and the manual channel: only a name."""

    name = forms.CharField(max_length=200, label="Name", help_text="How you know the channel.")


class MastodonForm(forms.Form):
    base_url = forms.URLField(
        validators=[validate_public_url],
        assume_scheme="https",
        label="Your Mastodon server",
        help_text="e.g. https://mastodon.social — you sign in there and allow ContentTwin to "
        "post (scopes write:statuses and read).",
    )


class BlueskyForm(forms.Form):
    handle = forms.CharField(max_length=200, label="Handle", help_text="e.g. you.bsky.social")
    app_password = forms.CharField(
        label="App password",
        widget=forms.PasswordInput(render_value=False),
        help_text="Settings → Privacy and security → App passwords. Stored encrypted; never "
        "shown again. Not your account password.",
    )
    service = forms.URLField(
        validators=[validate_public_url],
        required=False,
        assume_scheme="https",
        label="Server (PDS)",
        help_text="Leave empty for bsky.social.",
    )


class WebhookForm(forms.Form):
    name = forms.CharField(max_length=200, label="Name", help_text="e.g. Zapier → newsletter")
    url = forms.URLField(
        validators=[validate_public_url],
        assume_scheme="https",
        label="Endpoint",
        help_text="Receives each post as signed JSON at its time (header "
        "X-ContentTwin-Signature; the signing secret is shown once, after connecting).",
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ImagesField(forms.FileField):
    """Several files from one input, each checked as an image (publishing.media)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[CheckedImage]:
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        checked, errors = [], []
        for upload in files:
            super().clean(upload, initial)
            try:
                checked.append(check_upload(upload))
            except ValueError as error:
                errors.append(str(error))
        if errors:
            raise forms.ValidationError(errors)
        return checked


class PostTimeForm(forms.Form):
    """A post's text, images and time, checked against each account's limits.

    Text, images and a wall-clock time in the persona's zone, checked against each
    account's limits (length, image count, size and type)."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=25_000)
    when = forms.DateTimeField(
        label="When",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    images = ImagesField(
        required=False,
        label="Images",
        help_text="JPEG, PNG, GIF or WebP. Each platform's limits are checked before scheduling.",
    )
    alt_texts = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Image descriptions (alt text)",
        help_text="One line per image, in order: what a person who cannot see it should know.",
    )

    def __init__(self, *args: Any, zone: str, existing_images: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = ZoneInfo(zone)
        self.existing_images = list(existing_images)
        self.fields["when"].help_text = f"In {zone_label(zone)}."

    def clean_text(self) -> str:
        # Counted and stored as it will be sent: a textarea's CR LF is one line break.
        return normalise(self.cleaned_data.get("text") or "")

    def alt_text_lines(self) -> list[str]:
        return (self.cleaned_data.get("alt_texts") or "").splitlines()

    def chosen_accounts(self) -> list[Account]:
        return list(self.cleaned_data.get("accounts") or [])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        text = cleaned.get("text") or ""
        images = [*self.existing_images, *(cleaned.get("images") or [])]
        for account in self.chosen_accounts():
            if problem := platform_problem(account, text):
                self.add_error("text", problem)
            for problem in platform_image_problems(account, images):
                self.add_error("images", problem)
        return cleaned

    def clean_when(self) -> datetime:
        when: datetime = self.cleaned_data["when"]
        # The browser sends a wall-clock time: it is the persona's, whatever the server's zone.
        local = timezone.make_naive(when) if timezone.is_aware(when) else when
        aware = local.replace(tzinfo=self.zone)
        if aware < timezone.now() - timedelta(minutes=1):
            raise forms.ValidationError("That time has passed; pick a time from now on.")
        return aware


class ScheduleForm(PostTimeForm):
    """When (in the persona's time zone) and where a draft is published."""

    accounts = forms.ModelMultipleChoiceField(
        queryset=Account.objects.none(), widget=forms.CheckboxSelectMultiple, label="Publish to"
    )

    def __init__(self, *args: Any, accounts: Any, zone: str, **kwargs: Any) -> None:
        super().__init__(*args, zone=zone, **kwargs)
        field = self.fields["accounts"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = accounts


class EditForm(PostTimeForm):
    """A scheduled post's text and time; its accounts stay."""

    def __init__(self, *args: Any, accounts: list[Account], zone: str, **kwargs: Any) -> None:
        super().__init__(*args, zone=zone, **kwargs)
        self.accounts = accounts
        self.fields["images"].label = "Add images"

    def chosen_accounts(self) -> list[Account]:
        return self.accounts
