"""Fixtures for the transfer tests: a receiving secretary in town B and a third township
(丙镇) whose admin stands on neither side of a transfer between town A and town B (builders in
jiceng/transfers/testing.py)."""

from __future__ import annotations

import pytest

from jiceng.orgs.services import create_organization
from jiceng.testing import make_user

from .testing import Extra


@pytest.fixture
def extra(county) -> Extra:
    town_c = create_organization(
        None, parent=county.root, code="TC", name="丙镇党委", short_name="丙镇", type="committee", domain="rural"
    )
    community_a = create_organization(
        None,
        parent=county.town_a,
        code="TA02",
        name="甲镇幸福社区党总支",
        short_name="幸福社区",
        type="general_branch",
        domain="community",
    )
    return Extra(
        secretary_b=make_user("secretary-b", county.branch_b, "branch_secretary"),
        town_c=town_c,
        admin_c=make_user("admin-c", town_c, "township_admin"),
        community_a=community_a,
        community_admin=make_user("community-a", community_a, "branch_secretary"),
    )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The test county creates several users; argon2 (the production hasher) is slow on
    purpose, and these tests are not about passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
