from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.command, name="command"),
    path("dashboard/", views.command, name="command_at"),
    path("dashboard/warnings/", views.warnings_card, name="warnings"),
]
