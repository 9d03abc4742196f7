from django.urls import path

from .views import households, pairing

app_name = "households"
urlpatterns = [
    path("", households.household_list, name="list"),
    path("export/", households.household_export, name="export"),
    path("new/", households.household_create, name="create"),
    path("<int:pk>/", households.household_detail, name="detail"),
    path("<int:pk>/edit/", households.household_edit, name="edit"),
    path("<int:pk>/status/", households.household_status, name="status"),
    path("<int:pk>/ledger/", households.household_ledger, name="ledger"),
    path("<int:pk>/people/new/", households.person_create, name="person_create"),
    path("<int:pk>/income/", households.income_edit, name="income"),
    path("<int:pk>/checks/new/", households.check_create, name="check_create"),
    path("<int:pk>/measures/new/", households.measure_create, name="measure_create"),
    path("<int:pk>/pair/", pairing.pair_create, name="pair_create"),
    path("people/<int:pk>/edit/", households.person_edit, name="person_edit"),
    path("people/<int:pk>/delete/", households.person_delete, name="person_delete"),
    path("people/<int:pk>/id-number/", households.person_reveal, name="person_reveal"),
    path("measures/<int:pk>/edit/", households.measure_edit, name="measure_edit"),
    path("measures/<int:pk>/delete/", households.measure_delete, name="measure_delete"),
    path("pairs/<int:pk>/end/", pairing.pair_end, name="pair_end"),
    path("coverage/", pairing.coverage, name="coverage"),
    path("coverage/export/", pairing.coverage_export, name="coverage_export"),
    path("panel/", pairing.panel, name="panel"),
    path("cadres/", pairing.cadre_list, name="cadres"),
    path("cadres/new/", pairing.cadre_create, name="cadre_create"),
    path("cadres/<int:pk>/edit/", pairing.cadre_edit, name="cadre_edit"),
    path("responsibilities/", pairing.responsibility_list, name="responsibilities"),
    path("responsibilities/new/", pairing.responsibility_create, name="responsibility_create"),
    path("responsibilities/<int:pk>/edit/", pairing.responsibility_edit, name="responsibility_edit"),
    path("settings/", pairing.settings_page, name="settings"),
]
