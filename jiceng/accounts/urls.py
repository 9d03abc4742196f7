from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", views.account, name="account"),
    path("me/password/", views.password_change, name="password_change"),
    path("me/token/revoke/", views.token_revoke, name="token_revoke"),
    path("users/", views.user_list, name="users"),
    path("users/<int:pk>/password/", views.user_password, name="user_password"),
    path("users/<int:pk>/token/revoke/", views.user_token_revoke, name="user_token_revoke"),
]
