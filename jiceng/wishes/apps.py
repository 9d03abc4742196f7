from django.apps import AppConfig


class WishesConfig(AppConfig):
    name = "jiceng.wishes"
    verbose_name = "微心愿"
