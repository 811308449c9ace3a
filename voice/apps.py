from django.apps import AppConfig


class VoiceConfig(AppConfig):
    name = "voice"
    verbose_name = "Voice profiles"
    # Beyond selectors, services and models, what other apps may import (tests/test_rules.py):
    # the voice-match score, the lexical contrast model, the profile hook, evaluation helpers,
    # other people's posts as the measures' yardstick.
    public_modules = ("scoring", "contrast", "hooks", "evaluation", "reference")

    def ready(self) -> None:
        from core.cache import forget_on_change
        from voice.models import VoiceAnalysis, VoiceProfile
        from voice.selectors import current_voice_key, latest_analysis_key

        forget_on_change(VoiceProfile, lambda version: [current_voice_key(version.persona_id)])
        forget_on_change(VoiceAnalysis, lambda row: [latest_analysis_key(row.persona_id)])
        # Posts sit below voice: voice asks to hear about new posts instead of posts calling up.
        from posts.hooks import on_posts_added
        from voice.services import drift_check_later

        on_posts_added(drift_check_later)
