from django.templatetags.static import static
from django.urls import path
from django.views.generic.base import RedirectView

from . import views

app_name = "core"
urlpatterns = [
    path("audit/", views.audit_list, name="audit"),
    path("audit/export/", views.audit_export, name="audit_export"),
    path("configuration/", views.settings_page, name="settings"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("calendar/", views.calendar, name="calendar"),
    path("jobs/", views.jobs_page, name="jobs"),
    path("exports/", views.export_list, name="exports"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    # Browsers ask every site for /favicon.ico; the icon itself is a static file.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.ico")), name="favicon"),
]
