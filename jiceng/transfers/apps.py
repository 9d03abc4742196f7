from django.apps import AppConfig


def _calendar_changed(sender, years, **kwargs):
    from . import services

    services.refresh_due_dates(years)


class TransfersConfig(AppConfig):
    name = "jiceng.transfers"
    verbose_name = "组织关系转接"

    def ready(self):
        from jiceng.core.calendar import calendar_changed

        # Stored due dates follow the working-day calendar (holidays entered or reloaded later).
        calendar_changed.connect(_calendar_changed, dispatch_uid="transfers.refresh_due_dates")
