"""The member import writes rows in one round (core.importing.insert_rows) and its undo deletes by
batch (core.importing.delete_rows): what they write and remove must be what the ORM would."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.signals import pre_delete
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook

from jiceng.core import idnumbers
from jiceng.core.models import AuditEntry
from jiceng.dual.models import DualRegistrationRecord
from jiceng.dues.models import DuesPayment
from jiceng.imports import services
from jiceng.imports.models import ImportBatch
from jiceng.life.models import MemberMonth
from jiceng.members import tally
from jiceng.members.models import LeadHousehold, Member, StatusChange
from jiceng.testing import make_id, make_user

HEADERS = [
    "姓名",
    "公民身份号码",
    "性别",
    "手机号码",
    "所在党组织编码",
    "人员类别",
    "入党日期",
    "转正日期",
    "学历",
    "是否流动党员",
    "流入地",
]


def member_file(n: int) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for i in range(n):
        if i % 2:
            ws.append(
                [f"单雄{i}", make_id(date(1990, 3, 4), "female"), "女", "", "TA010101", "预备党员", date(2026, 1, 5)]
            )
        else:
            ws.append(
                [
                    "钱一",
                    make_id(date(1980, 1, 2), "male"),
                    "男",
                    "13700000001",
                    "TA0101",
                    "正式党员",
                    "2005-07-01",
                    "2006-07-01",
                    "大学本科",
                    "是",
                    "广东省深圳市流动党员服务站",
                ]
            )
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def imported(county, n: int = 2) -> ImportBatch:
    outcome = services.run_import("members", member_file(n), actor=county.admin_a, file_name="m.xlsx")
    assert outcome.ok, outcome.errors
    return ImportBatch.objects.get(pk=outcome.batch_id)


def test_imported_members_are_stored_as_the_orm_stores_them(county):
    started = timezone.now()
    batch = imported(county)
    full = Member.objects.get(import_batch=batch, name="钱一")
    assert (full.gender, full.status, full.organization) == ("male", "full", county.branch_a)
    assert (full.join_date, full.full_date, full.birth_date) == (date(2005, 7, 1), date(2006, 7, 1), date(1980, 1, 2))
    assert (full.education, full.occupation, full.ethnicity, full.post) == ("bachelor", "", "汉族", "")
    assert full.is_mobile is True and full.mobile_destination == "广东省深圳市流动党员服务站"
    assert (full.phone, full.name_pinyin, full.name_initials) == ("13700000001", "qianyi", "qy")
    number = idnumbers.decrypt(full.id_number_encrypted)
    assert full.id_number_digest == idnumbers.digest(number) and full.id_number_masked == idnumbers.mask(number)
    assert full.revision == 0 and full.registered_community is None and full.registered_on is None
    assert full.removal_reason == ""
    assert started <= full.created_at == full.updated_at <= timezone.now()
    probationary = Member.objects.get(import_batch=batch, name="单雄1")
    assert probationary.name_pinyin == "shanxiong"  # the surname's reading, as create_member gives it
    assert (probationary.status, probationary.full_date, probationary.is_mobile) == ("probationary", None, False)
    changes = StatusChange.objects.filter(member__import_batch=batch).order_by("member__name")
    assert [(c.member.name, c.from_status, c.to_status, c.on) for c in changes] == [
        ("单雄1", "", "probationary", date(2026, 1, 5)),
        ("钱一", "", "full", date(2005, 7, 1)),
    ]
    assert {(c.reason, c.recorded_by) for c in changes} == {("Excel导入建档", county.admin_a)}
    assert all(started <= c.recorded_at <= timezone.now() for c in changes)
    # Stored in the database's own form: lookups on the timestamp find the row.
    assert Member.objects.filter(import_batch=batch, created_at__gte=started - timedelta(seconds=1)).count() == 2


def test_the_import_makes_no_query_per_row(county):
    def queries(n):
        with CaptureQueriesContext(connection) as captured:
            imported(county, n)
        return len(captured)

    few, many = queries(4), queries(60)
    assert few == many <= 20


def test_undo_removes_what_refers_to_the_imported_members_and_nothing_else(county):
    kept = DualRegistrationRecord.objects.create(
        member=county.member_a, community=county.village_a, kind="wish", on=date(2026, 5, 1), title="旧心愿"
    )
    before = Member.objects.count()
    batch = imported(county)
    member = Member.objects.get(import_batch=batch, name="钱一")
    LeadHousehold.objects.create(member=member, households=6)
    DualRegistrationRecord.objects.create(
        member=member, community=county.village_a, kind="party_day", on=date(2026, 5, 1), title="主题党日"
    )
    MemberMonth.objects.create(member=member, month=date(2026, 5, 1), expected=1, took_part=1)
    user = make_user("imported", county.branch_a, "member", member=member)
    # The member tallies are kept by triggers on the members table: COPY, executemany and the
    # batch's DELETE go through them like any other write.
    assert tally.differences() == [] and tally.stored() == tally.recount()

    services.undo_last(county.admin_a)

    assert tally.differences() == [] and tally.stored() == tally.recount()

    assert Member.objects.count() == before and not Member.objects.filter(import_batch=batch).exists()
    assert not StatusChange.objects.filter(member_id=member.pk).exists()
    assert not LeadHousehold.objects.filter(member_id=member.pk).exists()
    assert not MemberMonth.objects.filter(member_id=member.pk).exists()
    assert list(DualRegistrationRecord.objects.all()) == [kept]
    user.refresh_from_db()
    assert user.member is None
    assert county.member_a.status_changes.exists()  # the members already there keep their history
    assert ImportBatch.objects.get(pk=batch.pk).status == "undone"
    assert AuditEntry.objects.filter(action="undo_import", object_id=str(batch.pk)).count() == 1


def test_undo_refused_when_a_protected_record_refers_to_an_imported_member(county):
    batch = imported(county)
    member = Member.objects.get(import_batch=batch, name="钱一")
    LeadHousehold.objects.create(member=member)
    DuesPayment.objects.create(
        member=member,
        month=date(2026, 5, 1),
        amount=Decimal("1.00"),
        due_amount=Decimal("1.00"),
        paid_on=date(2026, 5, 20),
    )
    with pytest.raises(ValidationError, match="已被其他记录引用"):
        services.undo_last(county.admin_a)
    assert Member.objects.filter(import_batch=batch).count() == 2
    assert LeadHousehold.objects.filter(member=member).exists()
    assert StatusChange.objects.filter(member__import_batch=batch).count() == 2
    assert ImportBatch.objects.get(pk=batch.pk).status == "done"


def test_undo_leaves_a_model_with_delete_signals_to_djangos_collector(county):
    batch = imported(county)
    member = Member.objects.get(import_batch=batch, name="钱一")
    LeadHousehold.objects.create(member=member)
    deleted = []

    def receiver(sender, instance, **kwargs):
        deleted.append(instance.member_id)

    pre_delete.connect(receiver, sender=LeadHousehold)
    try:
        services.undo_last(county.admin_a)
    finally:
        pre_delete.disconnect(receiver, sender=LeadHousehold)
    assert deleted == [member.pk]
    assert not Member.objects.filter(import_batch=batch).exists()


def test_insert_rows_refuses_a_field_name_where_a_column_is_meant(county):
    from jiceng.core.importing import insert_rows

    with pytest.raises(ValueError, match="no column member"):
        insert_rows(StatusChange, [{"member": county.member_a, "to_status": "full", "on": date(2020, 1, 1)}])
    assert insert_rows(StatusChange, [{"member_id": county.member_a.pk, "to_status": "full", "on": date(2020, 1, 1)}])
    change = county.member_a.status_changes.latest("id")
    assert (change.from_status, change.reason, change.recorded_by, change.on) == ("", "", None, date(2020, 1, 1))
    assert change.recorded_at is not None
