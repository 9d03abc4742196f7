from django.urls import path

from .views import activity_types, appraisals, attendance, compliance, photos, records, sign_in, talks

app_name = "life"
urlpatterns = [
    path("", records.record_list, name="list"),
    path("export/", records.record_export, name="export"),
    path("new/", records.record_create, name="create"),
    path("<int:pk>/", records.record_detail, name="detail"),
    path("<int:pk>/edit/", records.record_edit, name="edit"),
    path("<int:pk>/delete/", records.record_delete, name="delete"),
    path("<int:pk>/attendance/", records.record_attendance, name="attendance"),
    path("<int:pk>/photos/", photos.photo_upload, name="photo_upload"),
    path("<int:pk>/qr/", sign_in.record_qr, name="qr"),
    path("<int:pk>/review/", records.record_review, name="review"),
    path("<int:pk>/publish/", records.record_publish, name="publish"),
    path("photos/<int:pk>/", photos.photo, name="photo"),
    path("photos/<int:pk>/thumb/", photos.photo_thumb, name="photo_thumb"),
    path("photos/<int:pk>/delete/", photos.photo_delete, name="photo_delete"),
    path("sign/<str:token>/", sign_in.sign, name="sign"),
    path("compliance/", compliance.compliance, name="compliance"),
    path("compliance/export/", compliance.compliance_export, name="compliance_export"),
    path("compliance/<int:pk>/", compliance.compliance_org, name="compliance_org"),
    path("todo/", compliance.todo, name="todo"),
    path("attendance/", attendance.attendance_report, name="attendance_report"),
    path("attendance/export/", attendance.attendance_export, name="attendance_export"),
    path("types/", activity_types.type_list, name="types"),
    path("types/new/", activity_types.type_edit, name="type_create"),
    path("types/<int:pk>/edit/", activity_types.type_edit, name="type_edit"),
    path("appraisals/", appraisals.appraisals, name="appraisals"),
    path("talks/", talks.talks, name="talks"),
    path("panels/org/<int:pk>/", compliance.panel_org, name="panel_org"),
    path("panels/command/", compliance.panel_command, name="panel_command"),
]
