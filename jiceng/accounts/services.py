"""Writes on accounts: passwords and API tokens. Every change is audit-logged (never the password)."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from rest_framework.authtoken.models import Token

from jiceng.core import audit
from jiceng.core.models import AuditEntry
from jiceng.core.scoping import require_account_manager

from .authentication import expired


def _log(actor, user, note: str) -> None:
    audit.record(
        actor,
        AuditEntry.Action.UPDATE,
        user,
        note=note,
        org_path=user.organization.path if user.organization_id else "",
    )


@transaction.atomic
def change_own_password(user, new_password: str) -> None:
    """The user has proved the old password (PasswordChangeForm); validators run here too."""
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    Token.objects.filter(user=user).delete()
    _log(user, user, "本人修改密码（API 令牌随之作废）")


@transaction.atomic
def reset_password(actor, user, new_password: str) -> None:
    """An administrator sets a new password for an account in their scope; the user's sessions
    end (Django's session hash changes with the password) and their API token is revoked."""
    require_account_manager(actor, user)
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    Token.objects.filter(user=user).delete()
    _log(actor, user, f"管理员重置密码：{user.get_username()}（API 令牌随之作废）")


def current_token(user) -> Token:
    """The user's API token, a new one if they have none or it has expired."""
    with transaction.atomic():
        token = Token.objects.select_for_update().filter(user=user).first()
        if token is not None and expired(token):
            token.delete()
            token = None
        if token is None:
            token = Token.objects.create(user=user)
    return token


@transaction.atomic
def revoke_token(actor, user) -> bool:
    """Revoke `user`'s API token: their own, or an administrator's on an account in scope."""
    if actor.pk != user.pk:
        require_account_manager(actor, user)
    deleted, _ = Token.objects.filter(user=user).delete()
    if deleted:
        _log(actor, user, "撤销 API 令牌" if actor.pk == user.pk else f"管理员撤销 API 令牌：{user.get_username()}")
    return bool(deleted)


@transaction.atomic
def create_resident_account(actor, organization, *, username: str, display_name: str, password: str):
    """A login for someone outside the party's records (群众: a non-member help cadre or work-team
    member, a resident volunteer), managed by `organization`'s managers. The account sees nothing
    through the scope; the calling app links it to its own record (ADR 0033)."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError

    from jiceng.core.scoping import require_manager

    require_manager(actor, organization)
    User = get_user_model()
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": "请填写登录名"})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"登录名「{username}」已被使用，请换一个"})
    user = User(
        username=username,
        display_name=(display_name or "").strip(),
        role=User.Role.RESIDENT,
        organization=organization,
    )
    validate_password(password, user)
    user.set_password(password)
    user.save()
    audit.record(
        actor,
        AuditEntry.Action.CREATE,
        user,
        note=f"开通群众账号：{username}",
        org_path=organization.path,
    )
    return user
