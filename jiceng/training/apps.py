from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "jiceng.training"
    verbose_name = "教育培训"
