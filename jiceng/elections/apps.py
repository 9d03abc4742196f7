from django.apps import AppConfig


class ElectionsConfig(AppConfig):
    name = "jiceng.elections"
    verbose_name = "换届选举"
