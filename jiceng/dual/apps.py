from django.apps import AppConfig


class DualConfig(AppConfig):
    name = "jiceng.dual"
    label = "dual"
    verbose_name = "在职党员到社区报到"
