"""auth/token/: POST username + password for a token (a new one once the old has expired);
DELETE revokes the caller's own token. Throttled logins answer 429 with a Chinese message."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from . import services, throttle

TOO_MANY = "登录失败次数过多，账号已被暂时锁定，请15分钟后再试或联系管理员。"


class TokenView(ObtainAuthToken):
    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "DELETE" else []

    @extend_schema(
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            429: inline_serializer("TokenThrottled", {"detail": serializers.CharField()}),
        }
    )
    def post(self, request, *args, **kwargs):
        data = request.data if hasattr(request.data, "get") else {}  # a JSON list or number: the serializer says 400
        username = str(data.get("username", ""))
        wait = throttle.wait_seconds(username)
        if wait:
            return Response({"detail": throttle.message(wait)}, status=429, headers={"Retry-After": str(wait)})
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False) or getattr(request._request, "axes_locked_out", False):
                return Response({"detail": TOO_MANY}, status=429)
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        token = services.current_token(serializer.validated_data["user"])
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, *args, **kwargs):
        services.revoke_token(request.user, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [path("auth/token/", TokenView.as_view(), name="api-token")]
