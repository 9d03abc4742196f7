from django.urls import path

from .views import bases, calculator, consent, dues_settings, ledger, member, payment_import

app_name = "dues"
urlpatterns = [
    path("", ledger.ledger, name="ledger"),
    path("export/", ledger.ledger_export, name="ledger_export"),
    path("mine/", member.mine, name="mine"),
    path("member/<int:pk>/", member.member_dues, name="member"),
    path("member/<int:pk>/pay/", member.pay, name="pay"),
    path("member/<int:pk>/base/", bases.base, name="base"),
    path("member/<int:pk>/consent/", consent.consent, name="consent"),
    path("consent/<int:pk>/revoke/", consent.consent_revoke, name="consent_revoke"),
    path("payment/<int:pk>/delete/", member.payment_delete, name="payment_delete"),
    path("bases/", bases.bases, name="bases"),
    path("bases/carry/", bases.bases_carry, name="bases_carry"),
    path("import/", payment_import.import_index, name="import"),
    path("import/template/", payment_import.import_template, name="import_template"),
    path("import/preview/", payment_import.import_preview, name="import_preview"),
    path("import/confirm/", payment_import.import_confirm, name="import_confirm"),
    path("import/undo/", payment_import.import_undo, name="import_undo"),
    path("panel/", ledger.panel, name="panel"),
    path("calculator/", calculator.calculator, name="calculator"),
    path("settings/", dues_settings.settings_page, name="settings"),
]
