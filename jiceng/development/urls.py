from django.urls import path

from . import views

app_name = "development"
urlpatterns = [
    path("", views.file_list, name="list"),
    path("export/", views.file_export, name="export"),
    path("new/", views.file_create, name="create"),
    path("due/", views.due_page, name="due"),
    path("due/export/", views.due_export, name="due_export"),
    path("stats/", views.stats_page, name="stats"),
    path("idle/", views.idle_page, name="idle"),
    path("idle/export/", views.idle_export, name="idle_export"),
    path("settings/", views.settings_page, name="settings"),
    path("panel/<int:org_pk>/", views.panel_figures, name="panel"),
    path("<int:pk>/", views.file_detail, name="detail"),
    path("<int:pk>/edit/", views.file_edit, name="edit"),
    path("<int:pk>/step/<int:number>/", views.step_record, name="step"),
    path("<int:pk>/reject/", views.file_reject, name="reject"),
    path("<int:pk>/revoke/", views.step_revoke, name="revoke"),
    path("<int:pk>/documents/", views.document_upload, name="upload"),
    path("<int:pk>/documents/<int:doc_pk>/", views.document_download, name="document"),
]
