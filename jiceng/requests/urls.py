from django.urls import path

from .views import case, config, figures, intake_staff, ledger

app_name = "requests"
urlpatterns = [
    path("", ledger.inbox, name="inbox"),
    path("export/", ledger.ledger_export, name="export"),
    path("new/", intake_staff.request_create, name="create"),
    path("<int:pk>/", case.request_detail, name="detail"),
    path("<int:pk>/act/", case.request_act, name="act"),
    path("<int:pk>/publish/", case.request_publish, name="publish"),
    path("<int:pk>/photo/<int:photo>/", case.request_photo, name="photo"),
    path("qr/<int:org>/", intake_staff.qr_poster, name="qr_poster"),
    path("qr/<int:org>/png/", intake_staff.qr_png, name="qr_png"),
    path("panel/<int:org>/", figures.command_panel, name="panel"),
    path("panel/<int:org>/organization/", figures.org_panel, name="org_panel"),
    path("ranking/", figures.ranking, name="ranking"),
    path("ranking/export/", figures.ranking_export, name="ranking_export"),
    path("config/", config.settings_page, name="settings"),
    path("config/categories/", config.categories, name="categories"),
    path("config/categories/<int:pk>/", config.category_edit, name="category_edit"),
    path("config/deadlines/", config.deadlines, name="deadlines"),
    path("config/deadlines/<int:pk>/", config.deadline_edit, name="deadline_edit"),
    path("config/routing/", config.routing, name="routing"),
    path("config/departments/", config.departments, name="departments"),
    path("config/departments/<int:pk>/", config.department_edit, name="department_edit"),
]
