from django.apps import AppConfig


class RequestsConfig(AppConfig):
    name = "jiceng.requests"
    verbose_name = "群众诉求"
