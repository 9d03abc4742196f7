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
