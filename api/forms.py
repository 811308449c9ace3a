from __future__ import annotations

from typing import Any

from django import forms

from api.models import Scope
from notifications.models import EventType


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=80, help_text="Where it is used, e.g. “n8n” or “Claude Desktop”."
    )
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.READ],
        help_text="Your role still applies: a viewer's token only reads.",
    )
    expires_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: it never expires (revoke it when it is no longer used).",
    )

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["scopes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(value, label) for value, label in Scope.choices if value in allowed]


class EndpointForm(forms.Form):
    url = forms.URLField(
        max_length=1000,
        label="Endpoint URL",
        help_text="Where events are POSTed, signed (n8n, Zapier, your own server).",
        assume_scheme="https",
    )
    events = forms.MultipleChoiceField(
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(EventType.values),
    )
