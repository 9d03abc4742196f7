"""Mounted at members/dual/ (jiceng/urls.py): the paths users know from when dual registration
was part of the members app."""

from django.urls import path

from . import views

app_name = "dual"
urlpatterns = [
    path("", views.dual_list, name="list"),
    path("export/", views.dual_export, name="export"),
    path("register/", views.dual_register, name="register"),
    path("<int:pk>/", views.dual_member, name="member"),
    path("<int:pk>/record/", views.dual_record, name="record"),
    path("<int:pk>/party-day/", views.dual_party_day, name="party_day"),
    path("<int:pk>/end/", views.dual_end, name="end"),
    path("panels/command/", views.panel_command, name="panel_command"),
    path("records/<int:pk>/delete/", views.dual_record_delete, name="record_delete"),
]
