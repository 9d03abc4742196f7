"""Signing in, one's own account (password, API token), and administrators' account list with
password reset and token revocation — within their data scope, for roles below their own."""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from jiceng.core.pages import paginate, style_form
from jiceng.core.scoping import (
    can_manage_account,
    get_visible_or_404,
    require_account_manager,
    require_manager,
    visible,
)

from . import services, throttle
from .authentication import expired, token_lifetime
from .forms import LoginForm
from .models import User


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        wait = throttle.wait_seconds(username)
        if wait:
            # The password is not checked at all (no hash, no attempt counted) while slowed.
            form = self.get_form_class()(request, initial={"username": username})
            context = self.get_context_data(form=form, throttled=throttle.message(wait))
            response = self.render_to_response(context)
            response.status_code = 429
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)


def _token_facts(user) -> dict:
    token = Token.objects.filter(user=user).first()
    if token is None:
        return {"token": None}
    return {"token": token, "token_expires": token.created + token_lifetime(), "token_expired": expired(token)}


@login_required
def account(request):
    """我的账号: who I am, my API token, links to change my password."""
    context = {"active_nav": "account", **_token_facts(request.user)}
    return render(request, "accounts/account.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    style_form(form)
    if request.method == "POST" and form.is_valid():
        services.change_own_password(request.user, form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)  # stay signed in here, other sessions end
        messages.success(request, "密码已修改。其他设备上的登录已失效，API 令牌已作废。")
        return redirect("accounts:account")
    return render(request, "accounts/password_change.html", {"form": form, "active_nav": "account"})


@login_required
@require_POST
def token_revoke(request):
    if services.revoke_token(request.user, request.user):
        messages.success(request, "API 令牌已撤销，使用它的程序需重新获取令牌。")
    return redirect("accounts:account")


# ---- administrators: accounts in scope ----------------------------------------------------------


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="账号或姓名", method="search")
    role = django_filters.ChoiceFilter(label="角色", choices=User.Role.choices)
    is_active = django_filters.ChoiceFilter(
        label="状态", choices=[("1", "在用"), ("0", "已停用")], method="filter_active", empty_label="全部"
    )

    class Meta:
        model = User
        fields = []

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1")

    def search(self, queryset, name, value):
        return queryset.filter(Q(username__icontains=value) | Q(display_name__icontains=value))


@login_required
def user_list(request):
    require_manager(request.user)  # the one check of core: managers only, members get 403
    users = visible(request.user, User.objects.select_related("organization")).order_by(
        "organization__path", "username"
    )
    f = UserFilter(request.GET, queryset=users)
    style_form(f.form)
    context = {"filter": f, "active_nav": "users"}
    context.update(paginate(request, f.qs))
    with_token = set(Token.objects.filter(user__in=[u.pk for u in context["rows"]]).values_list("user_id", flat=True))
    context["rows"] = [
        {"user": u, "manageable": can_manage_account(request.user, u), "has_token": u.pk in with_token}
        for u in context["rows"]
    ]
    return render(request, "accounts/user_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def user_password(request, pk):
    target = get_visible_or_404(request.user, User.objects.select_related("organization"), pk=pk)
    require_account_manager(request.user, target)
    form = SetPasswordForm(target, request.POST or None)
    style_form(form)
    if request.method == "POST" and form.is_valid():
        services.reset_password(request.user, target, form.cleaned_data["new_password1"])
        messages.success(
            request, f"已为 {target}（{target.username}）设置新密码，请当面或电话告知本人，并请其登录后修改。"
        )
        return redirect("accounts:users")
    context = {"form": form, "target": target, "active_nav": "users", **_token_facts(target)}
    return render(request, "accounts/user_password.html", context)


@login_required
@require_POST
def user_token_revoke(request, pk):
    target = get_visible_or_404(request.user, User.objects.all(), pk=pk)
    if services.revoke_token(request.user, target):
        messages.success(request, f"已撤销 {target} 的 API 令牌")
    return redirect("accounts:user_password", pk=target.pk)
