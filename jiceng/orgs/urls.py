from django.urls import path

from . import picker, views

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("picker/", picker.picker, name="picker"),
    path("list/", views.org_list, name="list"),
    path("list/export/", views.org_export, name="export"),
    path("new/", views.org_create, name="create"),
    path("warnings/", views.warning_list, name="warnings"),
    path("warnings/export/", views.warning_export, name="warnings_export"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/export/", views.coverage_export, name="coverage_export"),
    path("<int:pk>/", views.org_detail, name="detail"),
    path("<int:pk>/children/", views.children, name="children"),
    path("<int:pk>/edit/", views.org_edit, name="edit"),
    path("<int:pk>/delete/", views.org_delete, name="delete"),
    path("<int:pk>/enterprises/new/", views.enterprise_create, name="enterprise_create"),
]
