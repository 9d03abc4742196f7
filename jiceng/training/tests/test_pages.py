"""Pages, exports, import, API and panels as the right user, a member and an outsider."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jiceng.core.models import Notification
from jiceng.members.models import Member
from jiceng.testing import add_member, at, client_for
from jiceng.training import services
from jiceng.training.models import Attendance, ExamResult, OrganizationDemerit, StudyRecord

pytestmark = pytest.mark.django_db


def xlsx_rows(response) -> list[tuple]:
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    return [tuple(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def mark_all(county, training, statuses: dict):
    for session_index, per in statuses.items():
        services.record_attendance(
            county.admin_a,
            training.sessions[session_index],
            {e.pk: (s, "") for e, s in per.items()},
            now=at(2026, 11, 1),
        )


def test_course_list_filters_and_exports(county, training):
    c = client_for(county.admin_a)
    html = c.get(reverse("training:courses"), {"kind": "academy", "year": "2026"}).content.decode()
    assert "甲镇书记学院第1期" in html and "2<span" in html  # two trainees of a limit
    assert "甲镇书记学院第1期" not in c.get(reverse("training:courses"), {"kind": "winter"}).content.decode()
    rows = xlsx_rows(c.get(reverse("training:course_export"), {"year": "2026"}))
    assert rows[1][:3] == (2026, "甲镇书记学院第1期", "书记学院") and rows[1][5:7] == (4, 2)


def test_course_page_shows_the_attendance_matrix(county, training):
    mark_all(county, training, {0: {training.zhang: "present", training.li: "late"}, 1: {training.li: "early_leave"}})
    c = client_for(county.admin_a)
    response = c.get(reverse("training:course_detail", args=[training.course.pk]))
    matrix = response.context["matrix"]
    li = next(r for r in matrix.rows if r.enrollment == training.li)
    # The second lateness completes a missed lesson: its 3 hours do not count.
    assert (li.attended, li.lateness, li.missed, li.hours) == (2, 2, 1, Decimal("3"))
    assert response.context["attendance_rate"] == Decimal("100.0")
    html = response.content.decode()
    assert "报名学员" in html and "安排课次" in html
    rows = xlsx_rows(c.get(reverse("training:course_export_matrix", args=[training.course.pk])))
    assert rows[0][:3] == ("学员编号", "姓名", "所在党组织")
    li_row = next(r for r in rows if r[1] == "李四")
    assert li_row[3:7] == ("迟到", "早退", "未登记", "未登记")


def test_enroll_page_refuses_beyond_the_limit_with_the_reason(county, training):
    services.update_course(county.admin_a, training.course, class_size_limit=2)
    wang = Member.objects.get(name="王五")
    c = client_for(county.admin_a)
    page = c.get(reverse("training:enroll", args=[training.course.pk]), {"organization": county.branch_a.pk})
    assert "王五" in page.content.decode() and "已报名" in page.content.decode()
    add_member(county.branch_a, "钱书记", post="党支部书记")
    only = c.get(reverse("training:enroll", args=[training.course.pk]), {"secretaries": "1"}).content.decode()
    assert "钱书记" in only and "王五" not in only
    response = c.post(reverse("training:enroll", args=[training.course.pk]), {"member": [wang.pk]}, follow=True)
    assert "本班人数上限 2 人" in response.content.decode()
    services.update_course(county.admin_a, training.course, class_size_limit=3)
    c.post(reverse("training:enroll", args=[training.course.pk]), {"member": [wang.pk]})
    assert training.course.enrollments.filter(member=wang).exists()


def test_enroll_refuses_members_outside_the_users_scope(county, training):
    c = client_for(county.admin_a)
    c.post(reverse("training:enroll", args=[training.course.pk]), {"member": [county.member_b.pk]})
    assert not training.course.enrollments.filter(member=county.member_b).exists()


def test_attendance_form_records_and_notifies(county, training):
    c = client_for(county.admin_a)
    for s in training.sessions[:3]:
        page = c.get(reverse("training:attendance", args=[s.pk]))
        assert page.status_code == 200 and "全部设为出席" in page.content.decode()
        response = c.post(
            reverse("training:attendance", args=[s.pk]),
            {f"s{training.zhang.pk}": "unexcused", f"s{training.li.pk}": "present", f"n{training.li.pk}": ""},
        )
        assert response.status_code == 302
    assert Attendance.objects.filter(enrollment=training.zhang, status="unexcused").count() == 3
    assert OrganizationDemerit.objects.get().organization == county.branch_a
    assert Notification.objects.get(kind="training_absence").recipient == county.secretary_a
    # The secretary follows the notice to the card, which explains it.
    sec = client_for(county.secretary_a)
    card = sec.get(reverse("training:card", args=[county.member_a.pk]), {"year": 2026}).content.decode()
    assert "已通报所在党组织" in card and "无故缺课（本年第 3 次）" in card


def test_attendance_form_explains_a_session_not_started(county, training, settings):
    c = client_for(county.admin_a)
    s = training.sessions[3]
    import time_machine

    with time_machine.travel(at(2026, 7, 1, 10), tick=False):
        page = c.get(reverse("training:attendance", args=[s.pk])).content.decode()
        assert "开课后才能登记出勤" in page
        response = c.post(reverse("training:attendance", args=[s.pk]), {f"s{training.zhang.pk}": "present"})
        assert "2026年07月10日 09:00 开始" in response.content.decode()
    assert not Attendance.objects.filter(session=s).exists()


def test_organizer_of_another_level_cannot_record(county, training):
    c = client_for(county.secretary_a)  # sees the trainees, but the course is town A's
    s = training.sessions[0]
    assert c.get(reverse("training:attendance", args=[s.pk])).status_code == 404
    assert c.post(reverse("training:attendance", args=[s.pk]), {f"s{training.zhang.pk}": "present"}).status_code == 404
    assert not Attendance.objects.exists()


def test_member_sees_only_their_own_card(county, training):
    services.add_study_record(
        county.secretary_a, county.member_a, on=date(2026, 3, 1), hours=Decimal("2"), title="学习强国"
    )
    mark_all(county, training, {0: {training.zhang: "present", training.li: "unexcused"}})
    c = client_for(county.member_user)
    assert c.get(reverse("training:my_card"))["Location"] == reverse("training:card", args=[county.member_a.pk])
    own = c.get(reverse("training:card", args=[county.member_a.pk]), {"year": 2026})
    assert own.status_code == 200
    assert own.context["card"].total_credits == Decimal("5.00")  # 3 hours + 2 study hours
    assert "登记网上学习或自学" not in own.content.decode()  # read only
    li = Member.objects.get(name="李四")
    assert c.get(reverse("training:card", args=[li.pk])).status_code == 404
    for name in ("training:courses", "training:cards", "training:summary_home", "training:demerits", "training:study"):
        assert c.get(reverse(name)).status_code == 403, name  # staff pages (ADR 0020)
    assert c.get(reverse("training:course_detail", args=[training.course.pk])).status_code == 404
    assert c.get(reverse("training:session_detail", args=[training.sessions[0].pk])).status_code == 404
    api = c.get(reverse("training-card-list"), {"year": 2026}).json()
    assert [r["name"] for r in api["results"]] == ["张三"]
    assert c.get(reverse("training-card-detail", args=[li.pk])).status_code == 404
    assert c.get(reverse("training-course-list")).json()["count"] == 0
    assert (
        c.post(
            reverse("training:card", args=[county.member_a.pk]),
            {"on": "2026-03-01", "hours": "3", "title": "x", "source": "online"},
        ).status_code
        == 403
    )
    assert StudyRecord.objects.count() == 1


def test_my_card_keeps_the_year_asked_for(county, training):
    """In January a member reads last year's card through "my card": the redirect keeps the
    year instead of falling back to the new, still empty year."""
    import time_machine

    mark_all(county, training, {0: {training.zhang: "present"}})
    with time_machine.travel(at(2027, 1, 4, 9), tick=False):
        c = client_for(county.member_user)
        response = c.get(reverse("training:my_card"), {"year": 2026})
        assert response["Location"] == reverse("training:card", args=[county.member_a.pk]) + "?year=2026"
        card = c.get(response["Location"]).context["card"]
    assert card.total_credits == Decimal("3.00")


def test_member_signs_in_by_qr(county, training):
    import time_machine

    s = training.sessions[3]
    url = reverse("training:sign_in", args=[s.pk, s.sign_in_token])
    organizer = client_for(county.admin_a).get(reverse("training:session_detail", args=[s.pk])).content.decode()
    assert "<svg" in organizer and url in organizer
    c = client_for(county.member_user)
    with time_machine.travel(at(2026, 7, 10, 9, 5), tick=False):
        assert "签到" in c.get(url).content.decode()
        response = c.post(url)
    assert 'data-signed="late"' in response.content.decode()
    assert client_for(county.secretary_a).get(url).status_code == 404  # not on the roster
    assert c.get(reverse("training:sign_in", args=[s.pk, "guess"])).status_code == 404


def test_exam_results_by_form_and_the_card_shows_them(county, training):
    exam = services.create_exam(county.admin_a, training.course, title="结业测试", held_on=date(2026, 5, 10))
    c = client_for(county.admin_a)
    response = c.post(
        reverse("training:exam_detail", args=[exam.pk]),
        {f"score{training.zhang.pk}": "60", f"score{training.li.pk}": "abc"},
        follow=True,
    )
    assert "李四：「abc」不是数字" in response.content.decode()
    assert not ExamResult.objects.exists()
    c.post(reverse("training:exam_detail", args=[exam.pk]), {f"score{training.zhang.pk}": "60"})
    card = c.get(reverse("training:card", args=[county.member_a.pk]), {"year": 2026}).context["card"]
    assert card.exams_passed == 1 and card.exam_credits == Decimal("2.00")


def _filled(template_response, scores: dict[str, object], extra_rows=()):
    wb = load_workbook(io.BytesIO(template_response.content))
    ws = wb.worksheets[0]
    for row in ws.iter_rows(min_row=2):
        if row[1].value in scores:
            row[3].value = scores[row[1].value]
    for r in extra_rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "成绩.xlsx"
    return out


def test_import_of_results_is_all_or_nothing_with_row_and_column(county, training):
    exam = services.create_exam(county.admin_a, training.course, title="结业测试", held_on=date(2026, 5, 10))
    c = client_for(county.admin_a)
    template = c.get(reverse("training:exam_template", args=[exam.pk]))
    names = [r[1] for r in xlsx_rows(template)[1:]]
    assert sorted(names) == ["张三", "李四"]
    bad = _filled(
        template,
        {"张三": 88, "李四": 130},
        extra_rows=[(99999, "王五", "", 70), (training.zhang.pk, "张三", "", 90), ("²", "赵六", "", 70)],
    )
    response = c.post(reverse("training:exam_import", args=[exam.pk]), {"file": bad})
    errors = [str(e) for e in response.context["errors"]]
    li_row = names.index("李四") + 2
    assert f"第 {li_row} 行「成绩」列：成绩不能超过满分 100 分" in errors
    assert "第 4 行「学员编号」列：「99999」不在本班名单中（请使用本考试的模板）" in errors
    assert any(e.startswith("第 5 行「学员编号」列：与第") for e in errors)
    assert "第 6 行「学员编号」列：「²」不在本班名单中（请使用本考试的模板）" in errors  # "²".isdigit() is true
    assert "未导入任何成绩" in response.content.decode()
    assert not ExamResult.objects.exists()

    good = _filled(template, {"张三": 88, "李四": "59.5"})
    preview = c.post(reverse("training:exam_import", args=[exam.pk]), {"file": good})
    assert preview.context["errors"] == [] and len(preview.context["cleaned"]) == 2
    assert not ExamResult.objects.exists()  # the preview saves nothing
    c.post(reverse("training:exam_import_confirm", args=[exam.pk]), {"token": preview.context["token"]})
    assert dict(ExamResult.objects.values_list("enrollment__member__name", "score")) == {
        "张三": Decimal("88"),
        "李四": Decimal("59.5"),
    }
    # The token is used up.
    again = c.post(
        reverse("training:exam_import_confirm", args=[exam.pk]), {"token": preview.context["token"]}, follow=True
    )
    assert "导入已过期" in again.content.decode()


def test_import_rejects_a_foreign_file(county, training):
    exam = services.create_exam(county.admin_a, training.course, title="结业测试", held_on=date(2026, 5, 10))
    wb = Workbook()
    wb.active.append(["姓名", "分数"])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "other.xlsx"
    response = client_for(county.admin_a).post(
        reverse("training:exam_import", args=[exam.pk]), {"file": out}, follow=True
    )
    assert "缺少必填列：学员编号、成绩" in response.content.decode()


def test_credit_card_figures_are_traceable(county, training):
    mark_all(
        county,
        training,
        {0: {training.zhang: "present"}, 1: {training.zhang: "late"}, 2: {training.zhang: "early_leave"}},
    )
    services.add_study_record(
        county.secretary_a, county.member_a, on=date(2026, 6, 1), hours=Decimal("1.5"), title="网上党课"
    )
    c = client_for(county.secretary_a)
    response = c.get(reverse("training:card", args=[county.member_a.pk]), {"year": 2026})
    card = response.context["card"]
    assert card.total_credits == Decimal("7.50")  # 3 + 3 + 0 (2nd lateness) + 1.5
    assert card.total_credits == sum((ln.credits for ln in card.lines), Decimal("0"))
    html = response.content.decode()
    assert "本年第 2 次迟到/早退，与前 1 次合计缺课 1 次" in html
    # A branch secretary cannot open town A's course pages: the lines are not links for them.
    assert reverse("training:session_detail", args=[training.sessions[0].pk]) not in html
    admin_html = (
        client_for(county.admin_a)
        .get(reverse("training:card", args=[county.member_a.pk]), {"year": 2026})
        .content.decode()
    )
    assert reverse("training:session_detail", args=[training.sessions[0].pk]) in admin_html
    api = (
        client_for(county.admin_a)
        .get(reverse("training-card-detail", args=[county.member_a.pk]), {"year": 2026})
        .json()
    )
    assert Decimal(api["total_credits"]) == Decimal("7.50") and len(api["lines"]) == 4
    assert api["lines"][0]["ref"]["session"] == training.sessions[0].pk


def test_card_list_and_export(county, training):
    mark_all(county, training, {0: {training.zhang: "present", training.li: "unexcused"}})
    c = client_for(county.admin_a)
    rows = dict((m.name, card) for m, card in c.get(reverse("training:cards"), {"year": 2026}).context["rows"])
    assert rows["张三"].total_credits == Decimal("3.00") and rows["李四"].unexcused == 1 and rows["王五"].lines == []
    exported = xlsx_rows(c.get(reverse("training:card_export"), {"year": 2026, "q": "张三"}))
    assert len(exported) == 2 and exported[1][0] == "张三"
    assert exported[1][16] == 3  # total credits


def test_study_page_and_delete(county, training):
    c = client_for(county.secretary_a)
    response = c.post(
        reverse("training:card", args=[county.member_a.pk]),
        {"on": "2026-03-01", "hours": "2", "title": "学习强国专题", "source": "online"},
    )
    assert response.status_code == 302
    record = StudyRecord.objects.get()
    assert "学习强国专题" in c.get(reverse("training:study")).content.decode()
    assert xlsx_rows(c.get(reverse("training:study_export")))[1][1] == "张三"
    c.post(reverse("training:study_delete", args=[record.pk]))
    assert not StudyRecord.objects.exists()


def test_org_summary_panels_and_command_screen(county, training):
    for s in training.sessions[:3]:
        services.record_attendance(
            county.admin_a,
            s,
            {training.zhang.pk: ("unexcused", ""), training.li.pk: ("present", "")},
            now=at(2026, 11, 1),
        )
    c = client_for(county.admin_a)
    import time_machine

    with time_machine.travel(at(2026, 11, 20, 10), tick=False):
        summary = c.get(reverse("training:org_summary", args=[county.town_a.pk]))
        t = summary.context["summary"].totals
        assert (t.trainees, t.recorded, t.attended, t.unexcused, t.over_limit) == (2, 6, 3, 3, 1)
        assert t.attendance_rate == Decimal("50.0")
        html = summary.content.decode()
        assert "甲镇东村党总支" in html  # drill-down to the child
        exported = xlsx_rows(c.get(reverse("training:org_summary_export", args=[county.town_a.pk])))
        assert exported[1][0] == "张三" and exported[1][10] == "是"
        # The organization page and the command screen load the training card with htmx.
        org_url = reverse("training:panel_org", args=[county.branch_a.pk])
        org_page = c.get(reverse("orgs:detail", args=[county.branch_a.pk])).content.decode()
        assert 'data-lazy-panel="training-org"' in org_page and f'hx-get="{org_url}"' in org_page
        org_panel = c.get(org_url).content.decode()
        assert 'data-panel="training-org"' in org_panel and "张三 无故缺课 3 次" in org_panel
        member_page = c.get(reverse("members:detail", args=[county.member_a.pk])).content.decode()
        assert 'data-panel="training-card"' in member_page
        command_url = reverse("training:panel_command", args=[county.town_a.pk])
        assert f'hx-get="{command_url}"' in c.get(reverse("dashboard:command")).content.decode()
        command = c.get(command_url).content.decode()
        assert 'data-figure="training_trainees">2<' in command and 'data-figure="training_demerits">1<' in command
        assert 'data-figure="training_rate">50.0%<' in command
    member = client_for(county.member_user)
    assert member.get(org_url).status_code == 403 and member.get(command_url).status_code == 403
    demerits = c.get(reverse("training:demerits"), {"state": "active"}).content.decode()
    assert "东村第一党支部" in demerits and "张三" in demerits


def test_insider_of_town_b_sees_its_own_course(county):
    from jiceng.training.tests.scope import setup

    victim = setup(county)
    c = client_for(county.admin_b)
    assert "乙乡秘密培训班" in c.get(reverse("training:course_detail", args=[victim["t_course"]])).content.decode()
    assert "赵秘密" in c.get(reverse("training:card", args=[victim["t_member"]]), {"year": 2026}).content.decode()
    assert c.get(reverse("training-course-list")).json()["count"] == 1


def test_settings_page_for_county_admin(county):
    c = client_for(county.county_admin)
    data = {
        "class_size_max": "35",
        "lateness_per_missed_lesson": "3",
        "absence_limit": "2",
        "credits_per_class_hour": "1.5",
        "credits_per_study_hour": "1",
        "credits_per_passed_exam": "2",
        "annual_hours_target": "32",
    }
    assert c.post(reverse("training:settings"), data).status_code == 302
    from jiceng.training.models import TrainingSettings

    saved = TrainingSettings.current()
    assert (saved.class_size_max, saved.lateness_per_missed_lesson) == (35, 3)
    assert client_for(county.admin_a).get(reverse("training:settings")).status_code == 403
    bad = c.post(reverse("training:settings"), {**data, "lateness_per_missed_lesson": "0"})
    assert bad.status_code == 200 and "lateness_per_missed_lesson" in bad.context["form"].errors


def test_venues_and_course_forms(county):
    c = client_for(county.admin_a)
    response = c.post(
        reverse("training:venue_create"),
        {"name": "甲镇培训基地", "kind": "training_base", "organization": county.town_a.pk},
    )
    assert response.status_code == 302
    assert "甲镇培训基地" in c.get(reverse("training:venues")).content.decode()
    form = c.post(
        reverse("training:course_create"),
        {"title": "大班", "kind": "academy", "organizer": county.town_a.pk, "year": "2026", "class_size_limit": "60"},
    )
    assert "书记学院每班不超过 40 人" in form.content.decode()
