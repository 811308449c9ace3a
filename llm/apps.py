from django.apps import AppConfig


class LlmConfig(AppConfig):
    name = "llm"
    verbose_name = "AI providers"
    # Beyond selectors, services and models, what other apps may import (tests/test_rules.py):
    # the chat interface and its router, JSON answers, the evaluation commands' helpers, and
    # speech to text for voice notes.
    public_modules = ("base", "registry", "structured", "evaluation", "transcription")
