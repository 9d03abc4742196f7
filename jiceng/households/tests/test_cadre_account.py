"""A help cadre who is not a party member gets a resident's account (群众账号, ADR 0033) and reaches
我的帮扶户 with it — the households paired with them now, nothing else: the scope gives a
resident nothing, the staff pages answer 403, the organization pages 404 (issue 14 item 3,
"cadres, members or not")."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.core.models import AuditEntry
from jiceng.core.navigation import menu
from jiceng.core.scoping import is_member_role, is_resident, scope_root, visible
from jiceng.households import services
from jiceng.households.models import Cadre, Household, Visit
from jiceng.households.testing import add_cadre, add_household
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.testing import PASSWORD, client_for

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 5, 10, 10, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _pinned():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def outsider_cadre(county):
    """李四 of the county's agriculture bureau, not a party member, filed under township 甲 and
    paired with one household of 东村; a second household of 东村 is another cadre's."""
    cadre = add_cadre(county.town_a, "李四")
    own = add_household(county.village_a, head_name="李四帮扶户")
    services.pair(None, own, cadre=cadre, starts_on=date(2026, 1, 1))
    other = add_household(county.village_a, head_name="别家户")
    services.pair(None, other, cadre=add_cadre(county.town_a, "别的干部"), starts_on=date(2026, 1, 1))
    return cadre, own, other


def _open(county, cadre, username="13800000001"):
    return services.open_cadre_account(county.admin_a, cadre, username=username, password=PASSWORD)


def test_the_township_opens_an_account_for_a_non_member_cadre(county, outsider_cadre):
    cadre, _own, _other = outsider_cadre
    c = client_for(county.admin_a)
    page = c.get(reverse("households:cadres")).content.decode()
    assert reverse("households:cadre_account", args=[cadre.pk]) in page
    response = c.post(
        reverse("households:cadre_account", args=[cadre.pk]),
        {"username": "13800000001", "password": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    cadre.refresh_from_db()
    user = cadre.user
    assert (user.username, user.role, user.organization, user.display_name, user.member_id) == (
        "13800000001",
        User.Role.RESIDENT,
        county.town_a,
        "李四",
        None,
    )
    assert user.check_password(PASSWORD)
    assert AuditEntry.objects.filter(note__contains="开通群众账号：13800000001").exists()
    assert AuditEntry.objects.filter(note__contains="开通帮扶干部登录账号").exists()
    assert "已开通账号" in c.get(reverse("households:cadres")).content.decode()


def test_refusals_name_the_reason_and_write_nothing(county, outsider_cadre):
    cadre, _own, _other = outsider_cadre
    member_cadre = add_cadre(county.town_a, "张三", member=county.member_a)
    with pytest.raises(ValidationError, match="党员账号"):
        _open(county, member_cadre)
    # Another township's administrator does not reach the cadre at all.
    with pytest.raises(PermissionDenied):
        services.open_cadre_account(county.admin_b, cadre, username="x1", password=PASSWORD)
    assert client_for(county.admin_b).get(reverse("households:cadre_account", args=[cadre.pk])).status_code == 404
    # A plain member and a branch secretary of the village are not the cadre's managers.
    assert client_for(county.member_user).get(reverse("households:cadre_account", args=[cadre.pk])).status_code == 403
    # A taken login name, a weak password, mismatched passwords.
    c = client_for(county.admin_a)
    page = c.post(
        reverse("households:cadre_account", args=[cadre.pk]),
        {"username": "admin-a", "password": PASSWORD, "password2": PASSWORD},
    ).content.decode()
    assert "已被使用" in page
    page = c.post(
        reverse("households:cadre_account", args=[cadre.pk]),
        {"username": "lisi", "password": "12345678", "password2": "12345678"},
    ).content.decode()
    assert "lisi" in page and not User.objects.filter(username="lisi").exists()
    page = c.post(
        reverse("households:cadre_account", args=[cadre.pk]),
        {"username": "lisi", "password": PASSWORD, "password2": PASSWORD + "x"},
    ).content.decode()
    assert "两次输入的密码不一致" in page
    cadre.refresh_from_db()
    assert cadre.user_id is None and not User.objects.filter(role=User.Role.RESIDENT).exists()
    _open(county, cadre)
    with pytest.raises(ValidationError, match="已开通"):
        _open(county, Cadre.objects.get(pk=cadre.pk), username="13800000002")


def test_a_resident_sees_nothing_through_the_scope(county, outsider_cadre):
    cadre, _own, _other = outsider_cadre
    user = _open(county, cadre)
    assert is_resident(user) and is_member_role(user) and scope_root(user) is None
    for model in (Organization, Member, Household, Cadre, Visit, User, AuditEntry):
        assert not visible(user, model.objects.all()).exists(), model
    # The menu: only the resident's own entries.
    labels = [item.label for group in menu(user) for item in group.items]
    assert labels == ["我的帮扶户"]


def test_a_resident_cadre_reaches_exactly_their_households(county, outsider_cadre, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cadre, own, other = outsider_cadre
    user = _open(county, cadre)
    c = client_for(user)
    home = c.get(reverse("dashboard:command")).content.decode()
    assert reverse("households:mine") in home and "我的帮扶户" in home and "党建指挥部" not in home
    page = c.get(reverse("households:mine")).content.decode()
    assert "李四帮扶户" in page and "别家户" not in page
    assert c.get(reverse("households:my_visit_create", args=[other.pk])).status_code == 404
    response = c.post(
        reverse("households:my_visit_create", args=[own.pk]),
        {"visited_at": "2026-05-09T09:30", "content": "了解务工收入", "problems": ""},
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.cadre, visit.household) == (cadre, own)
    # Staff pages answer 403 (not for the role), organization pages 404 (no organization).
    for name in ("households:list", "households:coverage", "households:cadres", "dual:list"):
        assert c.get(reverse(name)).status_code == 403, name
    # The pages a plain member may open show a resident nobody's records.
    for name in ("members:list", "orgs:list", "orgs:tree", "life:list", "ratings:claims", "ratings:posts"):
        response = c.get(reverse(name))
        assert response.status_code in (200, 403, 404), name
        page = response.content.decode()
        for member in (county.member_a, county.member_b):
            assert reverse("members:detail", args=[member.pk]) not in page, name
        assert "别家户" not in page, name
    assert c.get(reverse("orgs:detail", args=[county.village_a.pk])).status_code in (403, 404)
    assert c.get(reverse("households:detail", args=[own.pk])).status_code == 403
    # The API: the resident's own visits and households, nothing else.
    api = client_for(user)
    assert api.get("/api/v1/households/").status_code == 403
    assert api.get("/api/v1/members/").status_code in (403, 200)
    if api.get("/api/v1/members/").status_code == 200:
        assert api.get("/api/v1/members/").json()["count"] == 0
    mine = api.get("/api/v1/households/visits/").json()
    assert [row["id"] for row in mine["results"]] == [visit.pk]


def test_an_inactive_cadre_loses_the_reach(county, outsider_cadre):
    cadre, own, _other = outsider_cadre
    user = _open(county, cadre)
    Cadre.objects.filter(pk=cadre.pk).update(is_active=False)
    page = client_for(user).get(reverse("households:mine")).content.decode()
    assert "李四帮扶户" not in page
    assert client_for(user).get(reverse("households:my_visit_create", args=[own.pk])).status_code == 404
