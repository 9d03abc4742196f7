"""Builders of the liaison tests (the fixtures are in jiceng/liaison/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass

from jiceng.requests.models import Category

from .models import LiaisonStation, Representative, ServiceTeam


@dataclass
class Register:
    team_a: ServiceTeam
    team_b: ServiceTeam
    station_a: LiaisonStation
    r1: Representative  # 张三 (member_a), county representative in team 甲
    r2: Representative
    r3: Representative
    gone: Representative  # no longer on the register
    b1: Representative  # township 乙
    road: Category
    other: Category


def request_category(code: str, name: str) -> Category:
    # Seeded by a migration of the request system; a test with transactional_db empties the
    # tables afterwards (PostgreSQL), so later transactional tests seed it again.
    return Category.objects.get_or_create(code=code, defaults={"name": name})[0]
