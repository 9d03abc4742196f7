"""Dues fixtures on top of the test county (jiceng/conftest.py); the builders are in
jiceng/dues/testing.py."""

from __future__ import annotations

from datetime import date

import pytest

from jiceng.dues import services
from jiceng.dues.models import DuesSettings
from jiceng.members.models import Member

from .testing import Dues


@pytest.fixture
def dues(county) -> Dues:
    """Bases for 2026 for all four members and a ledger kept from January 2026."""
    DuesSettings.objects.create(ledger_start=date(2026, 1, 1))
    members = {m.name: m for m in Member.objects.all()}
    zhang, li, wang, zhao = (members[n] for n in ("张三", "李四", "王五", "赵秘密"))
    services.set_base(None, zhang, year=2026, category="employed", income="5000")
    services.set_base(None, li, year=2026, category="retired", income="5000.01")
    services.set_base(None, wang, year=2026, category="student")
    services.set_base(None, zhao, year=2026, category="farmer")
    return Dues(county=county, zhang=zhang, li=li, wang=wang, zhao=zhao)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 takes half a second per test user; these tests are not about passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
