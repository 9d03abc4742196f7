"""Fixtures of the liaison tests: a service team and a station in township 甲, three
representatives there (one of them member 张三) and one in township 乙 (builders in
jiceng/liaison/testing.py)."""

from __future__ import annotations

import pytest

from .services import save_representative, save_station, save_team
from .testing import Register, request_category


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The shared county fixture creates six users; with Argon2 that is ~0.5 s each. Tests
    do not need a slow hash (the production setting is unchanged)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def register(county) -> Register:
    team_a = save_team(None, name="甲镇党代表服务队", organization=county.town_a, leader_name="刘队长")
    team_b = save_team(None, name="乙乡党代表服务队", organization=county.town_b)
    station_a = save_station(
        None, name="甲镇党代表工作室", kind="studio", organization=county.town_a, address="甲镇党群服务中心"
    )
    r1 = save_representative(
        None, name="张三", level="county", team=team_a, member=county.member_a, phone="13800001234"
    )
    r2 = save_representative(None, name="钱代表", level="county", team=team_a, station=station_a)
    r3 = save_representative(None, name="孙代表", level="township", team=team_a)
    gone = save_representative(None, name="周离任", level="township", team=team_a, is_active=False)
    b1 = save_representative(None, name="乙乡代表", level="county", team=team_b, phone="13900009999")
    return Register(
        team_a=team_a,
        team_b=team_b,
        station_a=station_a,
        r1=r1,
        r2=r2,
        r3=r3,
        gone=gone,
        b1=b1,
        road=request_category("road", "道路交通"),
        other=request_category("other", "其他"),
    )
