from django.urls import include, path

urlpatterns = [
    path("", include("jiceng.dashboard.urls")),
    path("", include("jiceng.accounts.urls")),
    path("orgs/", include("jiceng.orgs.urls")),
    path("members/", include("jiceng.members.urls")),
    path("imports/", include("jiceng.imports.urls")),
    path("audit/", include("jiceng.core.urls")),
    path("api/v1/", include("jiceng.api_urls")),
]
