from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.audit_list, name="audit"),
    path("export/", views.audit_export, name="audit_export"),
    path("configuration/", views.configuration, name="configuration"),
]
