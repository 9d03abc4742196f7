"""Services: each refused step names the rule (and the date), the member record follows the file."""

import threading
from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from jiceng.core import idnumbers
from jiceng.core.models import AuditEntry
from jiceng.development import rules, services
from jiceng.development.models import DevelopmentFile, Document, Step
from jiceng.development.services import PersonInput
from jiceng.development.testing import DATES, open_applicant, step_kwargs, walk
from jiceng.members import services as member_services
from jiceng.members.models import Member, StatusChange
from jiceng.testing import make_id

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def messages(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


def record(county, file, n, **kw):
    data = step_kwargs(county, n)
    data.update(kw)
    data.setdefault("on", DATES[n])
    return services.record_step(county.secretary_a, file, n, **data)


def test_full_walk_creates_the_member_and_completes_full_membership(dev):
    file = open_applicant(dev, "王小明", phone="13700001111")
    assert (file.status, file.stage, file.last_step, file.identity) == ("open", 1, 1, "applicant")
    assert file.talk_due_on == date(2023, 2, 10)
    walk(dev, file, 16)
    assert file.member is None and file.approval_due_on == date(2024, 9, 2)  # 2024-09-01 is a Sunday
    walk(dev, file, 17)
    member = file.member
    assert member.status == "probationary" and member.join_date == date(2024, 6, 1)  # the vote, not the approval
    assert member.organization == dev.branch_a and member.name == "王小明" and member.phone == "13700001111"
    assert idnumbers.decrypt(member.id_number_encrypted) == idnumbers.decrypt(file.id_number_encrypted)
    assert file.probation_end_on == file.probation_due_on == date(2025, 6, 1)
    walk(dev, file, 24)
    member.refresh_from_db()
    assert member.status == "full" and member.full_date == date(2025, 6, 1)  # the day probation ended
    history = list(StatusChange.objects.filter(member=member).values_list("from_status", "to_status", "on"))
    assert history == [("", "probationary", date(2024, 6, 1)), ("probationary", "full", date(2025, 6, 1))]
    assert "支部大会2025-06-01讨论，上级党委2025-06-20批准" in member.status_changes.last().reason
    walk(dev, file, 25)
    assert (file.status, file.identity, file.closed_on, file.full_on) == (
        "completed",
        "full",
        DATES[25],
        date(2025, 6, 1),
    )
    assert Step.objects.filter(file=file).count() == 25
    assert AuditEntry.objects.filter(object_type="development.Step", org_path=dev.branch_a.path).count() == 24
    assert AuditEntry.objects.filter(object_type="development.DevelopmentFile", action="create").count() == 1


def test_under_18_is_refused_with_the_birthday(dev):
    with pytest.raises(ValidationError) as exc:
        open_applicant(dev, birth=date(2005, 3, 1), on=date(2023, 2, 28))
    assert "于2023-03-01年满十八周岁，最早可于2023-03-01递交入党申请书" in messages(exc)
    assert "《中国共产党章程》第一条" in messages(exc)
    file = open_applicant(dev, birth=date(2005, 3, 1), on=date(2023, 3, 1))
    assert file.applied_on == date(2023, 3, 1)


def test_candidate_before_a_year_names_the_rule_and_the_date(dev):
    file = walk(dev, open_applicant(dev), 6)
    with pytest.raises(ValidationError) as exc:
        record(dev, file, 7, on=date(2024, 3, 9))
    assert messages(exc) == (
        "确定为发展对象须经过一年以上培养考察（《中国共产党发展党员工作细则》第十三条）："
        "该积极分子于2023-03-10确定，最早可于2024-03-10确定为发展对象"
    )
    assert exc.value.message_dict["on"]
    record(dev, file, 7, on=date(2024, 3, 10))


def test_sponsors_must_be_two_full_members(dev):
    file = walk(dev, open_applicant(dev), 8)
    one = [PersonInput(rules.SPONSOR, member_id=dev.member_a.pk)]
    with pytest.raises(ValidationError) as exc:
        record(dev, file, 9, people=one)
    assert "应当有两名正式党员作入党介绍人" in messages(exc) and "现为 1 名" in messages(exc)
    probationary = one + [PersonInput(rules.SPONSOR, member_id=dev.wang.pk)]
    with pytest.raises(ValidationError) as exc:
        record(dev, file, 9, people=probationary)
    assert "入党介绍人须为正式党员：王五在2024-03-20不是正式党员" in messages(exc)
    outsider = one + [PersonInput(rules.SPONSOR, member_id=dev.member_b.pk)]
    with pytest.raises(ValidationError) as exc:
        record(dev, file, 9, people=outsider)
    assert messages(exc) == "所选党员不存在或不在您的管理范围内" and "赵秘密" not in messages(exc)
    assert exc.value.message_dict["sponsors"]
    record(dev, file, 9)
    assert sorted(file.steps.get(number=9).people.values_list("name", flat=True)) == ["张三", "李四"]


def test_contacts_one_or_two_full_members(dev):
    file = walk(dev, open_applicant(dev), 4)
    three = [PersonInput(rules.CONTACT, member_id=m.pk) for m in (dev.member_a, dev.li, dev.wang)]
    with pytest.raises(ValidationError) as exc:
        record(dev, file, 5, people=three)
    assert "培养联系人应为一至两名正式党员" in messages(exc)
    record(dev, file, 5, people=three[:2])


def test_training_under_three_days_or_24_hours(dev):
    file = walk(dev, open_applicant(dev), 10)
    with pytest.raises(ValidationError) as exc:
        record(dev, file, 11, training_days=2, training_hours=16)
    assert "本次记录为 2 天、16 学时" in messages(exc) and "第十七条" in messages(exc)
    record(dev, file, 11, training_days=None, training_hours=24)


def test_vote_not_quorate_or_without_a_majority_of_all_entitled(dev):
    file = walk(dev, open_applicant(dev), 14)
    with pytest.raises(ValidationError) as exc:
        record(dev, file, 15, vote=rules.Vote(entitled=4, attended=2, yes=2))
    assert "不足法定人数" in messages(exc) and "至少须 3 人到会，实到 2 人" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        record(dev, file, 15, vote=rules.Vote(entitled=4, attended=3, yes=2, no=1))
    assert "至少须 3 票赞成，实得 2 票" in messages(exc) and "第二十一条" in messages(exc)
    step = record(dev, file, 15, vote=rules.Vote(entitled=4, attended=3, yes=3))
    assert (step.vote_entitled, step.vote_attended, step.vote_yes) == (4, 3, 3)


def test_approval_after_three_months_needs_a_reason_and_never_beyond_six(dev):
    # Vote 2024-06-01: three months end on Sunday 2024-09-01 → Monday 09-02; six months on
    # Sunday 2024-12-01 → Monday 12-02 (民法典第二百零三条).
    file = walk(dev, open_applicant(dev), 16)
    with pytest.raises(ValidationError) as exc:
        record(dev, file, 17, on=date(2024, 9, 3))
    assert "三个月期限至2024-09-02" in messages(exc) and exc.value.message_dict["late_reason"]
    assert "2024-09-01为法定节假日或休息日，顺延至2024-09-02" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        record(dev, file, 17, on=date(2024, 12, 3), late_reason="乡镇党委换届")
    assert "不得超过六个月" in messages(exc) and "最迟应于2024-12-02审批" in messages(exc)
    step = record(dev, file, 17, on=date(2024, 12, 2), late_reason="乡镇党委换届")
    assert step.is_late and step.late_reason == "乡镇党委换届"
    file.refresh_from_db()
    assert file.member.join_date == date(2024, 6, 1)


def test_approval_on_the_monday_after_a_sunday_deadline_needs_no_reason(dev):
    file = walk(dev, open_applicant(dev), 16)  # vote 2024-06-01; 2024-09-01 is a Sunday
    step = record(dev, file, 17, on=date(2024, 9, 2))
    assert not step.is_late and step.late_reason == ""


def test_full_membership_approval_deadline_rolls_past_national_day(dev):
    # Full-membership vote 2025-07-01: three months end on 2025-10-01; 1–8 October 2025 are days off.
    file = walk(dev, open_applicant(dev), 22)
    record(dev, file, 23, on=date(2025, 7, 1), outcome=rules.TO_FULL)
    file.refresh_from_db()
    assert file.approval_due_on == date(2025, 10, 9)
    with pytest.raises(ValidationError) as exc:
        record(dev, file, 24, on=date(2025, 10, 10))
    assert "最迟应于2025-10-09审批" in messages(exc) and "顺延至2025-10-09" in messages(exc)
    record(dev, file, 24, on=date(2025, 10, 9))
    file.refresh_from_db()
    assert file.full_on == date(2025, 6, 1)  # the end of probation (a Sunday: minimum periods do not roll)


def test_a_lapsed_vote_is_held_again(dev):
    file = walk(dev, open_applicant(dev), 16)  # vote 2024-06-01, limit Sunday 2024-12-01 → 12-02
    with pytest.raises(ValidationError) as exc:
        record(dev, file, 15, on=date(2024, 11, 1))
    assert "审批期限（至2024-12-02）届满前不能重新讨论" in messages(exc)
    record(dev, file, 15, on=date(2025, 1, 5))
    record(dev, file, 16, on=date(2025, 1, 6))
    record(dev, file, 17, on=date(2025, 2, 1))
    file.refresh_from_db()
    assert file.member.join_date == date(2025, 1, 5) and file.probation_end_on == date(2026, 1, 5)


def test_full_membership_before_probation_ends_is_refused(dev):
    file = walk(dev, open_applicant(dev), 22)
    with pytest.raises(ValidationError) as exc:
        record(dev, file, 23, on=date(2025, 5, 31))
    assert "预备期于2025-06-01期满，最早可于2025-06-01讨论转正" in messages(exc)
    assert "《中国共产党章程》第七条" in messages(exc)


def test_extension_once_between_six_and_twelve_months(dev):
    file = walk(dev, open_applicant(dev), 22)
    for months in (5, 13):
        with pytest.raises(ValidationError) as exc:
            record(dev, file, 23, outcome=rules.EXTEND, extension_months=months)
        assert "不能少于半年" in messages(exc) and f"填写为 {months} 个月" in messages(exc)
    record(dev, file, 23, outcome=rules.EXTEND, extension_months=6)
    record(dev, file, 24)
    file.refresh_from_db()
    assert (file.extension_months, file.probation_end_on, file.last_step) == (6, date(2025, 12, 1), 21)
    assert file.member.status == "probationary"
    record(dev, file, 21, on=date(2025, 9, 1))
    record(dev, file, 22, on=date(2025, 11, 20))
    with pytest.raises(ValidationError) as exc:
        record(dev, file, 23, on=date(2025, 12, 1), outcome=rules.EXTEND, extension_months=6)
    assert "预备期只能延长一次" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        record(dev, file, 23, on=date(2025, 11, 30))
    assert "最早可于2025-12-01讨论转正" in messages(exc)
    record(dev, file, 23, on=date(2025, 12, 1))
    record(dev, file, 24, on=date(2025, 12, 10))
    file.refresh_from_db()
    assert file.member.status == "full" and file.member.full_date == date(2025, 12, 1)


def test_cancellation_removes_the_member_and_keeps_the_file(dev):
    file = walk(dev, open_applicant(dev), 19)
    record(dev, file, 23, on=date(2024, 10, 1), outcome=rules.CANCEL)
    record(dev, file, 24, on=date(2024, 10, 20))
    file.refresh_from_db()
    assert file.status == "cancelled" and file.closed_on == date(2024, 10, 20)
    member = file.member
    assert member.status == "removed" and member.removal_reason == "probation_cancelled"
    assert DevelopmentFile.objects.filter(pk=file.pk).exists()
    with pytest.raises(ValidationError, match="该档案已结束"):
        record(dev, file, 25, on=date(2024, 10, 21))


def test_after_a_cancelled_probation_the_person_may_apply_again_as_a_new_applicant(dev):
    """取消预备党员资格 ends the file; the person may later apply again and go through the whole
    procedure from step 1 (细则: development starts from a written application). The old file stays
    closed; the new approval re-admits the same member record (one per ID number)."""
    from datetime import timedelta

    number = make_id(date(2000, 5, 6))
    old = services.open_file(dev.secretary_a, organization=dev.branch_a, id_number=number, name="再申请", on=DATES[1])
    walk(dev, old, 19)
    record(dev, old, 23, on=date(2024, 10, 8), outcome=rules.CANCEL)
    record(dev, old, 24, on=date(2024, 10, 20))
    old.refresh_from_db()
    member = old.member
    old_steps = list(old.steps.values_list("number", "on"))
    with pytest.raises(ValidationError) as exc:
        services.open_file(
            dev.secretary_a, organization=dev.branch_a, id_number=number, name="再申请", on=date(2024, 10, 19)
        )
    assert "不能早于取消预备党员资格的日期（2024-10-20）" in messages(exc)

    new = services.open_file(
        dev.secretary_a, organization=dev.branch_a, id_number=number, name="再申请", on=date(2024, 11, 1)
    )
    assert new.pk != old.pk and new.status == "open" and new.last_step == 1 and new.member is None
    old.refresh_from_db()
    assert old.status == "cancelled" and list(old.steps.values_list("number", "on")) == old_steps
    with pytest.raises(ValidationError, match="该档案已结束"):
        record(dev, old, 25, on=date(2024, 11, 2))

    later = {n: d + timedelta(days=660) for n, d in DATES.items()}
    walk(dev, new, 17, dates=later, start=2)
    new.refresh_from_db()
    member.refresh_from_db()
    assert new.member == member and old.member == member
    assert (member.status, member.removal_reason, member.join_date, member.full_date) == (
        "probationary",
        "",
        later[15],
        None,
    )
    assert member.organization == dev.branch_a
    change = StatusChange.objects.filter(member=member).order_by("-id").first()
    assert (change.from_status, change.to_status, change.on) == ("removed", "probationary", later[15])
    assert "重新" in change.reason and "取消预备党员资格" in change.reason
    assert sorted(member.development_files.values_list("status", flat=True)) == ["cancelled", "open"]


def test_other_former_members_are_not_new_applicants(dev):
    member = dev.member_a
    member_services.change_status(
        None, member, to_status="removed", on=date(2025, 1, 1), removal_reason="expelled", reason="开除党籍"
    )
    with pytest.raises(ValidationError, match="已有党员档案（已出党）"):
        services.open_file(
            dev.secretary_a,
            organization=dev.branch_a,
            id_number=idnumbers.decrypt(member.id_number_encrypted),
            name=member.name,
            on=date(2025, 2, 1),
        )


def test_reject_keeps_the_file_and_is_refused_after_admission(dev):
    file = walk(dev, open_applicant(dev), 10)
    with pytest.raises(ValidationError, match="不予发展的原因"):
        services.reject_file(dev.secretary_a, file, on=date(2024, 4, 2), reason=" ")
    with pytest.raises(ValidationError, match="不能早于最近一步的日期"):
        services.reject_file(dev.secretary_a, file, on=date(2024, 3, 31), reason="政治审查不合格")
    services.reject_file(dev.secretary_a, file, on=date(2024, 4, 2), reason="政治审查不合格")
    file.refresh_from_db()
    assert (file.status, file.close_reason, file.talk_due_on, file.review_due_on) == (
        "rejected",
        "政治审查不合格",
        None,
        None,
    )
    assert file.steps.count() == 10
    with pytest.raises(ValidationError, match="该档案已结束"):
        record(dev, file, 11)
    # The same person may apply again later: a new file.
    again = services.open_file(
        dev.secretary_a,
        organization=dev.branch_a,
        id_number=idnumbers.decrypt(file.id_number_encrypted),
        name=file.name,
        on=date(2025, 3, 1),
    )
    assert again.pk != file.pk
    admitted = walk(dev, open_applicant(dev, "已接收"), 17)
    with pytest.raises(ValidationError, match="取消预备党员资格"):
        services.reject_file(dev.secretary_a, admitted, on=date(2024, 8, 1), reason="x")


def test_one_open_file_per_person_and_no_file_for_a_member(dev):
    number = make_id(date(1999, 1, 1))
    services.open_file(dev.secretary_a, organization=dev.branch_a, id_number=number, name="甲", on=date(2025, 1, 1))
    with pytest.raises(ValidationError, match="已有进行中的发展党员档案"):
        services.open_file(dev.admin_a, organization=dev.branch_a, id_number=number, name="甲", on=date(2025, 2, 1))
    member_id = idnumbers.decrypt(dev.member_a.id_number_encrypted)
    with pytest.raises(ValidationError, match="已有党员档案（正式党员）"):
        services.open_file(
            dev.admin_a, organization=dev.branch_a, id_number=member_id, name="张三", on=date(2025, 2, 1)
        )
    with pytest.raises(ValidationError, match="校验位"):
        services.open_file(
            dev.admin_a,
            organization=dev.branch_a,
            id_number=number[:17] + ("1" if number[17] != "1" else "2"),
            name="错号",
            on=date(2025, 1, 1),
        )
    with pytest.raises(ValidationError, match="请选择党支部"):
        services.open_file(dev.admin_a, organization=dev.village_a, id_number=make_id(), name="乙", on=date(2025, 1, 1))


def test_steps_in_order_and_dates_not_in_the_future(dev):
    file = open_applicant(dev)
    with pytest.raises(ValidationError) as exc:
        record(dev, file, 3)
    assert messages(exc) == "步骤须依次进行：记录第3步「推荐和确定入党积极分子」前，须先完成第2步「党组织派人谈话」"
    with time_machine.travel(date(2023, 1, 20), tick=False):
        with pytest.raises(ValidationError, match="不能晚于今天"):
            record(dev, file, 2, on=date(2023, 1, 21))


def test_a_late_talk_is_recorded_and_marked(dev):
    file = open_applicant(dev, on=date(2023, 1, 31))
    step = record(dev, file, 2, on=date(2023, 3, 1))
    assert step.is_late
    file.refresh_from_db()
    assert file.talk_late and file.talk_due_on is None


def test_step_19_puts_the_member_in_a_party_group(dev):
    file = walk(dev, open_applicant(dev), 18)
    with pytest.raises(ValidationError, match="下属的党小组"):
        record(dev, file, 19, group=dev.branch_b)
    record(dev, file, 19, group=dev.group_a)
    file.member.refresh_from_db()
    assert file.member.organization == dev.group_a


def test_revoking_the_last_step_keeps_it_struck_out(dev):
    file = walk(dev, open_applicant(dev), 7)
    with pytest.raises(ValidationError, match="撤销原因"):
        services.revoke_last_step(dev.secretary_a, file, reason="")
    step = services.revoke_last_step(dev.secretary_a, file, reason="日期录错")
    assert step.number == 7 and step.revoke_reason == "日期录错"
    file.refresh_from_db()
    assert file.last_step == 6 and file.candidate_on is None and file.review_due_on is not None
    record(dev, file, 7, on=date(2024, 3, 12))
    assert file.steps.filter(number=7).count() == 2
    walk(dev, file, 17)
    with pytest.raises(ValidationError, match="不能撤销"):
        services.revoke_last_step(dev.secretary_a, file, reason="x")
    first = open_applicant(dev, "刚申请")
    with pytest.raises(ValidationError, match="第1步不能撤销"):
        services.revoke_last_step(dev.secretary_a, first, reason="x")


def test_documents_are_checked_by_content(dev):
    file = open_applicant(
        dev, document=SimpleUploadedFile("申请书.pdf", PDF, content_type="application/pdf"), document_title="入党申请书"
    )
    doc = file.documents.get()
    assert doc.title == "入党申请书" and doc.step.number == 1 and doc.upload.name.startswith("development/")
    fake = SimpleUploadedFile("谈话记录.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError, match="文件类型不允许"):
        record(dev, file, 2, document=fake)
    assert file.steps.count() == 1  # nothing was written
    services.add_document(
        dev.secretary_a, file, SimpleUploadedFile("谈话.pdf", PDF, content_type="application/pdf"), title="谈话记录"
    )
    assert Document.objects.filter(file=file).count() == 2


def test_only_managers_in_scope_may_write(dev):
    file = open_applicant(dev)
    with pytest.raises(PermissionDenied):
        services.record_step(dev.admin_b, file, 2, **step_kwargs(dev, 2), on=DATES[2])
    with pytest.raises(PermissionDenied):
        services.record_step(dev.member_user, file, 2, **step_kwargs(dev, 2), on=DATES[2])
    with pytest.raises(PermissionDenied):
        services.open_file(dev.admin_a, organization=dev.branch_b, id_number=make_id(), name="外", on=date(2025, 1, 1))
    with pytest.raises(PermissionDenied):
        services.update_settings(dev.admin_a, idle_years=3)
    services.update_settings(dev.county_admin, idle_years=3)


def test_member_records_that_left_block_full_membership(dev):
    file = walk(dev, open_applicant(dev), 23)
    from jiceng.members import services as member_services

    member_services.change_status(None, file.member, to_status="transferred_out", on=date(2025, 6, 5))
    with pytest.raises(ValidationError, match="不是预备党员"):
        record(dev, file, 24)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_secretaries_recording_the_same_step_at_once(county):
    from jiceng.members.models import Member as M

    county.li = M.objects.get(name="李四")
    county.wang = M.objects.get(name="王五")
    file = walk(county, open_applicant(county), 16)
    barrier = threading.Barrier(2)
    results = []

    def approve():
        from django.db import connection as conn

        try:
            barrier.wait()
            services.record_step(county.secretary_a, file, 17, on=DATES[17])
            results.append("ok")
        except ValidationError as exc:
            results.append(" ".join(exc.messages))
        finally:
            conn.close()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results)[0].startswith("第17步「上级党委审批」已经完成") or "ok" in results
    assert results.count("ok") == 1
    assert Step.objects.filter(file=file, number=17).count() == 1
    assert Member.objects.filter(name="申请人甲").count() == 1


def test_people_are_resolved_for_the_system_actor(dev):
    file = services.open_file(
        None, organization=dev.branch_a, id_number=make_id(date(1990, 1, 1)), name="系统建档", on=date(2025, 1, 2)
    )
    services.record_step(None, file, 2, on=date(2025, 1, 3), people=[PersonInput(rules.TALKER, name="组织员 王")])
    assert file.steps.get(number=2).people.get().name == "组织员 王"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_same_person_opened_twice_at_once_gets_one_file(county):
    number = make_id(date(1998, 8, 8))
    barrier = threading.Barrier(2)
    results = []

    def open_it():
        from django.db import connection as conn

        try:
            barrier.wait()
            services.open_file(
                county.secretary_a, organization=county.branch_a, id_number=number, name="同时", on=date(2025, 1, 2)
            )
            results.append("ok")
        except ValidationError as exc:
            results.append(" ".join(exc.messages))
        finally:
            conn.close()

    threads = [threading.Thread(target=open_it) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1
    assert "已有进行中的发展党员档案" in [r for r in results if r != "ok"][0]
    assert DevelopmentFile.objects.filter(name="同时").count() == 1


def test_migration_rolls_stored_deadlines_and_re_marks_late_steps(dev):
    """Files recorded before deadlines rolled past holidays get their stored deadlines moved."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("jiceng.development.migrations.0002_deadlines_on_working_days")
    talked = walk(dev, open_applicant(dev, "已谈话", on=date(2024, 9, 1)), 2, dates={2: date(2024, 10, 8)})
    waiting = walk(dev, open_applicant(dev, "待审批", birth=date(1999, 1, 2)), 16)
    # As the code before the change stored them: calendar days, the talk on 8 October marked late.
    talked.steps.filter(number=2).update(is_late=True)
    DevelopmentFile.objects.filter(pk=talked.pk).update(talk_late=True)
    DevelopmentFile.objects.filter(pk=waiting.pk).update(
        approval_due_on=date(2024, 9, 1), approval_limit_on=date(2024, 12, 1)
    )
    migration.roll_deadlines(apps, None)
    waiting.refresh_from_db()
    talked.refresh_from_db()
    assert (waiting.approval_due_on, waiting.approval_limit_on) == (date(2024, 9, 2), date(2024, 12, 2))
    assert not talked.talk_late and not talked.steps.get(number=2).is_late


def test_an_open_file_follows_its_member_on_a_transfer_within_the_county(dev, client_as):
    """A probationary member moves from branch A (town A) to branch B (town B): on confirmation the
    open file moves to branch B with its steps; town A no longer sees it, town B records the rest."""
    from jiceng.development.models import Move
    from jiceng.transfers import services as transfer_services

    file = walk(dev, open_applicant(dev, "随转"), 20)
    steps_before = list(file.steps.order_by("id").values_list("number", "on"))
    member = file.member
    today = date.today()
    returned = transfer_services.issue_transfer(
        dev.secretary_a, member, kind="within", to_org=dev.branch_b, issued_on=today
    )
    transfer_services.return_transfer(dev.admin_b, returned, reason="不在本支部")
    file.refresh_from_db()
    assert file.organization == dev.branch_a and not file.moves.exists()  # a return moves nothing

    t = transfer_services.issue_transfer(dev.secretary_a, member, kind="within", to_org=dev.branch_b, issued_on=today)
    file.refresh_from_db()
    assert file.organization == dev.branch_a  # in transit: not yet
    with pytest.raises(ValidationError, match="转接途中"):
        record(dev, file, 21, on=today)
    transfer_services.confirm_transfer(dev.admin_b, t, on=today)

    file.refresh_from_db()
    assert file.organization == dev.branch_b and file.status == "open"
    assert list(file.steps.order_by("id").values_list("number", "on")) == steps_before
    (move,) = Move.objects.filter(file=file)
    assert (move.from_org, move.to_org, move.on, move.letter_number) == (
        dev.branch_a,
        dev.branch_b,
        today,
        t.letter_number,
    )
    assert AuditEntry.objects.filter(
        object_type="development.DevelopmentFile", object_id=str(file.pk), action="update"
    ).exists()
    # Town B sees the file with its history and records the next step; town A no longer sees it.
    html = client_as(dev.admin_b).get(reverse("development:detail", args=[file.pk])).content.decode()
    assert "由东村第一党支部转入乙乡秘密村党支部" in html and t.letter_number in html
    assert client_as(dev.admin_a).get(reverse("development:detail", args=[file.pk])).status_code == 404
    services.record_step(dev.admin_b, file, 21, on=today)
    with pytest.raises(PermissionDenied):
        services.record_step(dev.secretary_a, file, 21, on=today)


def test_closed_files_stay_where_the_member_was_admitted(dev):
    from jiceng.transfers import services as transfer_services

    file = walk(dev, open_applicant(dev, "已转正"), 25)
    t = transfer_services.issue_transfer(
        dev.secretary_a, file.member, kind="within", to_org=dev.branch_b, issued_on=date.today()
    )
    transfer_services.confirm_transfer(dev.admin_b, t, on=date.today())
    file.refresh_from_db()
    assert file.organization == dev.branch_a and not file.moves.exists()


def test_an_open_file_goes_with_its_member_out_of_the_county(dev, client_as):
    """A probationary member's relationship leaves the county: on the receipt the open file is
    closed here as 随组织关系转出县外 with its steps kept, and no due list asks the old branch for it."""
    from jiceng.development import queries
    from jiceng.transfers import services as transfer_services

    file = walk(dev, open_applicant(dev, "转出县外"), 20)
    steps_before = file.steps.count()
    today = date.today()
    t = transfer_services.issue_transfer(
        dev.secretary_a, file.member, kind="out", to_name="武汉市某党支部", region="湖北省武汉市", issued_on=today
    )
    file.refresh_from_db()
    assert file.status == "open"  # in transit: not yet
    transfer_services.confirm_transfer(dev.secretary_a, t, on=today, receipt_on=today)
    file.refresh_from_db()
    assert (file.status, file.closed_on, file.steps.count()) == ("transferred", today, steps_before)
    assert "武汉市某党支部" in file.close_reason and t.letter_number in file.close_reason
    assert services.file_state(file).status == rules.TRANSFERRED
    assert all(item.file.pk != file.pk for item in queries.due_items(dev.admin_a, dev.branch_a, today))
    with pytest.raises(ValidationError, match="已结束"):
        services.record_step(dev.secretary_a, file, 21, on=today)
    html = client_as(dev.admin_a).get(reverse("development:detail", args=[file.pk])).content.decode()
    assert "随组织关系转出县外" in html or "组织关系转出县外" in html
