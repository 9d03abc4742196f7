from django.urls import path

from .views import claims, points, scheme

app_name = "ratings"

urlpatterns = [
    path("", points.index, name="index"),
    path("points/", points.ranking, name="ranking"),
    path("points/export/", points.ranking_export, name="ranking_export"),
    path("points/mine/", points.mine, name="mine"),
    path("points/member/<int:pk>/", points.member_points, name="member"),
    path("points/unqualified/", points.unqualified, name="unqualified"),
    path("points/unqualified/export/", points.unqualified_export, name="unqualified_export"),
    path("points/recompute/", points.recompute, name="recompute"),
    path("panel/", points.panel, name="panel"),
    path("claims/", claims.claim_list, name="claims"),
    path("claims/new/", claims.claim_create, name="claim_create"),
    path("claims/<int:pk>/", claims.claim_detail, name="claim"),
    path("claims/<int:pk>/decide/", claims.claim_decide, name="claim_decide"),
    path("claims/photos/<int:pk>/", claims.claim_photo, name="claim_photo"),
    path("scheme/", scheme.scheme, name="scheme"),
    path("scheme/new/", scheme.scheme_new, name="scheme_new"),
]
