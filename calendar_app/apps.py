from django.apps import AppConfig


class CalendarConfig(AppConfig):
    name = "calendar_app"
    verbose_name = "Calendar"

    def ready(self) -> None:
        from calendar_app.models import PostingSlot
        from calendar_app.selectors import slots_key
        from core.cache import forget_on_change

        forget_on_change(PostingSlot, lambda slot: [slots_key(slot.persona_id)])
