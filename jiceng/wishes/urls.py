from django.urls import path

from . import views

app_name = "wishes"
urlpatterns = [
    # staff
    path("", views.wish_list, name="list"),
    path("export/", views.wish_export, name="export"),
    path("report/", views.report, name="report"),
    path("report/export/", views.report_export, name="report_export"),
    path("panel/", views.panel, name="panel"),
    path("new/", views.wish_create, name="create"),
    path("settings/", views.wish_settings, name="settings"),
    path("<int:pk>/", views.wish_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.wish_act, name="act"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("qr/<int:org_id>/", views.qr_poster, name="qr"),
    path("qr/<int:org_id>/png/", views.qr_png, name="qr_png"),
    # public (no login)
    path("post/<int:org_id>/", views.post, name="post"),
    path("post/done/", views.post_done, name="post_done"),
    path("pool/", views.pool, name="pool"),
    path("pool/photos/<int:pk>/", views.public_photo, name="public_photo"),
    path("follow/", views.follow, name="follow"),
    path("follow/photos/<int:pk>/", views.follow_photo, name="follow_photo"),
    # members
    path("claim/", views.claim_pool, name="claim_pool"),
    path("claim/<int:pk>/", views.claim, name="claim"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:pk>/<slug:action>/", views.mine_act, name="mine_act"),
    path("mine/photos/<int:pk>/", views.mine_photo, name="mine_photo"),
]
