from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = "Generation"

    def ready(self) -> None:
        # Voice sits below generation: what feedback taught joins each new voice version
        # through voice's hook instead of voice importing generation.
        from generation.services.context import lessons_in_profile
        from voice.hooks import add_to_profile

        add_to_profile(lessons_in_profile)
