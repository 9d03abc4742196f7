from django.urls import path

from . import views

app_name = "life"
urlpatterns = [
    path("", views.record_list, name="list"),
    path("export/", views.record_export, name="export"),
    path("new/", views.record_create, name="create"),
    path("<int:pk>/", views.record_detail, name="detail"),
    path("<int:pk>/edit/", views.record_edit, name="edit"),
    path("<int:pk>/delete/", views.record_delete, name="delete"),
    path("<int:pk>/attendance/", views.record_attendance, name="attendance"),
    path("<int:pk>/photos/", views.photo_upload, name="photo_upload"),
    path("<int:pk>/qr/", views.record_qr, name="qr"),
    path("<int:pk>/review/", views.record_review, name="review"),
    path("<int:pk>/publish/", views.record_publish, name="publish"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("photos/<int:pk>/thumb/", views.photo_thumb, name="photo_thumb"),
    path("photos/<int:pk>/delete/", views.photo_delete, name="photo_delete"),
    path("sign/<str:token>/", views.sign, name="sign"),
    path("compliance/", views.compliance, name="compliance"),
    path("compliance/export/", views.compliance_export, name="compliance_export"),
    path("compliance/<int:pk>/", views.compliance_org, name="compliance_org"),
    path("todo/", views.todo, name="todo"),
    path("attendance/", views.attendance_report, name="attendance_report"),
    path("attendance/export/", views.attendance_export, name="attendance_export"),
    path("types/", views.type_list, name="types"),
    path("types/new/", views.type_edit, name="type_create"),
    path("types/<int:pk>/edit/", views.type_edit, name="type_edit"),
    path("appraisals/", views.appraisals, name="appraisals"),
    path("talks/", views.talks, name="talks"),
    path("panels/org/<int:pk>/", views.panel_org, name="panel_org"),
    path("panels/command/", views.panel_command, name="panel_command"),
]
