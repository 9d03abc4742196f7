"""Visits, problems passed on as requests, pages for the three personas, exports, API,
panels and query counts."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from jiceng.core.models import AuditEntry
from jiceng.liaison import rules, services
from jiceng.liaison.models import Problem, Visit
from jiceng.requests.models import Request, RequestEvent
from jiceng.requests.queries import visible_requests
from jiceng.testing import client_for

NOW = timezone.make_aware(datetime(2026, 6, 30, 10, 0))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def visit(county, register, **extra):
    actor = extra.pop("actor", county.admin_a)
    fields = {
        "organization": county.village_a,
        "date": date(2026, 6, 29),
        "representatives": [register.r1, register.r2],
        "households_reached": 6,
    }
    fields.update(extra)
    return services.record_visit(actor, **fields)


# ---- rules ------------------------------------------------------------------------------------------


def test_household_list_parsing():
    labels, errors = rules.parse_household_list("王大山 3组12号\n\n李小河 1组2号\n王大山，3组12号\n")
    assert labels == ["王大山 3组12号", "李小河 1组2号"]
    assert errors == ["第 4 行与第 1 行是同一户"]


@given(st.integers(min_value=0, max_value=500), st.integers(min_value=0, max_value=500))
def test_households_reached_is_never_below_the_list(reached, listed):
    message = rules.households_error(reached, listed)
    assert (message is None) == (reached >= listed)


def test_households_required_without_a_list():
    assert rules.households_error(None, 0) == "请填写走访户数（或填写走访户名单）"
    assert rules.households_error(None, 3) is None


@pytest.mark.parametrize(
    "phone,ok",
    [
        ("13800001234", True),
        ("138 0000 1234", True),
        ("0731-12345678", True),
        ("12800001234", False),
        ("1380000123", False),
    ],
)
def test_phone_pattern(phone, ok):
    assert (rules.phone_error(phone) is None) == ok


def test_visit_dates():
    today = date(2026, 6, 30)
    assert rules.visit_date_error(today, today) is None
    assert rules.visit_date_error(date(2026, 7, 1), today) == "走访日期不能晚于今天"


def test_sentence_when_everyone_visited():
    f = rules.Figures(representatives=1229, participants=1229, households=890, problems=1063, solved=750, passed=300)
    assert rules.summary_sentence("全县", f) == (
        "全县 1,229 名党代表走访群众 890 户，收集问题 1,063 个，当场解决 750 个，转交相关部门办理 300 个。"
    )


# ---- visits and problems ----------------------------------------------------------------------------


def test_record_visit_with_list_photos_and_audit(county, register, settings, tmp_path):
    from jiceng.testing import jpeg

    settings.MEDIA_ROOT = str(tmp_path)
    v = visit(county, register, households_reached=None, household_list="王大山 3组12号\n李小河", photos=[jpeg()])
    assert v.households_reached == 2 and v.households.count() == 2
    assert v.photos.count() == 1 and v.recorded_by == county.admin_a
    entry = AuditEntry.objects.get(object_type="liaison.Visit", object_id=str(v.pk))
    assert entry.changes["representatives"] == ["张三", "钱代表"] and entry.org_path == county.village_a.path
    html = client_for(county.admin_a).get(reverse("liaison:visit", args=[v.pk])).content.decode()
    photo_url = reverse("liaison:photo", args=[v.photos.get().pk])
    assert photo_url in html
    photo = client_for(county.admin_a).get(photo_url)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert b"".join(photo.streaming_content).startswith(b"\xff\xd8")  # the JPEG itself
    assert client_for(county.admin_b).get(photo_url).status_code == 404


@pytest.mark.parametrize(
    "extra,field,message",
    [
        ({"date": date(2026, 7, 1)}, "date", "走访日期不能晚于今天"),
        ({"households_reached": 1, "household_list": "甲\n乙"}, "households_reached", "少于名单中的户数"),
        ({"representatives": []}, "representatives", "请选择参加走访的党代表"),
        ({"organization": None}, "organization", "请选择走访地"),
    ],
)
def test_visit_is_refused_with_a_clear_reason(county, register, extra, field, message):
    if extra.get("organization", "x") is None:
        extra["organization"] = county.root  # the county committee itself (domain 机关)
        message = "走访地应为乡镇（街道）、村或社区"
    with pytest.raises(ValidationError) as exc:
        visit(county, register, **extra, actor=None)
    assert message in " ".join(exc.value.message_dict[field])
    assert not Visit.objects.exists()


def test_representatives_outside_scope_and_inactive_are_refused(county, register):
    with pytest.raises(ValidationError, match="不在您的管理范围内"):
        visit(county, register, representatives=[register.b1])
    with pytest.raises(ValidationError, match="已不在册"):
        visit(county, register, representatives=[register.gone])
    with pytest.raises(PermissionDenied):
        services.record_visit(
            county.admin_b,
            organization=county.village_a,
            date=date(2026, 6, 1),
            representatives=[register.b1],
            households_reached=1,
        )


def test_problem_passed_on_becomes_a_liaison_request(county, register):
    v = visit(
        county,
        register,
        place="东村口",
        problems=[
            {
                "description": "村口路灯不亮已经一个月",
                "category": register.road,
                "outcome": "passed",
                "resident_name": "王大山",
                "phone": "138 0000 5678",
            }
        ],
    )
    problem = v.problems.get()
    req = problem.request
    assert problem.outcome == "passed" and req is not None
    assert (req.channel, req.organization, req.category) == ("liaison", county.village_a, register.road)
    assert req.source_label == "党代表走访：张三、钱代表"
    assert (req.description, req.name, req.phone, req.place) == (
        "村口路灯不亮已经一个月",
        "王大山",
        "13800005678",
        "东村口",
    )
    assert req.created_by == county.admin_a and req.received_at == NOW
    assert "党代表走访" in RequestEvent.objects.get(request=req, action="receive").note
    # It is in the request system's ledger for the township, and not for the other township.
    assert req in visible_requests(county.admin_a, Request.objects.all())
    assert req not in visible_requests(county.admin_b, Request.objects.all())
    assert AuditEntry.objects.filter(object_type="liaison.Problem", note__contains=req.ticket).exists()


def test_pending_problem_passed_on_later_once_only(county, register):
    v = visit(
        county, register, problems=[{"description": "低保咨询", "category": register.other, "outcome": "pending"}]
    )
    problem = v.problems.get()
    c = client_for(county.admin_a)
    response = c.post(reverse("liaison:problem_pass_on", args=[problem.pk]), follow=True)
    problem.refresh_from_db()
    assert problem.outcome == "passed" and problem.request.ticket in response.content.decode()
    response = c.post(reverse("liaison:problem_pass_on", args=[problem.pk]), follow=True)
    assert "该问题已是「转交办理」" in response.content.decode()
    assert Request.objects.filter(channel="liaison").count() == 1
    with pytest.raises(ValidationError, match="不能再改为「当场解决」"):
        services.solve_problem(county.admin_a, problem, solution="x")


def test_solve_needs_how(county, register):
    with pytest.raises(ValidationError) as exc:
        visit(county, register, problems=[{"description": "路灯", "category": register.road, "outcome": "solved"}])
    assert "第 1 个问题：当场解决的问题请写明怎样解决的" in exc.value.messages
    assert not Visit.objects.exists()


def test_a_refused_request_rolls_the_whole_visit_back(county, register):
    register.road.is_active = False  # deactivated between the form and the service
    with pytest.raises(ValidationError, match="第 1 个问题"):
        visit(county, register, problems=[{"description": "路", "category": register.road, "outcome": "passed"}])
    assert not Visit.objects.exists() and not Request.objects.exists()


def test_delete_visit_only_without_requests(county, register):
    v = visit(county, register, problems=[{"description": "路", "category": register.road, "outcome": "passed"}])
    with pytest.raises(ValidationError, match="不能删除"):
        services.delete_visit(county.admin_a, v)
    plain = visit(county, register, problems=[{"description": "问", "category": register.other, "outcome": "pending"}])
    c = client_for(county.admin_a)
    assert "确定删除" in c.get(reverse("liaison:visit_delete", args=[plain.pk])).content.decode()
    c.post(reverse("liaison:visit_delete", args=[plain.pk]))
    assert not Visit.objects.filter(pk=plain.pk).exists() and not Problem.objects.filter(visit_id=plain.pk).exists()


def test_edit_visit_keeps_history_in_the_audit_log(county, register):
    v = visit(county, register, household_list="王大山")
    services.update_visit(
        county.admin_a,
        v,
        organization=county.branch_a,
        date=date(2026, 6, 28),
        representatives=[register.r1],
        households_reached=4,
        household_list="王大山\n李小河",
    )
    v.refresh_from_db()
    assert (v.households_reached, v.households.count(), v.revision) == (4, 2, 1)
    entry = AuditEntry.objects.filter(object_type="liaison.Visit", action="update").get()
    assert entry.changes["representatives"] == [["张三", "钱代表"], ["张三"]]
    assert entry.changes["households_reached"] == [6, 4]


# ---- pages ------------------------------------------------------------------------------------------


def test_visit_form_records_a_visit_with_problems(county, register):
    c = client_for(county.admin_a)
    page = c.get(reverse("liaison:visit_create"), {"org": county.village_a.pk}).content.decode()
    assert "张三（县党代表）" in page and "乙乡代表" not in page and "周离任" not in page
    data = {
        "organization": county.village_a.pk,
        "date": "2026-06-30",
        "kind": "household",
        "representatives": [register.r1.pk, register.r3.pk],
        "households_reached": "7",
        "household_list": "",
        "problems-TOTAL_FORMS": "3",
        "problems-INITIAL_FORMS": "0",
        "problems-MIN_NUM_FORMS": "0",
        "problems-MAX_NUM_FORMS": "30",
        "problems-0-description": "路灯不亮",
        "problems-0-category": register.road.pk,
        "problems-0-kind": "help",
        "problems-0-outcome": "solved",
        "problems-0-solution": "当场修好",
        "problems-1-description": "村道塌陷",
        "problems-1-category": register.road.pk,
        "problems-1-kind": "help",
        "problems-1-outcome": "passed",
        "problems-2-description": "",
        "problems-2-kind": "help",
        "problems-2-outcome": "solved",
    }
    response = c.post(reverse("liaison:visit_create"), data, follow=True)
    html = response.content.decode()
    assert "已登记走访，收集问题 2 个，其中 1 个已转为群众诉求" in html
    v = Visit.objects.get()
    assert v.households_reached == 7 and {r.name for r in v.representatives.all()} == {"张三", "孙代表"}


def test_visit_form_explains_problem_errors(county, register):
    c = client_for(county.admin_a)
    data = {
        "organization": county.village_a.pk,
        "date": "2026-06-30",
        "kind": "household",
        "representatives": [register.r1.pk],
        "households_reached": "2",
        "problems-TOTAL_FORMS": "1",
        "problems-INITIAL_FORMS": "0",
        "problems-0-description": "路灯不亮",
        "problems-0-kind": "help",
        "problems-0-outcome": "passed",
        "problems-0-phone": "123",
    }
    html = c.post(reverse("liaison:visit_create"), data).content.decode()
    assert "请选择类别" in html
    assert not Visit.objects.exists()


def test_member_and_anonymous_are_kept_out(county, register, client):
    v = visit(county, register)
    member = client_for(county.member_user)
    for name, args in [("liaison:report", []), ("liaison:visits", []), ("liaison:visit", [v.pk])]:
        assert member.get(reverse(name, args=args)).status_code == 403
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_outsider_gets_404_and_changes_nothing(county, register):
    v = visit(county, register, problems=[{"description": "问", "category": register.other, "outcome": "pending"}])
    problem = v.problems.get()
    outsider = client_for(county.admin_b)
    assert outsider.get(reverse("liaison:visit", args=[v.pk])).status_code == 404
    assert outsider.post(reverse("liaison:problem_pass_on", args=[problem.pk])).status_code == 404
    assert outsider.post(reverse("liaison:problem_solve", args=[problem.pk]), {"solution": "x"}).status_code == 404
    assert outsider.get(reverse("liaison:representative", args=[register.r1.pk])).status_code == 404
    assert outsider.get(reverse("liaison:report"), {"org": county.town_a.pk}).status_code == 404
    problem.refresh_from_db()
    assert problem.outcome == "pending"


def test_branch_secretary_sees_only_the_branch(county, register):
    visit(county, register)
    at_branch = visit(county, register, organization=county.branch_a)
    html = client_for(county.secretary_a).get(reverse("liaison:visits")).content.decode()
    assert reverse("liaison:visit", args=[at_branch.pk]) in html and "共 1 条" in html


def test_register_pages(county, register):
    c = client_for(county.admin_a)
    response = c.post(
        reverse("liaison:representative_create"),
        {"name": "吴新代表", "level": "county", "team": register.team_a.pk, "member_query": "李四", "is_active": "on"},
    )
    assert response.status_code == 302
    rep = register.team_a.representatives.get(name="吴新代表")
    assert rep.organization == county.town_a and rep.member.name == "李四"
    response = c.post(
        reverse("liaison:representative_create"),
        {"name": "错号", "level": "county", "team": register.team_a.pk, "phone": "123"},
    )
    assert "电话号码格式不对" in response.content.decode()
    html = c.get(reverse("liaison:teams")).content.decode()
    assert "甲镇党代表服务队" in html and "乙乡党代表服务队" not in html
    html = c.get(reverse("liaison:representatives")).content.decode()
    assert "138****1234" in html and "13800001234" not in html and "乙乡代表" not in html


def test_exports_are_scoped_and_masked(county, register):
    visit(
        county,
        register,
        problems=[
            {
                "description": "路灯",
                "category": register.road,
                "outcome": "passed",
                "phone": "13800005678",
                "resident_name": "王大山",
            }
        ],
    )
    c = client_for(county.admin_a)
    wb = load_workbook(io.BytesIO(c.get(reverse("liaison:problems_export")).content), read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][4] == "转交办理" and rows[1][6] == Request.objects.get().ticket
    assert rows[1][-1] == "138****5678" and rows[1][-2] == "王**"
    wb = load_workbook(io.BytesIO(c.get(reverse("liaison:visits_export")).content), read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[1][4] == "张三、钱代表" and rows[1][5] == 6 and rows[1][8] == 1
    wb = load_workbook(io.BytesIO(c.get(reverse("liaison:representatives_export")).content), read_only=True)
    names = [r[0] for r in wb.worksheets[0].iter_rows(values_only=True)][1:]
    assert "乙乡代表" not in names and "张三" in names


def test_api_is_scoped_and_masked(county, register):
    visit(
        county,
        register,
        problems=[
            {
                "description": "路灯",
                "category": register.road,
                "outcome": "solved",
                "solution": "修好",
                "phone": "13800005678",
            }
        ],
    )
    c = client_for(county.admin_b)
    assert c.get(reverse("liaison-visit-list")).json()["count"] == 0
    c = client_for(county.admin_a)
    visits = c.get(reverse("liaison-visit-list")).json()["results"]
    assert visits[0]["representative_names"] == ["张三", "钱代表"] and visits[0]["solved_count"] == 1
    problems = c.get(reverse("liaison-problem-list")).json()["results"]
    assert problems[0]["phone"] == "138****5678"
    reps = c.get(reverse("liaison-representative-list"), {"active": "1"}).json()
    assert reps["count"] == 3 and "13800001234" not in str(reps)
    assert client_for(county.member_user).get(reverse("liaison-visit-list")).status_code == 403


def test_member_page_shows_the_representatives_visits(county, register):
    visit(county, register)
    html = client_for(county.member_user).get(reverse("members:detail", args=[county.member_a.pk])).content.decode()
    assert "党代表走访" in html and 'data-figure="member-visits">1<' in html
    c = client_for(county.admin_a)
    html = c.get(reverse("orgs:detail", args=[county.town_a.pk])).content.decode()
    url = reverse("liaison:panel") + f"?org={county.town_a.pk}"
    assert f'data-lazy-panel="{url}"' in html
    card = c.get(url).content.decode()
    assert 'data-panel="liaison"' in card and "甲镇 3 名党代表中 2 名参与走访" in card


# ---- query counts -----------------------------------------------------------------------------------


def _many_visits(county, register, n):
    for i in range(n):
        visit(
            county,
            register,
            date=date(2026, 6, 1 + i % 28),
            problems=[{"description": f"问题{i}", "category": register.other, "outcome": "solved", "solution": "好"}],
        )


@pytest.mark.parametrize("n", [3, 25])
def test_lists_have_a_fixed_number_of_queries(county, register, django_assert_max_num_queries, n):
    _many_visits(county, register, n)
    c = client_for(county.admin_a)
    pages = {}
    for name in ("liaison:visits", "liaison:problems", "liaison:representatives", "liaison:report", "liaison:teams"):
        with django_assert_max_num_queries(16):
            pages[name] = c.get(reverse(name))
        assert pages[name].status_code == 200, name
    assert pages["liaison:visits"].context["page_obj"].paginator.count == n
    assert pages["liaison:problems"].context["page_obj"].paginator.count == n
    assert sorted(r.name for r in pages["liaison:representatives"].context["rows"]) == sorted(
        ["张三", "钱代表", "孙代表", "周离任"]  # township 甲's register, the one who left included
    )
    total = pages["liaison:report"].context["total"]
    assert (total.visits, total.problems, total.solved) == (n, n, n)
    assert [t.name for t in pages["liaison:teams"].context["teams"]] == ["甲镇党代表服务队"]


@pytest.mark.parametrize("n", [2, 20])
def test_command_panel_has_a_fixed_number_of_queries(county, register, n, rf, django_assert_num_queries):
    from jiceng.liaison.panels import command_panels

    _many_visits(county, register, n)
    request = rf.get("/")
    request.user = county.county_admin
    # The command screen only places the card (no query); the card loads its figures itself.
    with django_assert_num_queries(0):
        panels = command_panels(request, county.root, date(2026, 6, 30))
    c = client_for(county.county_admin)
    # Session, user, the user's organization, the root, notices count, calendar banner; five figures.
    with django_assert_num_queries(11):
        html = c.get(panels[0].context["url"]).content.decode()
    assert f'data-figure="visits">{n}<' in html


def test_figures_are_five_queries(county, register, django_assert_num_queries):
    from jiceng.liaison import queries

    _many_visits(county, register, 3)
    with django_assert_num_queries(5):
        queries.figures(county.county_admin, county.root, date(2026, 1, 1), date(2026, 6, 30))


@pytest.mark.parametrize(
    "reps,participants,start",
    [
        (10, 10, "甲镇 10 名党代表走访群众 5 户，"),
        (10, 7, "甲镇 10 名党代表中 7 名参与走访，走访群众 5 户，"),
        (0, 3, "甲镇共有 3 名党代表参与走访，走访群众 5 户，"),
        (2, 3, "甲镇共有 3 名党代表参与走访（在册 2 名），走访群众 5 户，"),
    ],
)
def test_sentence_reads_right_at_every_level(reps, participants, start):
    f = rules.Figures(representatives=reps, participants=participants, households=5)
    assert rules.summary_sentence("甲镇", f).startswith(start)
