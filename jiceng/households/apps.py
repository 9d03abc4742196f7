from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "jiceng.households"
    verbose_name = "帮扶户与结对帮扶"
