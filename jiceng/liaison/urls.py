from django.urls import path

from .views import households, problems, report, representative_import, representatives, teams, visits

app_name = "liaison"
urlpatterns = [
    path("", report.report, name="report"),
    path("report/export/", report.report_export, name="report_export"),
    path("panel/", report.panel, name="panel"),
    path("representatives/", representatives.representative_list, name="representatives"),
    path("representatives/export/", representatives.representative_export, name="representatives_export"),
    path("representatives/new/", representatives.representative_create, name="representative_create"),
    path("representatives/import/", representative_import.representative_import, name="representatives_import"),
    path(
        "representatives/import/template/",
        representative_import.representative_template,
        name="representatives_template",
    ),
    path("representatives/<int:pk>/", representatives.representative_detail, name="representative"),
    path("representatives/<int:pk>/edit/", representatives.representative_edit, name="representative_edit"),
    path("teams/", teams.team_list, name="teams"),
    path("teams/new/", teams.team_create, name="team_create"),
    path("teams/<int:pk>/edit/", teams.team_edit, name="team_edit"),
    path("stations/new/", teams.station_create, name="station_create"),
    path("stations/<int:pk>/edit/", teams.station_edit, name="station_edit"),
    path("visits/", visits.visit_list, name="visits"),
    path("visits/export/", visits.visit_export, name="visits_export"),
    path("visits/new/", visits.visit_create, name="visit_create"),
    path("visits/<int:pk>/", visits.visit_detail, name="visit"),
    path("visits/<int:pk>/edit/", visits.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/delete/", visits.visit_delete, name="visit_delete"),
    path("visits/<int:pk>/problems/", visits.problem_add, name="problem_add"),
    path("problems/", problems.problem_list, name="problems"),
    path("problems/export/", problems.problem_export, name="problems_export"),
    path("problems/<int:pk>/solve/", visits.problem_solve, name="problem_solve"),
    path("problems/<int:pk>/pass-on/", visits.problem_pass_on, name="problem_pass_on"),
    path("households/", households.household_list, name="households"),
    path("photos/<int:pk>/", visits.photo, name="photo"),
]
