"""Fixtures for the transfer tests: a receiving secretary in town B and a third township
(丙镇) whose admin stands on neither side of a transfer between town A and town B."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from jiceng.accounts.models import User
from jiceng.conftest import PASSWORD
from jiceng.orgs.models import Organization
from jiceng.orgs.services import create_organization


@dataclass
class Extra:
    secretary_b: User
    town_c: Organization
    admin_c: User
    community_a: Organization
    community_admin: User


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
        secretary_b=User.objects.create_user(
            username="secretary-b", password=PASSWORD, organization=county.branch_b, role="branch_secretary"
        ),
        town_c=town_c,
        admin_c=User.objects.create_user(
            username="admin-c", password=PASSWORD, organization=town_c, role="township_admin"
        ),
        community_a=community_a,
        community_admin=User.objects.create_user(
            username="community-a", password=PASSWORD, organization=community_a, role="branch_secretary"
        ),
    )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The test county creates several users; argon2 (the production hasher) is slow on
    purpose, and these tests are not about passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
