from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from accounts import throttle
from accounts.models import Role, User
from core.zones import is_zone, zone_field


class SignUpForm(forms.Form):
    name = forms.CharField(max_length=150, required=False, label="Your name")
    # Filled in by the browser (static/js/app.js: data-browser-zone); UTC without a script.
    timezone = forms.CharField(
        required=False, widget=forms.HiddenInput(attrs={"data-browser-zone": ""})
    )
    email = forms.EmailField(label="Email address")
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters; not entirely numeric or a common password.",
    )

    def clean_email(self) -> str:
        # Whether the address has an account is never said here (services.signup_request).
        return str(self.cleaned_data["email"]).strip().lower()

    def clean_timezone(self) -> str:
        zone = self.cleaned_data.get("timezone") or ""
        return zone if is_zone(zone) else "UTC"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            probe = User(email=cleaned.get("email", ""), name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class InviteeSignUpForm(forms.Form):
    """An account for the invited address: the invitation link already proves it."""

    name = forms.CharField(max_length=150, required=False, label="Your name")
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters; not entirely numeric or a common password.",
    )
    timezone = forms.CharField(
        required=False, widget=forms.HiddenInput(attrs={"data-browser-zone": ""})
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_timezone(self) -> str:
        zone = self.cleaned_data.get("timezone") or ""
        return zone if is_zone(zone) else "UTC"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if password := cleaned.get("password"):
            probe = User(email=self.email, name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class ThrottledAuthenticationForm(AuthenticationForm):
    """The login form, refusing an address that keeps failing.

    Django's login form, refusing attempts from an address that keeps failing (see
    accounts.throttle); the view answers those with 429."""

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username") or ""
        wait = throttle.seconds_locked(self.request, email)
        if wait:
            raise forms.ValidationError(
                f"Too many failed sign-in attempts. Try again in about "
                f"{throttle.wait_in_words(wait)}, or reset your password.",
                code="throttled",
            )
        try:
            cleaned = super().clean() or {}
        except forms.ValidationError:
            throttle.record_failure(self.request, email)
            raise
        throttle.clear_failures(self.request, email)
        return cleaned

    @property
    def throttled(self) -> bool:
        return any(e.code == "throttled" for e in self.errors.as_data().get("__all__", []))


class WorkspaceForm(forms.Form):
    name = forms.CharField(max_length=100, label="Workspace name")


class ProfileForm(forms.Form):
    name = forms.CharField(max_length=150, required=False, label="Your name")
    email = forms.EmailField(label="Email address")
    timezone = zone_field(
        required=False,
        label="Your time zone",
        help_text="Workspace-wide pages (usage, billing, team) show times in it; a persona's "
        "pages use the persona's zone.",
    )
    current_password = forms.CharField(
        required=False,
        label="Current password",
        widget=forms.PasswordInput(render_value=False),
        help_text="Needed to change your email address.",
    )


class ApprovalForm(forms.Form):
    posts_need_approval = forms.BooleanField(
        required=False,
        label="Posts need approval",
        help_text="Editors' posts wait until an owner or admin approves them; owners' and "
        "admins' own posts are scheduled at once.",
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.EDITOR)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
