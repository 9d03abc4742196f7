from django.urls import path

from . import views

app_name = "dues"
urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("export/", views.ledger_export, name="ledger_export"),
    path("mine/", views.mine, name="mine"),
    path("member/<int:pk>/", views.member_dues, name="member"),
    path("member/<int:pk>/pay/", views.pay, name="pay"),
    path("member/<int:pk>/base/", views.base, name="base"),
    path("member/<int:pk>/consent/", views.consent, name="consent"),
    path("consent/<int:pk>/revoke/", views.consent_revoke, name="consent_revoke"),
    path("payment/<int:pk>/delete/", views.payment_delete, name="payment_delete"),
    path("bases/", views.bases, name="bases"),
    path("bases/carry/", views.bases_carry, name="bases_carry"),
    path("import/", views.import_index, name="import"),
    path("import/template/", views.import_template, name="import_template"),
    path("import/preview/", views.import_preview, name="import_preview"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("import/undo/", views.import_undo, name="import_undo"),
    path("panel/", views.panel, name="panel"),
    path("calculator/", views.calculator, name="calculator"),
    path("settings/", views.settings_page, name="settings"),
]
