"""Cadres with member accounts reach 我的帮扶户 and log visits from their phones, by the page and by
the API (issue 14 items 4 and 6; ADR 0027): only the households paired with them now, through
the same services as the village's pages (the pair of the day, late entries, the lock, notes).
Outsiders — another household of the village, another township, another cadre — get 404 or 403
and nothing is written."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from jiceng.households import services
from jiceng.households.models import Visit, VisitNote, VisitPhoto
from jiceng.households.testing import add_cadre, add_household
from jiceng.testing import client_for, jpeg

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 5, 10, 10, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _pinned():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def mine(county):
    """张三 (county.member_user, a plain member of 东村第一党支部) is a cadre filed under the
    township, paired with one household of 东村; a second household of 东村 is paired with
    another cadre, and township 乙 has its own."""
    cadre = add_cadre(county.town_a, "张三", member=county.member_a)
    own = add_household(county.village_a, head_name="自家户")
    services.pair(None, own, cadre=cadre, starts_on=date(2026, 1, 1))
    other = add_household(county.village_a, head_name="别家户")
    services.pair(None, other, cadre=add_cadre(county.town_a, "别的干部"), starts_on=date(2026, 1, 1))
    far = add_household(county.branch_b, head_name="乙乡户")
    return cadre, own, other, far


def test_a_cadre_sees_only_the_households_paired_with_them(county, mine):
    cadre, own, other, far = mine
    c = client_for(county.member_user)
    page = c.get(reverse("households:mine")).content.decode()
    assert f'data-household="{own.number}"' in page and "自家户" in page
    assert "别家户" not in page and "乙乡户" not in page and "本期未走访" in page
    assert "我的帮扶户" in page  # the menu entry
    for household in (other, far):
        assert c.get(reverse("households:my_visit_create", args=[household.pk])).status_code == 404
    # The staff pages stay closed to the member: no widening of the scope.
    assert c.get(reverse("households:detail", args=[own.pk])).status_code == 403
    assert c.get(reverse("households:list")).status_code == 403


def test_a_member_who_is_not_a_cadre_has_no_households(county, mine):
    from jiceng.testing import make_user

    stranger = make_user("member-b", county.branch_b, "member", member=county.member_b)
    page = client_for(stranger).get(reverse("households:mine")).content.decode()
    assert "data-not-cadre" in page and "自家户" not in page
    _cadre, own, _other, _far = mine
    assert client_for(stranger).get(reverse("households:my_visit_create", args=[own.pk])).status_code == 404


def test_a_cadre_logs_a_visit_from_the_phone_page(county, mine, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cadre, own, other, far = mine
    c = client_for(county.member_user)
    form = c.get(reverse("households:my_visit_create", args=[own.pk])).content.decode()
    assert 'name="cadre"' not in form and 'accept="image/*"' in form and "2026-05-10T10:00" in form
    response = c.post(
        reverse("households:my_visit_create", args=[own.pk]),
        {"visited_at": "2026-05-06T09:30", "content": "了解务工收入", "problems": "屋顶漏雨", "photos": [jpeg()]},
    )
    assert response.status_code == 302 and response.url == reverse("households:mine")
    visit = Visit.objects.get()
    assert (visit.cadre, visit.pair, visit.late, visit.recorded_by) == (
        cadre,
        own.pairs.get(),
        True,
        county.member_user,
    )
    assert visit.raised.get().description == "屋顶漏雨" and VisitPhoto.objects.filter(visit=visit).count() == 1
    page = c.get(reverse("households:mine")).content.decode()
    assert "本期已走访 1 次" in page and "了解务工收入" in page
    # Errors in Chinese, by field; nothing written.
    refused = c.post(
        reverse("households:my_visit_create", args=[own.pk]), {"visited_at": "2026-05-11T09:30", "content": "x"}
    )
    assert "走访时间不能晚于现在" in refused.content.decode() and Visit.objects.count() == 1
    for household in (other, far):
        response = c.post(
            reverse("households:my_visit_create", args=[household.pk]),
            {"visited_at": "2026-05-06T09:30", "content": "外来"},
        )
        assert response.status_code == 404
    assert Visit.objects.count() == 1


def test_the_services_decide_the_cadre_s_reach(county, mine):
    cadre, own, other, far = mine
    user = county.member_user
    visit = services.record_visit(user, own, visited_at=NOW, content="走访")
    assert visit.cadre == cadre
    with pytest.raises(ValidationError, match="只能以本人身份登记走访"):
        services.record_visit(user, own, cadre=add_cadre(county.town_a, "冒名干部"), visited_at=NOW, content="x")
    for household in (other, far):
        with pytest.raises(PermissionDenied):
            services.record_visit(user, household, visited_at=NOW, content="外来")
    someone_else = services.record_visit(
        None, own, cadre=add_cadre(county.town_a, "村里干部"), visited_at=NOW, content="y"
    )
    with pytest.raises(PermissionDenied, match="只能修改本人的走访记录"):
        services.annotate_visit(user, someone_else, text="外来")
    services.update_visit(user, visit, content="走访，登记务工")
    services.annotate_visit(user, visit, text="后续已办")
    # Once the pair ends, the household and its visits are out of reach.
    services.end_pair(None, own.pairs.get(), ends_on=date(2026, 5, 10), reason="调整")
    with pytest.raises(PermissionDenied):
        services.record_visit(user, own, visited_at=NOW, content="z")
    assert client_for(user).get(reverse("households:my_visit_create", args=[own.pk])).status_code == 404
    # An inactive cadre record reaches nothing.
    assert Visit.objects.filter(content="外来").count() == 0


# ---- the API: a phone app logs visits ---------------------------------------------------------------


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_a_cadre_logs_a_visit_by_the_api(county, mine, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cadre, own, other, far = mine
    c = client_for(county.member_user)
    listed = c.get(reverse("household-mine-list")).json()
    assert [h["number"] for h in listed["results"]] == [own.number] and listed["results"][0]["phone"] == ""
    assert c.get(reverse("household-list")).status_code == 403  # the register stays staff-only
    response = _post(
        c,
        reverse("household-visit-list"),
        {"household": own.pk, "visited_at": "2026-05-10T08:00", "content": "宣讲政策", "problems": ["路灯不亮"]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["cadre"], body["pair"], body["late"], body["editable"]) == (cadre.pk, own.pairs.get().pk, False, True)
    assert body["problems"][0]["description"] == "路灯不亮" and body["visited_at"].startswith("2026-05-10T08:00")
    visit_id = body["id"]
    photo = c.post(reverse("household-visit-photos", args=[visit_id]), {"photo": jpeg()})
    assert photo.status_code == 201 and len(photo.json()["photos"]) == 1
    assert c.get(reverse("household-visit-list")).json()["count"] == 1
    # Late entries are marked; the lock after 7 days leaves notes only.
    late = _post(
        c, reverse("household-visit-list"), {"household": own.pk, "visited_at": "2026-05-01T08:00", "content": "补录"}
    )
    assert late.json()["late"] is True
    with time_machine.travel(NOW + timedelta(days=7, seconds=1), tick=False):
        c = client_for(county.member_user)
        locked = c.post(reverse("household-visit-photos", args=[visit_id]), {"photo": jpeg()})
        assert locked.status_code == 400 and "不能修改，只能补充说明" in locked.json()["detail"]
        note = _post(c, reverse("household-visit-notes", args=[visit_id]), {"text": "已报修"})
        assert note.status_code == 201 and note.json()["notes"][0]["text"] == "已报修"
        assert note.json()["editable"] is False
    assert VisitPhoto.objects.count() == 1 and VisitNote.objects.count() == 1


def test_the_api_answers_in_chinese_by_field(county, mine):
    _cadre, own, _other, _far = mine
    c = client_for(county.member_user)
    future = _post(
        c, reverse("household-visit-list"), {"household": own.pk, "visited_at": "2026-05-11T08:00", "content": "x"}
    )
    assert future.status_code == 400 and future.json()["errors"] == {"visited_at": ["走访时间不能晚于现在"]}
    missing = _post(c, reverse("household-visit-list"), {"household": own.pk})
    errors = missing.json()
    assert missing.status_code == 400 and set(errors) == {"visited_at", "content"}
    assert all("\u5b57\u6bb5" in m.encode("unicode_escape").decode() or "字段" in m for m in errors["content"])
    other_cadre = add_cadre(county.town_a, "冒名干部")
    named = _post(
        c,
        reverse("household-visit-list"),
        {"household": own.pk, "cadre": other_cadre.pk, "visited_at": "2026-05-10T08:00", "content": "x"},
    )
    assert named.status_code == 400 and named.json()["errors"] == {"cadre": ["只能以本人身份登记走访"]}
    assert not Visit.objects.exists()


def test_outsiders_of_the_api_get_404_or_403_and_nothing_is_written(county, mine):
    cadre, own, other, far = mine
    visit = services.record_visit(None, own, cadre=cadre, visited_at=NOW, content="秘密走访")
    far_visit = services.record_visit(
        None, far, cadre=add_cadre(county.town_b, "乙乡干部"), visited_at=NOW, content="乙乡秘密"
    )
    cadre_client = client_for(county.member_user)
    for household in (other, far):
        response = _post(
            cadre_client,
            reverse("household-visit-list"),
            {"household": household.pk, "visited_at": "2026-05-10T08:00", "content": "外来"},
        )
        assert response.status_code == 404
    assert cadre_client.get(reverse("household-visit-detail", args=[far_visit.pk])).status_code == 404
    assert (
        _post(cadre_client, reverse("household-visit-notes", args=[far_visit.pk]), {"text": "外来"}).status_code == 404
    )
    admin_b = client_for(county.admin_b)
    response = _post(
        admin_b,
        reverse("household-visit-list"),
        {"household": own.pk, "visited_at": "2026-05-10T08:00", "content": "外来"},
    )
    assert response.status_code == 404
    assert admin_b.get(reverse("household-visit-detail", args=[visit.pk])).status_code == 404
    assert _post(admin_b, reverse("household-visit-notes", args=[visit.pk]), {"text": "外来"}).status_code == 404
    assert admin_b.post(reverse("household-visit-photos", args=[visit.pk]), {"photo": jpeg()}).status_code == 404
    assert [v["id"] for v in admin_b.get(reverse("household-visit-list")).json()["results"]] == [far_visit.pk]
    assert admin_b.get(reverse("household-mine-list")).json()["count"] == 0
    # A read-only role of the township sees the visits, and may not write.
    from jiceng.testing import make_user

    handler = make_user("handler-a", county.town_a, "department_handler")
    response = _post(
        client_for(handler),
        reverse("household-visit-list"),
        {"household": own.pk, "visited_at": "2026-05-10T08:00", "content": "外来"},
    )
    assert response.status_code in (403, 404)
    assert Visit.objects.count() == 2 and not VisitNote.objects.exists() and not VisitPhoto.objects.exists()


def test_the_village_s_managers_log_a_visit_by_the_api(county, mine):
    cadre, own, _other, _far = mine
    c = client_for(county.admin_a)
    response = _post(
        c,
        reverse("household-visit-list"),
        {"household": own.pk, "cadre": cadre.pk, "visited_at": "2026-05-10T08:00", "content": "村里登记"},
    )
    assert response.status_code == 201 and response.json()["cadre_name"] == "张三"
    no_cadre = _post(
        c, reverse("household-visit-list"), {"household": own.pk, "visited_at": "2026-05-10T08:00", "content": "x"}
    )
    assert no_cadre.status_code == 400 and no_cadre.json()["errors"] == {"cadre": ["请选择走访干部"]}
    listed = c.get(reverse("household-visit-list"), {"household": own.pk}).json()
    assert listed["count"] == 1


@pytest.mark.parametrize("n", [2, 12])
def test_the_visit_api_has_a_fixed_number_of_queries(county, mine, n, django_assert_max_num_queries):
    cadre, own, _other, _far = mine
    for i in range(n):
        visit = services.record_visit(
            None, own, cadre=cadre, visited_at=NOW - timedelta(hours=i), content="走访", problems="问题"
        )
        services.annotate_visit(None, visit, text="说明")
    for user in (county.admin_a, county.member_user):
        c = client_for(user)
        with django_assert_max_num_queries(14):
            assert c.get(reverse("household-visit-list")).json()["count"] == n
    c = client_for(county.member_user)
    with django_assert_max_num_queries(12):
        assert c.get(reverse("households:mine")).status_code == 200


def test_an_open_relapse_flag_shows_on_the_cadres_household(county, mine):
    """Flags go to the village and the pair (issue 14 item 5): the cadre sees which household to
    visit; a closed flag no longer shows."""
    from django.utils import timezone

    from jiceng.households.models import RelapseFlag

    cadre, own, other, far = mine
    c = client_for(county.member_user)
    assert "data-flagged" not in c.get(reverse("households:mine")).content.decode()
    flag = RelapseFlag.objects.create(household=own, kind="check", key="t:1", reason="测试", opened_at=timezone.now())
    RelapseFlag.objects.create(household=other, kind="check", key="t:2", reason="测试", opened_at=timezone.now())
    page = c.get(reverse("households:mine")).content.decode()
    assert page.count("data-flagged") == 1 and "返贫风险待核实" in page
    RelapseFlag.objects.filter(pk=flag.pk).update(state=RelapseFlag.State.CLOSED)
    assert "data-flagged" not in c.get(reverse("households:mine")).content.decode()
