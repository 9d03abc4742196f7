from django.urls import path

from . import views

app_name = "transfers"
urlpatterns = [
    path("", views.transfer_list, name="list"),
    path("export/", views.transfer_export, name="export"),
    path("overdue/", views.overdue, name="overdue"),
    path("new/", views.transfer_issue, name="issue"),
    path("incoming/new/", views.transfer_incoming, name="incoming"),
    path("orgs/", views.org_options, name="org_options"),
    path("settings/", views.settings_page, name="settings"),
    path("org-panel/<int:pk>/", views.org_panel, name="org_panel"),
    path("<int:pk>/", views.transfer_detail, name="detail"),
    path("<int:pk>/confirm/", views.transfer_confirm, name="confirm"),
    path("<int:pk>/return/", views.transfer_return, name="return"),
    path("<int:pk>/cancel/", views.transfer_cancel, name="cancel"),
    path("<int:pk>/extend/", views.transfer_extend, name="extend"),
]
