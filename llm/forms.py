from __future__ import annotations

from django import forms

from core.egress import validate_public_url
from llm.models import ModelKind


class ConnectionForm(forms.Form):
    kind = forms.ChoiceField(choices=ModelKind.choices, label="Provider")
    model = forms.CharField(
        max_length=120,
        label="Model",
        help_text="e.g. gpt-4o-mini, claude-sonnet-4-5, llama3.1 (as your server names it).",
    )
    transcription_model = forms.CharField(
        max_length=120,
        required=False,
        label="Transcription model",
        help_text="For voice notes in any language: whisper-1 or gpt-4o-mini-transcribe on "
        "OpenAI, or the model a faster-whisper server names (e.g. Systran/faster-whisper-small). "
        "Empty: voice notes are transcribed offline, in US English only.",
    )
    base_url = forms.URLField(
        validators=[validate_public_url],
        required=False,
        assume_scheme="http",
        label="Server address",
        help_text="OpenAI-compatible servers only, with /v1: Ollama http://localhost:11434/v1, "
        "LM Studio http://localhost:1234/v1, vLLM or llama.cpp http://host:8000/v1. A server on "
        "this machine or your own network is refused unless the operator lists it in "
        "ALLOW_PRIVATE_HOSTS.",
    )
    api_key = forms.CharField(
        required=False,
        label="API key",
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted; never shown again. A local server may need none.",
    )
