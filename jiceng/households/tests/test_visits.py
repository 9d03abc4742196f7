"""Visit logs, first part (issue 14 item 4): a visit attached to the household and the open pair,
late entries marked, the edit lock after 7 days (configurable) with notes after it, photos."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from jiceng.core.models import AuditEntry
from jiceng.households import rules, services
from jiceng.households.models import Visit, VisitCadence, VisitNote, VisitPhoto
from jiceng.households.testing import add_cadre, add_household
from jiceng.testing import client_for, jpeg

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 5, 10, 10, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _pinned():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def paired(county):
    household = add_household(county.village_a)
    cadre = add_cadre(county.town_a, "走访干部")
    services.pair(None, household, cadre=cadre, starts_on=date(2026, 1, 1))
    return household, cadre


def test_a_visit_names_the_pair_open_that_day(county, paired):
    household, cadre = paired
    other = add_cadre(county.town_a, "村干部")
    visit = services.record_visit(
        county.admin_a, household, cadre=cadre, visited_at=NOW - timedelta(hours=2), content="宣讲政策"
    )
    assert visit.pair == household.pairs.get() and not visit.late
    before_pair = services.record_visit(
        county.admin_a, household, cadre=cadre, visited_at=datetime(2025, 12, 20, 9, tzinfo=SH), content="早先"
    )
    assert before_pair.pair is None and before_pair.late
    by_village_cadre = services.record_visit(county.admin_a, household, cadre=other, visited_at=NOW, content="普访")
    assert by_village_cadre.pair is None
    assert AuditEntry.objects.filter(action="create", object_type="households.Visit").count() == 3


def test_late_entries_are_marked_at_the_boundary(county, paired):
    household, cadre = paired
    assert not rules.visit_is_late(NOW - timedelta(days=3), NOW, 3)
    assert rules.visit_is_late(NOW - timedelta(days=3, minutes=1), NOW, 3)
    on_time = services.record_visit(None, household, cadre=cadre, visited_at=NOW - timedelta(days=3), content="a")
    late = services.record_visit(
        None, household, cadre=cadre, visited_at=NOW - timedelta(days=3, minutes=1), content="b"
    )
    assert (on_time.late, late.late) == (False, True)
    with pytest.raises(ValidationError, match="不能晚于现在"):
        services.record_visit(None, household, cadre=cadre, visited_at=NOW + timedelta(minutes=5), content="c")
    with pytest.raises(ValidationError, match="帮扶内容"):
        services.record_visit(None, household, cadre=cadre, visited_at=NOW, content=" ")


def test_a_visit_is_locked_after_seven_days_and_then_only_annotated(county, paired):
    household, cadre = paired
    visit = services.record_visit(county.admin_a, household, cadre=cadre, visited_at=NOW, content="了解收入")
    with time_machine.travel(NOW + timedelta(days=7), tick=False):
        services.update_visit(county.admin_a, visit, content="了解收入，登记务工")
    visit.refresh_from_db()
    assert visit.content == "了解收入，登记务工" and visit.revision == 1
    with time_machine.travel(NOW + timedelta(days=7, seconds=1), tick=False):
        with pytest.raises(ValidationError, match="不能修改，只能补充说明"):
            services.update_visit(county.admin_a, visit, content="改不了")
        c = client_for(county.admin_a)
        page = c.get(reverse("households:visit", args=[visit.pk])).content.decode()
        assert "data-locked" in page and reverse("households:visit_edit", args=[visit.pk]) not in page
        response = c.post(reverse("households:visit_note", args=[visit.pk]), {"text": "后续：已办理医保"})
        assert response.status_code == 302
    note = VisitNote.objects.get()
    assert note.text == "后续：已办理医保"
    with pytest.raises(ValidationError, match="只能追加"):
        note.delete()


def test_the_lock_is_a_county_setting(county, paired):
    household, cadre = paired
    services.update_settings(county.county_admin, visit_edit_days=1)
    visit = services.record_visit(None, household, cadre=cadre, visited_at=NOW, content="x")
    with time_machine.travel(NOW + timedelta(days=2), tick=False), pytest.raises(ValidationError, match="1 天"):
        services.update_visit(county.admin_a, visit, content="y")


def test_logging_a_visit_with_a_photo_from_the_page(county, paired, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    household, cadre = paired
    c = client_for(county.admin_a)
    page = c.get(reverse("households:visit_create", args=[household.pk])).content.decode()
    assert 'type="datetime-local"' in page and 'accept="image/*"' in page and "2026-05-10T10:00" in page
    response = c.post(
        reverse("households:visit_create", args=[household.pk]),
        {"cadre": cadre.pk, "visited_at": "2026-05-10T09:30", "content": "帮助申请产业奖补", "photos": [jpeg()]},
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    photo = VisitPhoto.objects.get(visit=visit)
    assert client_for(county.admin_a).get(reverse("households:visit_photo", args=[photo.pk])).status_code == 200
    assert client_for(county.admin_b).get(reverse("households:visit_photo", args=[photo.pk])).status_code == 404
    detail = c.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "走访记录（1）" in detail and "走访干部 走访" in detail
    listed = c.get(reverse("households:list")).content.decode()
    row = re.search(rf'data-household="{household.number}".*?</tr>', listed, re.S).group(0)
    assert "2026-05-10" in row


def test_personas_on_visits(county, paired):
    household, cadre = paired
    visit = services.record_visit(None, household, cadre=cadre, visited_at=NOW, content="x")
    for outsider in (county.admin_b, county.member_user):
        with pytest.raises(PermissionDenied):
            services.record_visit(outsider, household, cadre=cadre, visited_at=NOW, content="外来")
        with pytest.raises(PermissionDenied):
            services.annotate_visit(outsider, visit, text="外来")
    assert client_for(county.admin_b).get(reverse("households:visit", args=[visit.pk])).status_code == 404
    assert client_for(county.member_user).get(reverse("households:visit", args=[visit.pk])).status_code == 403
    assert Visit.objects.count() == 1


def _figures(client, org) -> dict[str, int]:
    page = client.get(reverse("households:coverage"), {"org": org.pk}).content.decode()
    return {k: int(v) for k, v in re.findall(r'data-figure="(\w+)"[^>]*>(\d+)<', page)}


def _listed(client, **query) -> list[str]:
    return re.findall(r'data-household="([^"]+)"', client.get(reverse("households:list"), query).content.decode())


def test_visits_this_month_at_the_month_boundary(county, paired):
    household, cadre = paired
    c = client_for(county.admin_a)
    first = datetime(2026, 5, 1, 0, 0, tzinfo=SH)
    with time_machine.travel(first, tick=False):
        services.record_visit(None, household, cadre=cadre, visited_at=first - timedelta(minutes=1), content="四月")
        assert _figures(c, county.town_a)["visited"] == 0 and _listed(c, visits="month") == []
        services.record_visit(None, household, cadre=cadre, visited_at=first, content="五月")
        assert _figures(c, county.town_a)["visited"] == 1 and _listed(c, visits="month") == [household.number]


def test_overdue_households_at_the_period_boundary(county, paired):
    """Overdue under the monthly pair rule: no visit since the first of last month, i.e. a whole
    calendar month (April) passed without one. A visit at 00:00 on 1 April keeps the household
    off the list in May; one at 23:59 on 31 March does not."""
    household, cadre = paired
    unpaired = add_household(county.village_a)
    services.record_visit(None, unpaired, cadre=cadre, visited_at=NOW - timedelta(days=90), content="很久以前")
    c = client_for(county.admin_a)
    services.record_visit(
        None, household, cadre=cadre, visited_at=datetime(2026, 3, 31, 23, 59, tzinfo=SH), content="三月"
    )
    assert _figures(c, county.town_a)["overdue"] == 1
    assert _listed(c, visits="overdue") == [household.number]  # the unpaired household is not counted
    services.record_visit(None, household, cadre=cadre, visited_at=datetime(2026, 4, 1, tzinfo=SH), content="四月")
    assert _figures(c, county.town_a)["overdue"] == 0 and _listed(c, visits="overdue") == []
    with time_machine.travel(datetime(2026, 5, 31, 23, 59, tzinfo=SH), tick=False):
        assert _figures(client_for(county.admin_a), county.town_a)["overdue"] == 0
    with time_machine.travel(datetime(2026, 6, 1, tzinfo=SH), tick=False):
        c = client_for(county.admin_a)
        assert _figures(c, county.town_a)["overdue"] == 1
        # The figure reads the rule: a quarterly pair rule makes the window the last quarter.
        rule = VisitCadence.objects.get(applies_to="pair")
        services.save_cadence(county.county_admin, rule, period="quarter")
        assert _figures(c, county.town_a)["overdue"] == 0
        assert "上季度至今未走访" in c.get(reverse("households:coverage")).content.decode()


def test_a_village_s_managers_name_the_township_s_cadre_paired_with_their_household(county, paired):
    from jiceng.testing import make_user

    household, cadre = paired  # the cadre is filed under the township
    secretary = make_user("village-secretary", county.village_a, "branch_secretary")
    visit = services.record_visit(secretary, household, cadre=cadre, visited_at=NOW, content="走访")
    assert visit.pair is not None
    other = add_cadre(county.town_a, "未结对干部")
    with pytest.raises(ValidationError, match="不在您的管理范围内"):
        services.record_visit(secretary, household, cadre=other, visited_at=NOW, content="走访")
    with pytest.raises(ValidationError, match="不在您的管理范围内"):
        services.pair(county.admin_a, household, cadre=add_cadre(county.town_b, "乙乡干部"), starts_on=date(2026, 5, 1))


def test_a_problem_raised_on_a_visit_becomes_a_request_with_one_action(county, paired):
    from jiceng.requests.models import Category, Request

    household, cadre = paired
    category = Category.objects.get_or_create(code="utilities", defaults={"name": "水电气"})[0]
    visit = services.record_visit(
        county.admin_a, household, cadre=cadre, visited_at=NOW, content="走访", problems="自来水水压不足\n\n路灯不亮"
    )
    first, second = visit.raised.order_by("pk")
    assert (first.description, second.description) == ("自来水水压不足", "路灯不亮")
    c = client_for(county.admin_a)
    page = c.get(reverse("households:visit", args=[visit.pk])).content.decode()
    assert "群众反映的问题（2）" in page and reverse("households:problem_pass_on", args=[first.pk]) in page
    response = c.post(reverse("households:problem_pass_on", args=[first.pk]), {"category": category.pk, "kind": "help"})
    assert response.status_code == 302
    first.refresh_from_db()
    req = Request.objects.get()
    assert first.request == req and (req.channel, req.organization, req.category) == (
        "household_visit",
        county.village_a,
        category,
    )
    assert req.description == "自来水水压不足" and req.source_label == "帮扶干部走访干部走访"
    page = c.get(reverse("households:visit", args=[visit.pk])).content.decode()
    assert req.ticket in page
    with pytest.raises(ValidationError, match="已转为群众诉求"):
        services.pass_on_problem(county.admin_a, first, category=category)
    with pytest.raises(PermissionDenied):
        services.pass_on_problem(county.admin_b, second, category=category)
    assert Request.objects.count() == 1
    assert AuditEntry.objects.filter(note=f"转为群众诉求 {req.ticket}").exists()
