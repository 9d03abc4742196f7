from django.apps import AppConfig


def _calendar_changed(sender, years, **kwargs):
    from . import services

    services.refresh_deadlines(years)


class DevelopmentConfig(AppConfig):
    name = "jiceng.development"
    verbose_name = "发展党员"

    def ready(self):
        from jiceng.core.calendar import calendar_changed

        # Stored deadlines follow the working-day calendar (holidays entered or reloaded later).
        calendar_changed.connect(_calendar_changed, dispatch_uid="development.refresh_deadlines")
