"""Login slow-down per username, from any address.

django-axes locks the pair (username, client address) after a few failures, so a person's own
typos lock only their own device. Somebody spraying passwords at one account from many
addresses is not stopped by that, and locking the account outright would let anyone lock out
anyone. So, per username: after ``JICENG_LOGIN_SLOW_AFTER`` failures within the window, the
account may be tried only once every ``JICENG_LOGIN_SLOW_SECONDS`` — the owner still gets in,
a guesser gets a handful of tries an hour. The counts live in Django's cache (Redis in
production, so all workers share them).
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver


def _key(kind: str, username: str) -> str:
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"login-{kind}:{digest}"


def failures(username: str) -> int:
    return int(cache.get(_key("fail", username), 0))


def wait_seconds(username: str) -> int:
    """0 if this username may be tried now; otherwise how many seconds to wait.

    Taking the slot counts as the try, so two guessers cannot both pass in the same second."""
    if not username or failures(username) < settings.JICENG_LOGIN_SLOW_AFTER:
        return 0
    delay = settings.JICENG_LOGIN_SLOW_SECONDS
    now = time.time()
    if cache.add(_key("slot", username), now + delay, timeout=delay):
        return 0
    until = cache.get(_key("slot", username)) or now + delay
    return max(1, int(round(until - now)))


def message(seconds: int) -> str:
    return f"该账号近期登录失败次数较多，为防止他人猜测密码，请 {seconds} 秒后再试。"


@receiver(user_login_failed)
def _count_failure(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username") or "")
    if not username:
        return
    key = _key("fail", username)
    if cache.add(key, 1, timeout=settings.JICENG_LOGIN_SLOW_WINDOW):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=settings.JICENG_LOGIN_SLOW_WINDOW)


@receiver(user_logged_in)
def _forget_failures(sender, user, request=None, **kwargs):
    cache.delete_many([_key("fail", user.get_username()), _key("slot", user.get_username())])
