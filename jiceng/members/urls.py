from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("export/", views.member_export, name="export"),
    path("new/", views.member_create, name="create"),
    # Political birthdays (issue 3, item 5). Dual registration, under members/dual/, is jiceng.dual.
    path("birthdays/", views.birthdays, name="birthdays"),
    path("birthdays/export/", views.birthday_export, name="birthday_export"),
    path("birthdays/greet-all/", views.birthday_greet_all, name="birthday_greet_all"),
    path("<int:pk>/greet/", views.birthday_greet, name="birthday_greet"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("<int:pk>/status/", views.member_status, name="status"),
    path("<int:pk>/id-number/", views.reveal_id, name="reveal_id"),
    path("<int:pk>/lead-household/", views.lead_household, name="lead_household"),
    path(
        "watch/", __import__("jiceng.members.watch_views").members.watch_views.watch, name="watch"
    ),  # 六个月预警 (dues app)
]
