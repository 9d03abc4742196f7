from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "jiceng.ratings"
    verbose_name = "评星定级与积分"
