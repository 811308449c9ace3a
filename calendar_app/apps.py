from django.apps import AppConfig


class CalendarConfig(AppConfig):
    name = "calendar_app"
    verbose_name = "Calendar"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from calendar_app.models import PostingSlot
        from calendar_app.selectors import slots_changed

        for signal in (post_save, post_delete):
            signal.connect(slots_changed, sender=PostingSlot, dispatch_uid="calendar.slots_changed")
