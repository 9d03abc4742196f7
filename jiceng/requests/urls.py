from django.urls import path

from . import views, views_config

app_name = "requests"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("export/", views.ledger_export, name="export"),
    path("new/", views.request_create, name="create"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/act/", views.request_act, name="act"),
    path("<int:pk>/publish/", views.request_publish, name="publish"),
    path("<int:pk>/photo/<int:photo>/", views.request_photo, name="photo"),
    path("qr/<int:org>/", views.qr_poster, name="qr_poster"),
    path("qr/<int:org>/png/", views.qr_png, name="qr_png"),
    path("panel/<int:org>/", views.command_panel, name="panel"),
    path("panel/<int:org>/organization/", views.org_panel, name="org_panel"),
    path("ranking/", views.ranking, name="ranking"),
    path("ranking/export/", views.ranking_export, name="ranking_export"),
    path("config/", views_config.settings_page, name="config"),
    path("config/categories/", views_config.categories, name="categories"),
    path("config/categories/<int:pk>/", views_config.category_edit, name="category_edit"),
    path("config/deadlines/", views_config.deadlines, name="deadlines"),
    path("config/deadlines/<int:pk>/", views_config.deadline_edit, name="deadline_edit"),
    path("config/routing/", views_config.routing, name="routing"),
    path("config/departments/", views_config.departments, name="departments"),
    path("config/departments/<int:pk>/", views_config.department_edit, name="department_edit"),
]
