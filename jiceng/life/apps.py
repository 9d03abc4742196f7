from django.apps import AppConfig


class LifeConfig(AppConfig):
    name = "jiceng.life"
    verbose_name = "组织生活"
