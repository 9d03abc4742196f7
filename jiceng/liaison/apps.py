from django.apps import AppConfig


class LiaisonConfig(AppConfig):
    name = "jiceng.liaison"
    verbose_name = "党代表联系服务群众"
