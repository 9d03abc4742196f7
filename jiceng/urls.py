from django.urls import include, path

urlpatterns = [
    path("", include("jiceng.dashboard.urls")),
    path("", include("jiceng.accounts.urls")),
    path("orgs/", include("jiceng.orgs.urls")),
    path("members/dual/", include("jiceng.dual.urls")),  # 在职党员到社区报到 (its paths from the members app)
    path("members/", include("jiceng.members.urls")),
    path("imports/", include("jiceng.imports.urls")),
    path("development/", include("jiceng.development.urls")),
    path("transfers/", include("jiceng.transfers.urls")),
    path("dues/", include("jiceng.dues.urls")),
    path("life/", include("jiceng.life.urls")),
    path("elections/", include("jiceng.elections.urls")),
    path("training/", include("jiceng.training.urls")),
    path("requests/", include("jiceng.requests.urls")),
    path("liaison/", include("jiceng.liaison.urls")),
    path("wishes/", include("jiceng.wishes.urls")),
    path("ratings/", include("jiceng.ratings.urls")),
    path("households/", include("jiceng.households.urls")),
    path("cadres/", include("jiceng.cadres.urls")),
    path("", include("jiceng.requests.public_urls")),  # /r/ intake, /board/, /open311/v2/
    path("", include("jiceng.core.urls")),
    path("api/v1/", include("jiceng.api_urls")),
]

handler400 = "jiceng.core.errors.bad_request"
handler403 = "jiceng.core.errors.permission_denied"
handler404 = "jiceng.core.errors.page_not_found"
handler500 = "jiceng.core.errors.server_error"
