"""Builders of the transfer tests (the fixtures are in jiceng/transfers/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass

from jiceng.accounts.models import User
from jiceng.orgs.models import Organization


@dataclass
class Extra:
    secretary_b: User
    town_c: Organization
    admin_c: User
    community_a: Organization
    community_admin: User
