from django.apps import AppConfig


class CadresConfig(AppConfig):
    name = "jiceng.cadres"
    verbose_name = "村干部"
