from django.urls import path

from .views import case, config, intake_staff, ledger, members, public

app_name = "wishes"
urlpatterns = [
    # staff
    path("", ledger.wish_list, name="list"),
    path("export/", ledger.wish_export, name="export"),
    path("report/", ledger.report, name="report"),
    path("report/export/", ledger.report_export, name="report_export"),
    path("panel/", ledger.panel, name="panel"),
    path("new/", intake_staff.wish_create, name="create"),
    path("settings/", config.settings_page, name="settings"),
    path("<int:pk>/", case.wish_detail, name="detail"),
    path("<int:pk>/<slug:action>/", case.wish_act, name="act"),
    path("photos/<int:pk>/", case.photo, name="photo"),
    path("qr/<int:org_id>/", intake_staff.qr_poster, name="qr"),
    path("qr/<int:org_id>/png/", intake_staff.qr_png, name="qr_png"),
    # public (no login)
    path("post/<int:org_id>/", public.post, name="post"),
    path("post/done/", public.post_done, name="post_done"),
    path("pool/", public.pool, name="pool"),
    path("pool/photos/<int:pk>/", public.public_photo, name="public_photo"),
    path("follow/", public.follow, name="follow"),
    path("follow/photos/<int:pk>/", public.follow_photo, name="follow_photo"),
    # members
    path("claim/", members.claim_pool, name="claim_pool"),
    path("claim/<int:pk>/", members.claim, name="claim"),
    path("mine/", members.mine, name="mine"),
    path("mine/<int:pk>/<slug:action>/", members.mine_act, name="mine_act"),
    path("mine/photos/<int:pk>/", members.mine_photo, name="mine_photo"),
]
