"""API tokens that expire: a token older than ``JICENG_API_TOKEN_DAYS`` is refused, and asking
for a token again (auth/token/) issues a new one. Tokens are revoked by DELETE auth/token/ (the
holder), from the 我的账号 page, or by an administrator on the user's page."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


def token_lifetime() -> datetime.timedelta:
    return datetime.timedelta(days=settings.JICENG_API_TOKEN_DAYS)


def expired(token) -> bool:
    return token.created + token_lifetime() <= timezone.now()


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if expired(token):
            raise AuthenticationFailed("令牌已过期，请重新获取（POST /api/v1/auth/token/）")
        return user, token
