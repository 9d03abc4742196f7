"""Organizational life: records, attendance, QR sign-in, review, compliance, reminders, API."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from jiceng.core.jobs import run_job
from jiceng.core.models import Notification
from jiceng.life import queries, rules, services
from jiceng.life.models import ActivityType, Appraisal, Attendance, Record, Talk
from jiceng.members.models import Member
from jiceng.members.watch import watch
from jiceng.orgs.services import create_organization, update_organization
from jiceng.testing import add_member, at, client_for, held, photo_upload

pytestmark = pytest.mark.django_db


def record(county, types, code="themed_day", org=None, actor=None, **extra):
    fields = held(extra.pop("day", date(2026, 3, 15)), **extra)
    return services.create_record(
        actor or county.secretary_a, organization=org or county.branch_a, activity_type=types[code], **fields
    )


def result_for(org, period, today, code, types):
    data = queries.compliance(org.path, rules.parse_period(period), today, org_ids=[org.pk])
    return data.results[org.pk].types[types[code].id]


# ---- records and rosters -----------------------------------------------------------------


@time_machine.travel("2026-03-20 10:00 +0800")
def test_branch_roster_includes_its_groups_and_group_roster_only_the_group(county, types):
    r = record(county, types)
    names = sorted(a.member.name for a in r.attendance.select_related("member"))
    assert names == ["张三", "李四", "王五"] and r.expected_count == 3 and r.present_count == 0
    g = record(county, types, "group_meeting", org=county.group_a)
    assert [a.member.name for a in g.attendance.select_related("member")] == ["王五"]


@time_machine.travel("2026-03-20 10:00 +0800")
def test_record_refuses_future_dates_wrong_types_and_outsiders(county, types):
    with pytest.raises(ValidationError) as e:
        record(county, types, day=date(2026, 3, 21))
    assert "今天之后" in str(e.value)
    with pytest.raises(ValidationError) as e:
        record(county, types, "group_meeting")
    assert "不适用于" in str(e.value)
    with pytest.raises(PermissionDenied):
        record(county, types, actor=county.admin_b)
    with pytest.raises(PermissionDenied):
        record(county, types, actor=county.member_user)


def test_plan_then_hold_then_late(county, types):
    with time_machine.travel("2026-03-01 10:00 +0800"):
        plan = services.create_record(
            county.secretary_a,
            organization=county.branch_a,
            activity_type=types["general_meeting"],
            plan_only=True,
            planned_on=date(2026, 3, 31),
            topic="一季度党员大会",
        )
        assert plan.state == "planned" and plan.expected_count == 0
    # Held on the last day of the quarter, recorded the day after: counted for Q1, but late.
    with time_machine.travel("2026-04-01 09:00 +0800"):
        r = services.record_held(county.secretary_a, plan, held_on=date(2026, 3, 31))
        assert r.state == "recorded" and r.is_late and r.expected_count == 3
        q1 = result_for(county.branch_a, "2026-Q1", date(2026, 4, 1), "general_meeting", types)
        assert (q1.required, q1.held, q1.status) == (1, 1, rules.LATE)
        q2 = result_for(county.branch_a, "2026-Q2", date(2026, 4, 1), "general_meeting", types)
        assert q2.held == 0 and q2.status == rules.PENDING


def test_recorded_on_the_last_day_is_on_time(county, types):
    with time_machine.travel("2026-03-31 23:30 +0800"):
        r = record(county, types, "general_meeting", day=date(2026, 3, 31))
    assert not r.is_late
    assert result_for(county.branch_a, "2026-Q1", date(2026, 4, 5), "general_meeting", types).status == rules.MET


def test_branch_that_gained_a_committee_mid_year_owes_from_the_next_month(county, types):
    from jiceng.elections import services as elections

    for i in range(5):
        add_member(county.branch_a, f"委员{i}")
    with time_machine.travel("2026-06-10 10:00 +0800"):
        e = elections.submit_election(
            county.secretary_a,
            organization=county.branch_a,
            held_on=date(2026, 6, 10),
            kind="renewal",
            has_committee=True,
            secretary_name="张三",
            seats=[("张三", "secretary", ""), ("李四", "member", ""), ("委员0", "member", "")],
        )
        elections.decide_election(county.admin_a, e, approve=True)
    today = date(2026, 10, 5)
    r = result_for(county.branch_a, "2026", today, "committee_meeting", types)
    statuses = [p.status for p in r.periods]
    assert statuses[:6] == [rules.NOT_OWED] * 6  # January to June: June is only partly covered
    assert statuses[6:9] == [rules.MISSING] * 3 and r.required == 3 + 3  # July..September missing, Q4 pending
    # The committee meeting roster is the elected committee, linked to member records.
    with time_machine.travel("2026-07-15 10:00 +0800"):
        m = record(county, types, "committee_meeting", day=date(2026, 7, 15))
    assert sorted(a.member.name for a in m.attendance.select_related("member")) == ["委员0", "张三", "李四"]


def test_group_created_by_a_split_owes_from_its_first_whole_month(county, types):
    new = create_organization(
        None,
        parent=county.branch_a,
        code="TA010102",
        name="东村二组党小组",
        type="group",
        domain="rural",
        founded_on=date(2026, 5, 12),
    )
    r = result_for(new, "2026-Q2", date(2026, 7, 1), "group_meeting", types)
    assert [p.status for p in r.periods] == [rules.NOT_OWED, rules.NOT_OWED, rules.MISSING]
    old = result_for(county.group_a, "2026-Q2", date(2026, 7, 1), "group_meeting", types)
    assert old.required == 3


def test_secretary_lecture_also_counts_as_a_party_lecture(county, types):
    with time_machine.travel("2026-02-20 10:00 +0800"):
        record(county, types, "secretary_lecture", day=date(2026, 2, 20))
    today = date(2026, 4, 2)
    assert result_for(county.branch_a, "2026-Q1", today, "party_lecture", types).status == rules.MET
    assert result_for(county.branch_a, "2026", today, "secretary_lecture", types).held == 1


def test_a_secretary_lecture_recorded_late_is_a_late_party_lecture(county, types):
    # Held on 20 March, recorded on 10 May: on time for the year's 书记讲党课, but recorded
    # after the first quarter's end, so the first quarter's 党课 it counts for is late.
    with time_machine.travel("2026-05-10 10:00 +0800"):
        lecture = record(county, types, "secretary_lecture", day=date(2026, 3, 20))
    assert not lecture.is_late
    today = date(2026, 5, 10)
    q1 = result_for(county.branch_a, "2026-Q1", today, "party_lecture", types)
    assert (q1.held, q1.status) == (1, rules.LATE)
    assert result_for(county.branch_a, "2026", date(2027, 1, 5), "secretary_lecture", types).status == rules.MET
    # The same as a plain 党课 recorded the same way.
    other = create_organization(
        None, parent=county.village_a, code="TA0102", name="东村第二党支部", type="branch", domain="rural"
    )
    with time_machine.travel("2026-05-10 10:00 +0800"):
        plain = record(county, types, "party_lecture", org=other, actor=county.admin_a, day=date(2026, 3, 20))
    assert plain.is_late
    assert result_for(other, "2026-Q1", today, "party_lecture", types).status == rules.LATE
    # The table rolls it up as a late period, and the drill-down marks the record late under 党课 only.
    rows, _ = queries.compliance_table(county.village_a, rules.parse_period("2026-Q1"), today)
    row = next(r for r in rows if r.org.id == county.branch_a.pk)
    assert row.types[types["party_lecture"].id].late == 1
    result, by_type = queries.org_compliance(county.branch_a, rules.parse_period("2026-Q1"), today)
    assert [r.is_late for r in by_type[types["party_lecture"].id]] == [True]
    assert [r.is_late for r in by_type[types["secretary_lecture"].id]] == [False]
    page = client_for(county.county_admin).get(
        reverse("life:compliance_org", args=[county.branch_a.pk]) + "?period=2026-Q1"
    )
    html = page.content.decode()
    row_html = html[html.index('data-period="2026-Q1" data-type="party_lecture"') :].split("</tr>")[0]
    assert 'data-status="late"' in row_html and "逾期纪实" in row_html
    assert result.types[types["party_lecture"].id].status == rules.LATE


def test_a_counted_record_follows_the_grace_days_of_the_type_it_counts_for(county, types):
    lecture_type = types["party_lecture"]
    lecture_type.grace_days = 10
    lecture_type.save()
    with time_machine.travel("2026-04-10 10:00 +0800"):  # 10 days after the quarter: on time
        record(county, types, "secretary_lecture", day=date(2026, 3, 20))
    assert result_for(county.branch_a, "2026-Q1", date(2026, 5, 1), "party_lecture", types).status == rules.MET
    with time_machine.travel("2026-07-11 10:00 +0800"):  # 11 days after the second quarter: late
        record(county, types, "secretary_lecture", day=date(2026, 6, 20))
    assert result_for(county.branch_a, "2026-Q2", date(2026, 8, 1), "party_lecture", types).status == rules.LATE
    # Both count for the year's secretary lecture, on time by its yearly rule.
    r = result_for(county.branch_a, "2026", date(2027, 1, 5), "secretary_lecture", types)
    assert (r.held, r.status) == (2, rules.MET)


def test_county_admin_adds_a_custom_type_and_compliance_changes(county, types, client_as):
    c = client_as(county.county_admin)
    assert client_as(county.admin_a).get(reverse("life:type_create")).status_code == 403
    response = c.post(
        reverse("life:type_create"),
        {
            "code": "joint",
            "name": "结对共建活动",
            "cadence": "yearly",
            "applies_to": "branch",
            "domain": "rural",
            "min_count": "5",
            "grace_days": "0",
            "roster": "subtree",
            "is_active": "on",
            "order": "90",
        },
    )
    assert response.status_code == 302
    joint = ActivityType.objects.get(code="joint")
    assert joint.source == "county"
    with time_machine.travel("2026-06-20 10:00 +0800"):
        for day in (3, 10, 17, 24):
            services.create_record(
                county.secretary_a, organization=county.branch_a, activity_type=joint, **held(date(2026, 5, day))
            )
    # The type applies to rural branches only: the agency-domain county committee owes none.
    assert queries.type_applies(joint, county.branch_a) and not queries.type_applies(joint, county.root)
    data = queries.compliance(county.root.path, rules.parse_period("2026"), date(2027, 1, 5))
    r = data.results[county.branch_a.pk].types[joint.id]
    assert (r.required, r.held, r.status) == (5, 4, rules.MISSING)
    rows, _ = queries.compliance_table(county.root, rules.parse_period("2026"), date(2027, 1, 5))
    row = next(x for x in rows if x.org.id == county.town_a.pk)
    assert row.types[joint.id].missing == 1
    # Lowering the minimum to four makes it met.
    c.post(
        reverse("life:type_edit", args=[joint.pk]),
        {
            "code": "joint",
            "name": "结对共建活动",
            "cadence": "yearly",
            "applies_to": "branch",
            "domain": "rural",
            "min_count": "4",
            "grace_days": "0",
            "roster": "subtree",
            "is_active": "on",
            "order": "90",
        },
    )
    data = queries.compliance(county.root.path, rules.parse_period("2026"), date(2027, 1, 5))
    assert data.results[county.branch_a.pk].types[joint.id].status == rules.MET


# ---- attendance, QR ----------------------------------------------------------------------


def _meeting(county, types):
    with time_machine.travel("2026-03-15 08:00 +0800"):
        return record(county, types, starts_at=at(2026, 3, 15, 9), ends_at=at(2026, 3, 15, 11))


def test_qr_sign_in_window(county, types):
    r = _meeting(county, types)
    user = county.member_user
    with pytest.raises(ValidationError) as e:
        services.sign_in(user, r, now=at(2026, 3, 15, 8, 29))
    assert "签到尚未开始" in str(e.value) and "08:30" in str(e.value)
    a = services.sign_in(user, r, now=at(2026, 3, 15, 8, 30))
    assert a.status == "present" and not a.late and a.method == "qr"
    with pytest.raises(ValidationError) as e:
        services.sign_in(user, r, now=at(2026, 3, 15, 11, 1))
    assert "签到已结束" in str(e.value)
    r.refresh_from_db()
    assert r.present_count == 1


def test_qr_sign_in_late_and_not_on_roster(county, types):
    r = _meeting(county, types)
    a = services.sign_in(county.member_user, r, now=at(2026, 3, 15, 9, 5))
    assert a.late
    with pytest.raises(PermissionDenied):
        services.sign_in(county.admin_a, r, now=at(2026, 3, 15, 9, 5))
    from jiceng.accounts.models import User

    outsider = User.objects.create_user("outsider-m", password="x-pass-123", role="member", member=county.member_b)
    with pytest.raises(PermissionDenied) as e:
        services.sign_in(outsider, r, now=at(2026, 3, 15, 9, 5))
    assert "不在本次活动的应到名单" in str(e.value)


def test_qr_pages(county, types):
    from jiceng.life.views.sign_in import sign_token

    r = _meeting(county, types)
    c = client_for(county.secretary_a)
    page = c.get(reverse("life:qr", args=[r.pk])).content.decode()
    assert "<svg" in page and "/life/sign/" in page
    url = reverse("life:sign", args=[sign_token(r)])
    m = client_for(county.member_user)
    with time_machine.travel(at(2026, 3, 15, 12)):
        assert "签到已结束" in m.post(url).content.decode()
    with time_machine.travel(at(2026, 3, 15, 9)):
        assert "已签到" in m.post(url).content.decode()
    response = client_for(county.admin_b).get(url)
    assert response.status_code == 403 and "学习党章" not in response.content.decode()
    assert client_for(county.secretary_a).get(reverse("life:sign", args=["bad-token"])).status_code == 404


def test_recorder_marks_attendance_and_rates(county, types):
    r = _meeting(county, types)
    ids = {a.member.name: a.member_id for a in r.attendance.select_related("member")}
    c = client_for(county.secretary_a)
    c.post(
        reverse("life:attendance", args=[r.pk]),
        {
            f"s-{ids['张三']}": "present",
            f"late-{ids['张三']}": "1",
            f"s-{ids['李四']}": "leave",
            f"s-{ids['王五']}": "absent",
        },
    )
    r.refresh_from_db()
    assert (r.present_count, r.leave_count, r.absent_count, r.attendance_rate) == (1, 1, 1, 33.3)
    assert Attendance.objects.get(record=r, member_id=ids["张三"]).late
    with pytest.raises(ValidationError):
        services.set_attendance(county.secretary_a, r, {county.member_b.pk: ("present", False, False)})
    records = queries.held_records(Record.objects.all(), rules.parse_period("2026"))
    assert queries.org_attendance(records)["rate"] == 33.3
    per_member = {m["member__name"]: m for m in queries.member_attendance(records)}
    assert per_member["张三"]["late"] == 1 and per_member["李四"]["leave"] == 1 and per_member["王五"]["rate"] == 0.0
    page = c.get(reverse("life:attendance_report") + "?period=2026").content.decode()
    assert "33.3%" in page and "王五" in page
    # Each figure leads to the records behind it.
    absent = c.get(reverse("life:list") + f"?member={ids['王五']}&status=absent&period=2026").content.decode()
    assert reverse("life:detail", args=[r.pk]) in absent
    none = c.get(reverse("life:list") + f"?member={ids['张三']}&status=absent&period=2026").content.decode()
    assert reverse("life:detail", args=[r.pk]) not in none
    assert client_for(county.admin_b).get(reverse("life:list") + f"?member={ids['王五']}").status_code == 404
    assert c.get(reverse("life:attendance_export") + "?period=2026")["Content-Type"].startswith("application/vnd")


# ---- photos, review, publication ---------------------------------------------------------


def test_photos_are_checked_resized_and_scoped(county, types):
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = _meeting(county, types)
    c = client_for(county.secretary_a)
    c.post(
        reverse("life:photo_upload", args=[r.pk]), {"photos": [photo_upload("a.jpg"), photo_upload("b.png", fmt="PNG")]}
    )
    c.post(reverse("life:photo_upload", args=[r.pk]), {"photos": SimpleUploadedFile("x.jpg", b"not an image")})
    r.refresh_from_db()
    assert r.photo_count == 2
    p = r.photos.first()
    response = c.get(reverse("life:photo_thumb", args=[p.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    from PIL import Image

    with Image.open(p.thumbnail.path) as im:
        assert max(im.size) <= 400
    assert client_for(county.admin_b).get(reverse("life:photo", args=[p.pk])).status_code == 404
    # A plain member sees photos only once the record is published.
    assert client_for(county.member_user).get(reverse("life:photo", args=[p.pk])).status_code == 404


def test_review_by_the_level_above_then_publish(county, types):
    r = _meeting(county, types)
    with pytest.raises(PermissionDenied) as e:
        services.review(county.secretary_a, r, comment="自己审自己")
    assert "上级" in str(e.value)
    with pytest.raises(ValidationError) as e:
        services.review(county.admin_a, r, comment="很好")
    assert "照片" in str(e.value)  # themed party days need photos [C]
    services.add_photo(county.secretary_a, r, photo_upload())
    with pytest.raises(ValidationError):
        services.publish(county.secretary_a, r)  # not reviewed yet
    c = client_for(county.admin_a)
    c.post(reverse("life:review", args=[r.pk]), {"review_comment": "程序规范，照片清晰", "score": "95"})
    r.refresh_from_db()
    assert r.state == "reviewed" and r.score == 95 and r.reviewed_by == county.admin_a
    assert client_for(county.member_user).get(reverse("life:detail", args=[r.pk])).status_code == 404
    client_for(county.secretary_a).post(reverse("life:publish", args=[r.pk]))
    r.refresh_from_db()
    assert r.state == "published"
    page = client_for(county.member_user).get(reverse("life:detail", args=[r.pk])).content.decode()
    assert "学习党章" in page and "出席率" in page and "王五" not in page  # no names on the public view
    with pytest.raises(ValidationError):
        services.update_record(county.secretary_a, r, topic="改")
    with pytest.raises(ValidationError):
        services.review(county.admin_a, r, comment="再审")


def test_a_stale_review_after_publication_is_refused(county, types):
    r = _meeting(county, types)
    services.add_photo(county.secretary_a, r, photo_upload())
    stale = Record.objects.get(pk=r.pk)
    services.review(county.admin_a, r, comment="好")
    services.publish(county.secretary_a, r)
    with pytest.raises(ValidationError):
        services.review(county.admin_a, stale, comment="再看")
    with pytest.raises(ValidationError):
        services.publish(county.admin_a, stale)
    assert Record.objects.get(pk=r.pk).review_comment == "好"


# ---- yearly items ------------------------------------------------------------------------


@time_machine.travel("2026-12-20 10:00 +0800")
def test_appraisal_once_per_member_per_year(county, types, client_as):
    c = client_as(county.secretary_a)
    c.post(
        reverse("life:appraisals") + f"?org={county.branch_a.pk}",
        {"year": "2026", f"g-{county.member_a.pk}": "excellent"},
    )
    c.post(
        reverse("life:appraisals") + f"?org={county.branch_a.pk}",
        {"year": "2026", f"g-{county.member_a.pk}": "qualified"},
    )
    grades = list(Appraisal.objects.filter(member=county.member_a).values_list("year", "grade"))
    assert grades == [(2026, "qualified")]
    with pytest.raises(IntegrityError), transaction.atomic():
        Appraisal.objects.create(member=county.member_a, organization=county.branch_a, year=2026, grade="basic")
    with pytest.raises(ValidationError):
        services.set_appraisal(county.secretary_a, county.member_a, 2027, "excellent")
    with pytest.raises(ValidationError):
        services.set_appraisal(county.secretary_a, county.member_a, 2026, "great")
    assert "合格" in c.get(reverse("life:appraisals") + "?year=2026").content.decode()


@time_machine.travel("2026-12-20 10:00 +0800")
def test_talks_logged_and_coverage(county, client_as):
    c = client_as(county.secretary_a)
    response = c.post(
        reverse("life:talks"),
        {
            "organization": county.branch_a.pk,
            "held_on": "2026-12-01",
            "kind": "committee_member",
            "talker": "张三",
            "member": county.member_a.pk,
        },
    )
    assert response.status_code == 302
    page = c.get(reverse("life:talks") + f"?org={county.branch_a.pk}").content.decode()
    assert 'data-figure="talked">1<' in page


# ---- pages, compliance table, query counts -----------------------------------------------


def _populate(county, types, n_branches):
    """n more branches with a group each, and a meeting or two."""
    from jiceng.orgs.models import Organization

    for i in range(n_branches):
        b = create_organization(
            None, parent=county.village_a, code=f"TAX{i:03d}", name=f"测试支部{i}", type="branch", domain="rural"
        )
        create_organization(None, parent=b, code=f"TAX{i:03d}G", name=f"测试小组{i}", type="group", domain="rural")
        add_member(b, f"党员{i}")
        with time_machine.travel("2026-02-10 10:00 +0800"):
            services.create_record(None, organization=b, activity_type=types["themed_day"], **held(date(2026, 2, 10)))
    return Organization.objects.count()


@pytest.mark.parametrize("n", [1, 8])
def test_compliance_table_uses_a_fixed_number_of_queries(county, types, n, django_assert_max_num_queries):
    _populate(county, types, n)
    c = client_for(county.county_admin)
    with django_assert_max_num_queries(12):
        response = c.get(reverse("life:compliance") + f"?org={county.town_a.pk}&period=2026-Q1")
    assert response.status_code == 200 and response.context["root"] == county.town_a
    html = response.content.decode()
    assert "组织生活落实情况 · 甲镇党委 · 2026年第1季度" in html and "甲镇东村党总支" in html
    with django_assert_max_num_queries(12):
        c.get(reverse("life:compliance_export") + f"?org={county.root.pk}&period=2026-Q1")
    with django_assert_max_num_queries(10):
        queries.compliance_table(county.root, rules.parse_period("2026"), date(2027, 1, 2))
    with django_assert_max_num_queries(12):
        c.get(reverse("life:list"))


def test_compliance_pages_drill_down_to_records(county, types):
    with time_machine.travel("2026-04-10 10:00 +0800"):
        r = record(county, types, day=date(2026, 3, 15))
        c = client_for(county.county_admin)
        page = c.get(reverse("life:compliance") + f"?org={county.root.pk}&period=2026-Q1").content.decode()
        assert "甲镇党委" in page and "乙乡党委" in page and "主题党日" in page
        page = c.get(reverse("life:compliance_org", args=[county.branch_a.pk]) + "?period=2026-Q1").content.decode()
        assert reverse("life:detail", args=[r.pk]) in page and 'data-status="missing"' in page
        assert 'data-status="late"' in page  # recorded in April
        # A branch's page shows its own branch.
        response = client_for(county.secretary_a).get(reverse("life:compliance") + "?period=2026-Q1")
        assert response.status_code == 200 and response.context["root"] == county.branch_a
        assert "组织生活落实情况 · 东村第一党支部 · 2026年第1季度" in response.content.decode()
        todo = client_for(county.secretary_a).get(reverse("life:todo")).content.decode()
        assert 'data-todo="themed_day"' in todo and "2026年4月" in todo
        api = c.get(reverse("life-compliance") + f"?org={county.town_a.pk}&period=2026-Q1").json()
        assert api["rows"][0]["types"]["themed_day"]["held"] == 1
        assert c.get(reverse("life-record-list")).json()["count"] == 1
        member_api = client_for(county.member_user).get(reverse("life-record-list")).json()
        assert member_api["count"] == 0  # nothing published yet
        assert client_for(county.member_user).get(reverse("life:compliance")).status_code == 403


def test_command_and_org_panels(county, types, django_assert_max_num_queries):
    with time_machine.travel("2026-04-10 10:00 +0800"):
        record(county, types, day=date(2026, 3, 15))
        c = client_for(county.county_admin)
        page = c.get(reverse("dashboard:command")).content.decode()
        assert reverse("life:panel_command") in page  # loaded by htmx: no queries on the screen itself
        with django_assert_max_num_queries(11):  # incl. session, user and the base context processors
            page = c.get(reverse("life:panel_command") + f"?org={county.root.pk}").content.decode()
        assert "甲镇党委" in page and 'data-figure="life_score"' in page
        assert (
            reverse("life:panel_org", args=[county.branch_a.pk])
            in c.get(reverse("orgs:detail", args=[county.branch_a.pk])).content.decode()
        )
        page = c.get(reverse("life:panel_org", args=[county.branch_a.pk])).content.decode()
        assert "缺失" in page and reverse("life:compliance_org", args=[county.branch_a.pk]) in page
        page = c.get(reverse("members:detail", args=[county.member_a.pk])).content.decode()
        assert "应参加 1 次" in page


# ---- the six-month watch, reminders ------------------------------------------------------


def test_six_month_watch_counts_months_missed(county, types):
    for month in range(1, 8):
        day = date(2026, month, 15)
        with time_machine.travel(day.isoformat() + " 10:00 +0800"):
            r = record(county, types, day=day)
        present = [county.member_a.pk] if month == 1 else []
        services.set_attendance(
            county.secretary_a,
            r,
            {
                a.member_id: ("present" if a.member_id in present else "absent", False, False)
                for a in r.attendance.all()
            },
        )
    members = Member.objects.filter(status__in=Member.ACTIVE_STATUSES)
    months = queries.months_without_life(members, date(2026, 8, 3))
    assert months[county.member_a.pk] == 6
    li = Member.objects.get(name="李四").pk
    assert months[li] == 7
    rows = {r.member_id: r for r in watch(members, date(2026, 8, 3))}
    assert rows[county.member_a.pk].months["life"] == 6 and rows[county.member_a.pk].level == 6


def test_reminders_are_sent_once(county, types):
    # The branch has no themed party day yet in November.
    with time_machine.travel("2026-11-12 10:00 +0800"):  # the week of the 15th
        first = run_job("life.reminders")
        second = run_job("life.reminders")
    notices = Notification.objects.filter(recipient=county.secretary_a, kind="life_due")
    assert first == "sent 1" and second == "sent 0"
    assert [n.title for n in notices] == ["本周11月15日是主题党日"]
    with time_machine.travel("2026-11-23 10:00 +0800"):
        run_job("life.reminders")
        run_job("life.reminders")
    titles = sorted(n.title for n in Notification.objects.filter(recipient=county.secretary_a, kind="life_due"))
    assert titles == ["本周11月15日是主题党日", "本月尚未开展主题党日"]
    with time_machine.travel("2026-12-20 10:00 +0800"):
        record(county, types, day=date(2026, 12, 15))
        run_job("life.reminders")
    assert not Notification.objects.filter(key__contains="2026-12").filter(key__contains="themed_day").exists()


def test_pages_render_for_the_secretary(county, types):
    with time_machine.travel("2026-03-20 10:00 +0800"):
        r = record(county, types)
        c = client_for(county.secretary_a)
        for url, shows in (
            (reverse("life:list"), f'<a href="{reverse("life:detail", args=[r.pk])}">学习党章</a>'),
            # recorded on time, so the filter on late records leaves nothing
            (
                reverse("life:list") + "?period=2026-Q1&type=themed_day&state=recorded&late=1&q=学习",
                "没有符合条件的纪实",
            ),
            (reverse("life:create"), "记录组织生活"),
            (reverse("life:create") + "?plan=1", "报备活动计划"),
            (reverse("life:detail", args=[r.pk]), "主题党日：学习党章"),
            (reverse("life:edit", args=[r.pk]), "编辑：学习党章"),
            (reverse("life:delete", args=[r.pk]), "确定删除「主题党日：学习党章」吗"),
            (reverse("life:types"), "主题党日"),
            (reverse("life:todo"), "组织生活待办 · 东村第一党支部"),
        ):
            response = c.get(url)
            assert response.status_code == 200, url
            assert shows in response.content.decode(), url
        response = c.post(
            reverse("life:create"),
            {
                "organization": county.branch_a.pk,
                "activity_type": types["general_meeting"].pk,
                "held_on": "2026-03-18",
                "topic": "党员大会",
                "starts_at": "2026-03-18T09:00",
                "ends_at": "2026-03-18T10:00",
            },
        )
        assert response.status_code == 302
        response = c.post(
            reverse("life:create"),
            {
                "organization": county.branch_a.pk,
                "activity_type": types["general_meeting"].pk,
                "held_on": "2026-03-18",
                "topic": "党员大会",
                "starts_at": "2026-03-18T09:00",
                "ends_at": "2026-03-18T08:00",
            },
        )
        assert "结束时间应晚于开始时间" in response.content.decode()
        xlsx = c.get(reverse("life:export"))
        assert xlsx["Content-Type"].startswith("application/vnd")
        c.post(reverse("life:delete", args=[r.pk]))
        assert not Record.objects.filter(pk=r.pk).exists()
        assert ActivityType.objects.count() >= 8
        county.branch_a = update_organization(None, county.branch_a, founded_on=date(2026, 3, 19))
        with pytest.raises(ValidationError):
            record(county, types, day=date(2026, 3, 18))


# ---- ranking -----------------------------------------------------------------------------


def test_tied_scores_share_a_rank(county, types, client_as):
    # Nothing held anywhere in the third quarter: both townships score 0.0.
    rows, _ = queries.compliance_table(county.root, rules.parse_period("2026-Q3"), date(2026, 11, 25))
    assert [(r.org.name, r.score, r.rank) for r in rows] == [("甲镇党委", 0.0, 1), ("乙乡党委", 0.0, 1)]
    # A themed party day held on time in July lifts 甲镇 alone: 1, 2.
    with time_machine.travel("2026-07-15 10:00 +0800"):
        record(county, types, day=date(2026, 7, 15))
    rows, _ = queries.compliance_table(county.root, rules.parse_period("2026-Q3"), date(2026, 11, 25))
    assert [(r.org.name, r.rank) for r in rows] == [("甲镇党委", 1), ("乙乡党委", 2)]
    with time_machine.travel("2026-11-25 10:00 +0800"):
        api = client_as(county.county_admin).get(reverse("life-compliance") + "?period=2026-Q2").json()
    assert [r["rank"] for r in api["rows"]] == [1, 1]


# ---- malformed parameters ----------------------------------------------------------------


@time_machine.travel("2026-11-25 10:00 +0800")
@pytest.mark.parametrize("period", ["9999", "9999-Q4", "9999-12", "1920", "0001-01", "2101"])
def test_periods_with_impossible_years_are_refused(county, types, period):
    c = client_for(county.county_admin)
    for url in (
        reverse("life:compliance") + f"?org={county.root.pk}&period={period}",
        reverse("life:compliance_org", args=[county.branch_a.pk]) + f"?period={period}",
        reverse("life:attendance_report") + f"?period={period}",
    ):
        response = c.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        # The page says so and shows the default window (last quarter, or this year's attendance).
        assert "年份应在1921年到2100年之间" in page and ("2026年第3季度" in page or "2025年" in page), url
    for url in (
        reverse("life:compliance_export") + f"?org={county.root.pk}&period={period}",
        reverse("life:attendance_export") + f"?period={period}",
    ):
        response = c.get(url)
        assert response.status_code == 400 and "年份应在1921年到2100年之间" in response.content.decode(), url
    response = c.get(reverse("life-compliance") + f"?period={period}")
    assert response.status_code == 400 and "年份应在1921年到2100年之间" in str(response.json()["period"])


@time_machine.travel("2026-12-20 10:00 +0800")
@pytest.mark.parametrize("year", ["-1", "-5", "0", "1920", "2101", "99999", "99999999999999999999999", "²", "２０２６"])
def test_yearly_pages_refuse_impossible_years(county, types, year):
    c = client_for(county.secretary_a)
    for url in (reverse("life:talks"), reverse("life:appraisals")):
        response = c.get(url + f"?org={county.branch_a.pk}&year={year}")
        assert response.status_code == 200, url
        assert "年份应在1921年到2100年之间" in response.content.decode() and "2026年" in response.content.decode()
    # A grade posted for such a year is not saved, under that year or under this one.
    response = c.post(
        reverse("life:appraisals") + f"?org={county.branch_a.pk}",
        {"year": year, f"g-{county.member_a.pk}": "excellent"},
    )
    assert response.status_code == 302 and not Appraisal.objects.exists()
    assert "未保存" in c.get(response.url).content.decode()


def test_appraisal_years_are_bounded_in_the_service(county, types):
    for year in (-5, 0, 1920):
        with pytest.raises(ValidationError) as e:
            services.set_appraisal(county.secretary_a, county.member_a, year, "excellent")
        assert "年份应在1921年到2100年之间" in str(e.value)
    assert not Appraisal.objects.exists()


@time_machine.travel("2026-12-20 10:00 +0800")
def test_talk_dates_from_the_founding_to_today(county, client_as):
    c = client_as(county.secretary_a)
    data = {"organization": county.branch_a.pk, "kind": "committee_member", "talker": "张三"}
    response = c.post(reverse("life:talks"), {**data, "held_on": "0001-01-01"})
    assert response.status_code == 200 and "谈话日期应在1921年以后" in response.content.decode()
    update_organization(None, county.branch_a, founded_on=date(2020, 4, 1))
    response = c.post(reverse("life:talks"), {**data, "held_on": "2020-03-31"})
    assert "谈话日期早于本组织成立日期 2020-04-01" in response.content.decode()
    response = c.post(reverse("life:talks"), {**data, "held_on": "2026-12-21"})
    assert "谈话日期不能晚于今天" in response.content.decode()
    with pytest.raises(ValidationError):
        services.log_talk(
            county.secretary_a,
            organization=county.branch_a,
            held_on=date(2026, 12, 1),
            kind="bogus",
            talker="张三",
            member=None,
        )
    assert not Talk.objects.exists()
    assert c.post(reverse("life:talks"), {**data, "held_on": "2020-04-01"}).status_code == 302
    assert Talk.objects.count() == 1


@pytest.mark.parametrize("value", ["²", "٣", "-1", "1e3", "99999999999999999999999", " "])
def test_ids_in_parameters_are_ascii_digits(county, types, value):
    c = client_for(county.county_admin)
    assert c.get(reverse("life:compliance") + f"?org={value}").status_code in (200, 404)
    assert c.get(reverse("life:list") + f"?within={value}").status_code in (200, 404)
    assert c.get(reverse("life:list") + f"?member={value}").status_code in (200, 404)
    assert c.get(reverse("life-compliance") + f"?org={value}").status_code in (200, 404)
    assert c.get(reverse("elections:list") + f"?org={value}").status_code in (200, 404)


@time_machine.travel("2026-06-10 10:00 +0800")
def test_talk_form_asks_for_the_organization_above_its_size(county, client_as, monkeypatch):
    """A county's 20,000 members are no list to pick from: above the limit the page links the
    organizations below instead of rendering a select of every member (issue 10: 4.9 s)."""
    from jiceng.life.views import talks as views

    c = client_as(county.county_admin)
    html = c.get(reverse("life:talks")).content.decode()
    assert 'name="member"' in html and "请先进入具体党组织" not in html
    monkeypatch.setattr(views, "TALK_FORM_MAX_MEMBERS", 3)
    html = c.get(reverse("life:talks")).content.decode()
    assert 'name="member"' not in html and "请先进入具体党组织" in html
    assert f"?org={county.town_a.pk}&year=2026" in html
    # Inside a branch of three members the form is there again.
    assert 'name="member"' in c.get(reverse("life:talks"), {"org": county.branch_a.pk}).content.decode()


@time_machine.travel("2026-03-20 10:00 +0800")
def test_all_present_in_one_click_and_the_roster_in_pinyin_order(county, types, client_as):
    """Issue 11 item 11: a roster starts absent; 「全部出席」 marks everyone present but those marked on
    leave, and the roster reads in pinyin order like the member lists."""
    add_member(county.branch_a, "阿宝", birth=date(1990, 1, 2))
    r = record(county, types)
    c = client_as(county.secretary_a)
    html = c.get(reverse("life:detail", args=[r.pk])).content.decode()
    names = [n for n in ("阿宝", "李四", "王五", "张三") if n in html]
    assert sorted(names, key=html.index) == ["阿宝", "李四", "王五", "张三"]  # a-bao, li-si, wang-wu, zhang-san
    assert "data-all-present" in html
    li = Member.objects.get(name="李四").pk
    post = {f"s-{a.member_id}": "absent" for a in r.attendance.all()} | {f"s-{li}": "leave", "all_present": "1"}
    c.post(reverse("life:attendance", args=[r.pk]), post)
    statuses = dict(r.attendance.values_list("member__name", "status"))
    assert statuses.pop("李四") == "leave" and set(statuses.values()) == {"present"}
    r.refresh_from_db()
    assert (r.present_count, r.leave_count, r.absent_count) == (r.expected_count - 1, 1, 0)
