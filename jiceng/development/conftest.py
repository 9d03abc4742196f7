"""Fixtures for 发展党员 (the walk through the steps and its dates are in
jiceng/development/testing.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def dev(county):
    """The test county plus handy names: 李四 is the second full member of branch_a."""
    from jiceng.members.models import Member

    county.li = Member.objects.get(name="李四")
    county.wang = Member.objects.get(name="王五")
    return county


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 costs ~0.35 s per user and the shared county fixture makes six; this app's tests
    do not test password hashing, so they use a fast hasher (logins still check passwords)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
