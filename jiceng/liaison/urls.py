from django.urls import path

from . import views

app_name = "liaison"
urlpatterns = [
    path("", views.report, name="report"),
    path("report/export/", views.report_export, name="report_export"),
    path("panel/", views.panel, name="panel"),
    path("representatives/", views.representative_list, name="representatives"),
    path("representatives/export/", views.representative_export, name="representatives_export"),
    path("representatives/new/", views.representative_create, name="representative_create"),
    path("representatives/import/", views.representative_import, name="representatives_import"),
    path("representatives/import/template/", views.representative_template, name="representatives_template"),
    path("representatives/<int:pk>/", views.representative_detail, name="representative"),
    path("representatives/<int:pk>/edit/", views.representative_edit, name="representative_edit"),
    path("teams/", views.team_list, name="teams"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
    path("stations/new/", views.station_create, name="station_create"),
    path("stations/<int:pk>/edit/", views.station_edit, name="station_edit"),
    path("visits/", views.visit_list, name="visits"),
    path("visits/export/", views.visit_export, name="visits_export"),
    path("visits/new/", views.visit_create, name="visit_create"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/delete/", views.visit_delete, name="visit_delete"),
    path("visits/<int:pk>/problems/", views.problem_add, name="problem_add"),
    path("problems/", views.problem_list, name="problems"),
    path("problems/export/", views.problem_export, name="problems_export"),
    path("problems/<int:pk>/solve/", views.problem_solve, name="problem_solve"),
    path("problems/<int:pk>/pass-on/", views.problem_pass_on, name="problem_pass_on"),
    path("households/", views.household_list, name="households"),
    path("photos/<int:pk>/", views.photo, name="photo"),
]
