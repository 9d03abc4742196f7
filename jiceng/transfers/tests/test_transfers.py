"""Transfers end to end: counting invariant, the three kinds, validity and overdue with the
clock moved, return and cancel, scope on both sides, pages, export, API and query counts."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from jiceng.core import idnumbers
from jiceng.core.models import AuditEntry, Notification
from jiceng.dashboard.queries import command_screen
from jiceng.members import services as member_services
from jiceng.members.models import Member, StatusChange
from jiceng.orgs.queries import subtree_counts
from jiceng.testing import SHANGHAI, add_member, client_for, make_id
from jiceng.transfers import queries, services
from jiceng.transfers.models import Transfer, TransferEvent, TransferSettings

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


def counted(path) -> int:
    return Member.objects.filter(organization__path__startswith=path, status__in=Member.ACTIVE_STATUSES).count()


def county_figures(county, user=None):
    return queries.transit_figures(county.root.path, TODAY, user)


def within(county, member=None, **kw) -> Transfer:
    kw.setdefault("issued_on", TODAY)
    return services.issue_transfer(
        county.secretary_a, member or county.member_a, kind="within", to_org=county.branch_b, **kw
    )


# ---- counting ----------------------------------------------------------------------------


def test_counts_never_hold_a_member_twice_nor_lose_one(county, extra):
    """Sum over the county before, during and after a transfer: counted + in transit is constant,
    and during transit neither side counts the member."""
    screen = lambda: command_screen(county.county_admin, county.root, TODAY)["member_total"]  # noqa: E731
    a, b = county.town_a.path, county.town_b.path
    before = county_figures(county)
    assert (before.counted, before.in_transit, counted(a), counted(b)) == (4, 0, 3, 1)
    assert screen() == 4

    t = within(county)
    during = county_figures(county)
    assert (during.counted, during.in_transit, during.total) == (3, 1, 4)
    assert counted(a) + counted(b) == 3  # neither side
    sub = subtree_counts(county.root.path)
    # 李四 and 王五 (in the party group) stay in branch A; 赵秘密 alone in branch B.
    assert sub[county.branch_a.pk].members == 2 and sub[county.branch_b.pk].members == 1
    assert screen() == 3
    town_a = queries.transit_figures(a, TODAY)
    town_b = queries.transit_figures(b, TODAY)
    assert (town_a.counted, town_a.in_transit, town_a.outgoing) == (2, 1, 1)
    assert (town_b.counted, town_b.in_transit, town_b.incoming) == (1, 0, 1)
    # The member list's "in office" filter, the warnings and the API agree.
    c = client_for(county.county_admin)
    assert c.get(reverse("member-list"), {"active": "1"}).json()["count"] == 3
    assert c.get(reverse("member-list"), {"status": "in_transit"}).json()["count"] == 1

    services.confirm_transfer(county.admin_b, t, on=TODAY)
    after = county_figures(county)
    assert (after.counted, after.in_transit, counted(a), counted(b)) == (4, 0, 2, 2)
    assert screen() == 4


def test_out_and_in_change_the_county_total_only_on_receipt(county, extra):
    leaving = services.issue_transfer(
        county.secretary_a,
        county.member_a,
        kind="out",
        to_name="武汉市洪山区某党支部",
        region="湖北省武汉市",
        issued_on=TODAY,
    )
    assert (county_figures(county).counted, county_figures(county).in_transit) == (3, 1)
    services.confirm_transfer(county.secretary_a, leaving, on=TODAY, receipt_on=TODAY)
    assert (county_figures(county).counted, county_figures(county).in_transit) == (3, 0)
    coming = incoming(county, "钱新来")
    assert county_figures(county).counted == 3  # not counted anywhere before receipt
    assert county_figures(county).incoming_outside == 1
    services.confirm_transfer(county.admin_b, coming, on=TODAY)
    assert county_figures(county).counted == 4


# ---- within the county ---------------------------------------------------------------------


def test_within_county_full_cycle_through_the_pages(county, extra):
    member = add_member(county.branch_a, "周预备", status="probationary", join_date=date(2025, 9, 1), full_date=None)
    sender = client_for(county.secretary_a)
    page = sender.get(reverse("transfers:issue"), {"member": member.pk})
    assert page.status_code == 200 and "开具转出介绍信：周预备" in page.content.decode()
    response = sender.post(
        reverse("transfers:issue") + f"?member={member.pk}",
        {
            "kind": "within",
            "to_org_code": "TB01",
            "issued_on": "2026-03-02",
            "reason": "work",
            "dues_paid_until": "2026-03",  # not a field any more: the letter reads the dues ledger
        },
    )
    assert response.status_code == 302, response.content.decode()
    t = Transfer.objects.get(member=member)
    assert t.letter_number == "2026-0001" and t.valid_until == date(2026, 4, 1)  # 30 days by default
    assert t.dues_paid_until is None and t.dues_month is None  # nothing in the ledger
    member.refresh_from_db()
    assert member.status == "in_transit" and member.organization == county.branch_a
    # The receiving secretary was told, and sees the transfer with the letter's data only.
    assert Notification.objects.filter(recipient=extra.secretary_b, kind="transfer").count() == 1
    receiver = client_for(extra.secretary_b)
    html = receiver.get(reverse("transfers:detail", args=[t.pk])).content.decode()
    assert "周预备" in html and member.id_number_masked in html and "确认接收" in html
    assert reverse("members:detail", args=[member.pk]) not in html  # no link into the sending side's records
    assert receiver.get(reverse("members:detail", args=[member.pk])).status_code == 404
    # The sending side cannot confirm for the receiver.
    assert sender.post(reverse("transfers:confirm", args=[t.pk]), {"on": "2026-03-02"}).status_code == 403

    response = receiver.post(reverse("transfers:confirm", args=[t.pk]), {"on": "2026-03-02"})
    assert response.status_code == 302
    member.refresh_from_db()
    t.refresh_from_db()
    assert (member.status, member.organization, t.state, t.completed_on) == (
        "probationary",
        county.branch_b,
        "completed",
        TODAY,
    )
    history = list(member.status_changes.values_list("from_status", "to_status"))
    assert history[-2:] == [("probationary", "in_transit"), ("in_transit", "probationary")]
    assert list(t.events.values_list("action", flat=True)) == ["issue", "confirm"]
    assert AuditEntry.objects.filter(object_type="transfers.Transfer", object_id=str(t.pk)).count() == 2
    assert Notification.objects.filter(recipient=county.secretary_a, kind="transfer").exists()
    # Now the receiver has the member; the sender keeps the transfer record but not the member.
    received = receiver.get(reverse("members:detail", args=[member.pk]))
    assert received.status_code == 200 and received.context["member"] == member
    assert "周预备" in received.content.decode() and "乙乡秘密村党支部" in received.content.decode()
    assert sender.get(reverse("members:detail", args=[member.pk])).status_code == 404
    record = sender.get(reverse("transfers:detail", args=[t.pk]))
    assert record.status_code == 200 and record.context["transfer"] == t
    assert "周预备" in record.content.decode() and t.get_state_display() in record.content.decode()


def test_a_member_in_transit_is_locked(county, extra):
    within(county)
    with pytest.raises(ValidationError, match="已在转接途中"):
        within(county)
    with pytest.raises(ValidationError, match="转接途中"):
        member_services.change_status(county.secretary_a, county.member_a, to_status="deceased", on=TODAY)
    with pytest.raises(ValidationError, match="转接途中"):
        member_services.update_member(county.secretary_a, county.member_a, organization=county.group_a)
    member_services.update_member(county.secretary_a, county.member_a, phone="13800005678")  # other fields are fine
    html = client_for(county.secretary_a).get(reverse("members:detail", args=[county.member_a.pk])).content.decode()
    assert 'value="in_transit"' not in html  # the status form does not offer it


def test_issue_refusals_name_the_rule(county, extra):
    with pytest.raises(ValidationError) as exc:
        within(county, valid_until=date(2026, 6, 3))
    assert "最长3个月" in str(exc.value) and "2026-06-02" in str(exc.value)
    within(county, member=add_member(county.branch_a, "刚好三个月"), valid_until=date(2026, 6, 2))
    with pytest.raises(ValidationError, match="党小组"):
        services.issue_transfer(
            county.secretary_a, county.member_a, kind="within", to_org=county.group_a, issued_on=TODAY
        )
    with pytest.raises(ValidationError, match="相同"):
        services.issue_transfer(
            county.secretary_a, county.member_a, kind="within", to_org=county.branch_a, issued_on=TODAY
        )
    with pytest.raises(ValidationError) as exc:
        services.issue_transfer(county.secretary_a, county.member_a, kind="out", issued_on=TODAY)
    assert set(exc.value.message_dict) == {"to_name", "region"}
    with pytest.raises(PermissionDenied):
        services.issue_transfer(county.admin_b, county.member_a, kind="out", to_name="x", region="y", issued_on=TODAY)
    member_services.change_status(county.secretary_a, county.member_a, to_status="deceased", on=TODAY)
    with pytest.raises(ValidationError, match="只有在册党员"):
        within(county)


def test_letter_numbers_are_unique_and_automatic(county, extra):
    first = within(county)
    second = within(county, member=add_member(county.branch_a, "第二人"))
    assert (first.letter_number, second.letter_number) == ("2026-0001", "2026-0002")
    with pytest.raises(ValidationError, match="已经用过"):
        within(county, member=add_member(county.branch_a, "第三人"), letter_number="2026-0001")


def test_issue_form_explains_errors_in_chinese(county, extra):
    c = client_for(county.secretary_a)
    url = reverse("transfers:issue") + f"?member={county.member_a.pk}"
    html = c.post(
        url, {"kind": "within", "to_org_code": "NOPE", "issued_on": "2026-03-02", "reason": "work"}
    ).content.decode()
    assert "没有编码为“NOPE”的党组织" in html
    html = c.post(
        url,
        {
            "kind": "within",
            "to_org_code": "TB01",
            "issued_on": "2026-03-02",
            "valid_until": "2026-07-01",
            "reason": "work",
        },
    ).content.decode()
    assert "介绍信有效期最长3个月" in html
    assert not Transfer.objects.exists()


# ---- validity, overdue, extension -------------------------------------------------------


def test_overdue_is_found_when_the_clock_moves(county, extra, clock):
    t = within(county, valid_until=date(2026, 3, 31))

    def overdue_names():
        c = client_for(county.county_admin)  # logged in again: sessions expire as the clock moves
        return [r["member_name"] for r in c.get(reverse("transfer-list"), {"overdue": "1"}).json()["results"]]

    clock.move_to(date(2026, 3, 31))
    assert overdue_names() == []
    clock.move_to(date(2026, 4, 1))
    assert overdue_names() == ["张三"]
    page = client_for(county.county_admin).get(reverse("transfers:overdue")).content.decode()
    assert 'data-figure="total_overdue">1<' in page and "1 天" in page
    # Too late to confirm: refused with the rule and the date it expired.
    with pytest.raises(ValidationError) as exc:
        services.confirm_transfer(county.admin_b, t, on=date(2026, 4, 1))
    assert "已于2026-03-31过期" in str(exc.value)
    # But a member who reported in time can still be confirmed afterwards.
    services.confirm_transfer(county.admin_b, t, on=date(2026, 3, 31))
    assert overdue_names() == []


def test_an_expired_letter_is_extended_by_the_sender_then_confirmed(county, extra, clock):
    t = within(county, valid_until=date(2026, 3, 10))
    clock.move_to(date(2026, 3, 20))
    with pytest.raises(PermissionDenied):
        services.extend_transfer(county.admin_b, t, valid_until=date(2026, 4, 20), reason="x")
    with pytest.raises(ValidationError, match="最晚到2026-06-20"):
        services.extend_transfer(county.secretary_a, t, valid_until=date(2026, 6, 21), reason="党支部证明")
    services.extend_transfer(
        county.secretary_a, t, valid_until=date(2026, 4, 20), reason="党支部证明、本人申请", letter_number="2026-0009"
    )
    t.refresh_from_db()
    assert (t.valid_until, t.due_on, t.letter_number, t.reissues) == (
        date(2026, 4, 20),
        date(2026, 4, 20),
        "2026-0009",
        1,
    )
    assert not Transfer.objects.filter(queries.overdue_q(date(2026, 3, 20))).exists()
    services.confirm_transfer(county.admin_b, t, on=date(2026, 3, 20))
    assert list(t.events.values_list("action", flat=True)) == ["issue", "extend", "confirm"]


def test_out_of_county_is_overdue_only_after_the_receipt_period(county, extra, clock):
    t = services.issue_transfer(
        county.secretary_a,
        county.member_a,
        kind="out",
        to_name="深圳市南山区某党支部",
        region="广东省深圳市",
        issued_on=TODAY,
        valid_until=date(2026, 3, 31),
    )
    assert t.due_on == date(2026, 4, 30)  # one month for the receipt (组通字〔2006〕45号)
    clock.move_to(date(2026, 4, 30))
    assert not Transfer.objects.filter(queries.overdue_q(date(2026, 4, 30))).exists()
    clock.move_to(date(2026, 5, 1))
    assert Transfer.objects.filter(queries.overdue_q(date(2026, 5, 1))).count() == 1
    # The receipt that comes back late but says the member was received in time is recorded.
    with pytest.raises(PermissionDenied):
        services.confirm_transfer(county.admin_b, t, on=date(2026, 3, 30))
    services.confirm_transfer(county.secretary_a, t, on=date(2026, 3, 30), receipt_on=date(2026, 5, 1))
    county.member_a.refresh_from_db()
    assert county.member_a.status == "transferred_out" and county.member_a.organization == county.branch_a
    assert "深圳市南山区某党支部" in county.member_a.status_changes.last().reason


def test_settings_change_the_defaults_for_new_letters(county, extra):
    c = client_for(county.county_admin)
    assert client_for(county.admin_a).get(reverse("transfers:settings")).status_code == 403
    html = c.post(
        reverse("transfers:settings"),
        {"default_validity_days": "100", "max_validity_months": "3", "receipt_months": "1"},
    ).content.decode()
    assert "默认有效期不能超过最长有效期" in html
    c.post(
        reverse("transfers:settings"),
        {"default_validity_days": "15", "max_validity_months": "2", "receipt_months": "2"},
    )
    config = TransferSettings.current()
    assert (config.default_validity_days, config.max_validity_months, config.receipt_months) == (15, 2, 2)
    assert within(county).valid_until == date(2026, 3, 17)
    with pytest.raises(ValidationError, match="最长2个月"):
        within(county, member=add_member(county.branch_a, "另一人"), valid_until=date(2026, 5, 3))


# ---- return and cancel --------------------------------------------------------------------


def test_return_by_the_receiver_restores_the_member(county, extra):
    t = within(county)
    with pytest.raises(PermissionDenied):
        services.return_transfer(county.secretary_a, t, reason="x")
    with pytest.raises(ValidationError, match="退回原因"):
        services.return_transfer(county.admin_b, t, reason=" ")
    c = client_for(county.admin_b)
    c.post(reverse("transfers:return", args=[t.pk]), {"reason": "接收单位不符"})
    t.refresh_from_db()
    county.member_a.refresh_from_db()
    assert (t.state, t.closed_reason) == ("returned", "接收单位不符")
    assert (county.member_a.status, county.member_a.organization) == ("full", county.branch_a)
    assert Notification.objects.filter(recipient=county.secretary_a, title__contains="已退回").exists()
    # Closed: no further step; a new transfer can be issued.
    with pytest.raises(ValidationError, match="已退回"):
        services.confirm_transfer(county.admin_b, t, on=TODAY)
    within(county)


def test_cancel_by_the_sender_restores_the_member(county, extra):
    t = within(county)
    with pytest.raises(PermissionDenied):
        services.cancel_transfer(county.admin_b, t, reason="x")
    client_for(county.secretary_a).post(reverse("transfers:cancel", args=[t.pk]), {"reason": "开错了"})
    t.refresh_from_db()
    county.member_a.refresh_from_db()
    assert t.state == "cancelled" and county.member_a.status == "full"
    assert county_figures(county).total == 4 and county_figures(county).in_transit == 0


# ---- into the county from outside ---------------------------------------------------------


def incoming(county, name="钱新来", number=None, **kw) -> Transfer:
    fields = {
        "to_org": county.branch_b,
        "name": name,
        "id_number": number or make_id(date(1990, 4, 4), "female"),
        "member_status": "full",
        "join_date": date(2015, 6, 1),
        "full_date": date(2016, 6, 1),
        "from_name": "广州市天河区某党支部",
        "region": "广东省广州市",
        "letter_number": "穗天组〔2026〕12号",
        "issued_on": date(2026, 2, 20),
        "valid_until": date(2026, 3, 20),
    }
    fields.update(kw)
    return services.record_incoming(county.admin_b, **fields)


def test_incoming_new_member_is_created_on_confirmation(county, extra):
    c = client_for(county.admin_b)
    number = make_id(date(1992, 8, 8), "male")
    response = c.post(
        reverse("transfers:incoming"),
        {
            "to_org": county.branch_b.pk,
            "name": "吴外来",
            "id_number": number,
            "member_status": "full",
            "join_date": "2014-07-01",
            "full_date": "2015-07-01",
            "from_name": "武昌区某党支部",
            "region": "湖北省武汉市",
            "letter_number": "武组2026-5",
            "issued_on": "2026-02-25",
            "valid_until": "2026-03-25",
            "reason": "work",
        },
    )
    assert response.status_code == 302, response.content.decode()
    t = Transfer.objects.get(member_name="吴外来")
    assert t.member is None and not Member.objects.filter(name="吴外来").exists()
    assert "1992" not in t.id_number_masked and t.id_number_encrypted  # masked for display, encrypted for creation
    c.post(reverse("transfers:confirm", args=[t.pk]), {"on": "2026-03-02"})
    t.refresh_from_db()
    m = Member.objects.get(name="吴外来")
    assert (t.state, t.member, m.organization, m.status, m.full_date) == (
        "completed",
        m,
        county.branch_b,
        "full",
        date(2015, 7, 1),
    )
    assert idnumbers.decrypt(m.id_number_encrypted) == number
    assert m.status_changes.get().reason.startswith("县外转入：来自武昌区某党支部")


def test_a_member_who_left_comes_back_to_the_same_record(county, extra):
    out = services.issue_transfer(
        county.secretary_a, county.member_a, kind="out", to_name="外省某支部", region="外省", issued_on=date(2026, 1, 5)
    )
    services.confirm_transfer(county.secretary_a, out, on=date(2026, 1, 20), receipt_on=date(2026, 2, 1))
    number = idnumbers.decrypt(county.member_a.id_number_encrypted)
    back = incoming(county, "张三", number=number)
    assert "恢复" in back.events.get().note
    services.confirm_transfer(county.admin_b, back, on=TODAY)
    county.member_a.refresh_from_db()
    assert (county.member_a.status, county.member_a.organization) == ("full", county.branch_b)
    assert Member.objects.filter(name="张三").count() == 1
    assert list(county.member_a.status_changes.values_list("to_status", flat=True))[-3:] == [
        "in_transit",
        "transferred_out",
        "full",
    ]


def test_incoming_refusals(county, extra):
    active = idnumbers.decrypt(county.member_a.id_number_encrypted)
    with pytest.raises(ValidationError, match="县内转接"):
        incoming(county, "张三", number=active)
    with pytest.raises(PermissionDenied):
        services.record_incoming(county.admin_a, **_incoming_fields(county))
    number = make_id(date(1991, 1, 1), "male")
    incoming(county, "重复", number=number)
    with pytest.raises(ValidationError, match="待接收"):
        incoming(county, "重复", number=number)
    with pytest.raises(ValidationError, match="转正日期"):
        incoming(county, "没转正日期", full_date=None)
    late = incoming(county, "过期", issued_on=date(2026, 1, 1), valid_until=date(2026, 2, 1))
    # 2026-02-01 is a Sunday: the letter's last day rolls to Monday 2026-02-02 (民法典第二百零三条).
    with pytest.raises(ValidationError, match="有效期至2026-02-01（该日为法定节假日或休息日，顺延至2026-02-02"):
        services.confirm_transfer(county.admin_b, late, on=TODAY)
    # A new letter from the sending side outside the county is recorded by the receiver.
    services.extend_transfer(
        county.admin_b, late, valid_until=date(2026, 4, 1), reason="原转出单位重开", letter_number="新-1"
    )
    services.confirm_transfer(county.admin_b, late, on=TODAY)


def _incoming_fields(county):
    return {
        "to_org": county.branch_b,
        "name": "某人",
        "id_number": make_id(),
        "member_status": "full",
        "join_date": date(2010, 1, 1),
        "full_date": date(2011, 1, 1),
        "from_name": "外县",
        "region": "外省",
        "letter_number": "1",
        "issued_on": TODAY,
        "valid_until": TODAY,
    }


# ---- scope -----------------------------------------------------------------------------------


def test_both_sides_see_a_transfer_and_nobody_else(county, extra):
    t = within(county)
    for user, sees in (
        (county.county_admin, True),
        (county.admin_a, True),
        (county.secretary_a, True),
        (county.admin_b, True),
        (extra.secretary_b, True),
        (extra.admin_c, False),
        (county.member_user, True),  # the member's own transfer
    ):
        c = client_for(user)
        page = c.get(reverse("transfers:detail", args=[t.pk]))
        assert (page.status_code == 200) is sees, user
        if sees:
            assert page.context["transfer"] == t and "张三" in page.content.decode(), user
        api = c.get(reverse("transfer-list")).json()
        assert (api["count"] == 1) is sees, user
        detail = c.get(reverse("transfer-detail", args=[t.pk]))
        assert (detail.status_code == 200) is sees
        if sees:
            assert (detail.json()["id"], detail.json()["member_name"]) == (t.pk, "张三"), user
    outsider = client_for(extra.admin_c)
    assert "张三" not in outsider.get(reverse("transfers:list")).content.decode()
    assert outsider.post(reverse("transfers:cancel", args=[t.pk]), {"reason": "x"}).status_code == 404
    data = client_for(county.admin_b).get(reverse("transfer-detail", args=[t.pk])).json()
    assert data["id_number"] == county.member_a.id_number_masked
    assert not {"id_number_digest", "id_number_encrypted", "phone"} & set(data)


def test_insider_walk_rows_show_the_victims(county):
    """The scope walk is meaningful: town B's own admin does see the victim transfers."""
    from jiceng.transfers.tests import scope

    victim = scope.setup(county)
    c = client_for(county.admin_b)
    assert "钱秘密" in c.get(reverse("transfers:detail", args=[victim["victim_transfer"]])).content.decode()
    names = {r["member_name"] for r in c.get(reverse("transfer-list")).json()["results"]}
    assert names == {"钱秘密", "孙秘密", "李秘密"}
    assert client_for(county.admin_a).get(reverse("transfer-list")).json()["count"] == 0


def test_org_options_lists_receivers_by_name_for_managers_only(county, extra):
    html = (
        client_for(county.secretary_a).get(reverse("transfers:org_options"), {"to_org_code": "乙乡"}).content.decode()
    )
    assert 'value="TB01"' in html and "乙乡秘密村党支部" in html
    assert (
        "党小组"
        not in client_for(county.secretary_a).get(reverse("transfers:org_options"), {"q": "东村"}).content.decode()
    )
    assert client_for(county.member_user).get(reverse("transfers:org_options"), {"q": "乙乡"}).status_code == 403


# ---- list, export, API, panels, query counts ------------------------------------------------


def test_list_filters_and_export(county, extra):
    t1 = within(county)
    out = services.issue_transfer(
        county.secretary_a,
        add_member(county.branch_a, "陈出县"),
        kind="out",
        to_name="某地支部",
        region="某省",
        issued_on=TODAY,
    )
    services.confirm_transfer(county.secretary_a, out, on=TODAY, receipt_on=TODAY)
    incoming(county, "钱新来")
    c = client_for(county.admin_a)
    html = c.get(reverse("transfers:list")).content.decode()
    assert "张三" in html and "陈出县" in html and "钱新来" not in html  # town A does not see B's incoming
    assert 'data-figure="in_transit">1<' in html and 'data-figure="total">3<' in html
    html = c.get(reverse("transfers:list"), {"kind": "out"}).content.decode()
    assert "陈出县" in html and "张三" not in html
    b = client_for(county.admin_b)
    names = [r["member_name"] for r in b.get(reverse("transfer-list"), {"direction": "in"}).json()["results"]]
    assert sorted(names) == ["张三", "钱新来"]
    assert b.get(reverse("transfer-list"), {"direction": "out"}).json()["count"] == 0
    response = c.get(reverse("transfers:export"), {"state": "in_transit"})
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:4] == ("介绍信编号", "类型", "状态", "姓名")
    assert [r[3] for r in rows[1:]] == ["张三"] and rows[1][4] == county.member_a.id_number_masked
    assert t1.letter_number == rows[1][0]


def test_panels_on_member_org_and_command_screen(county, extra):
    t = within(county)
    c = client_for(county.county_admin)
    html = c.get(reverse("members:detail", args=[county.member_a.pk])).content.decode()
    assert "组织关系转接" in html and reverse("transfers:detail", args=[t.pk]) in html and "在途" in html
    assert "政治生日" in html
    html = c.get(reverse("dashboard:command")).content.decode()
    assert 'data-panel="transit"' in html and 'data-figure="in_transit">1<' in html
    assert 'data-figure="total">4<' in html
    org_page = c.get(reverse("orgs:detail", args=[county.town_a.pk])).content.decode()
    assert reverse("transfers:org_panel", args=[county.town_a.pk]) in org_page
    panel = c.get(reverse("transfers:org_panel", args=[county.town_a.pk])).content.decode()
    assert 'data-figure="outgoing">1<' in panel and 'data-figure="counted">2<' in panel
    assert client_for(extra.admin_c).get(reverse("transfers:org_panel", args=[county.town_a.pk])).status_code == 404


def bulk_transfers(county, n):
    from jiceng.members.tests.test_members import bulk_members

    bulk_members(county.branch_a, n)
    members = list(Member.objects.filter(name__startswith="批量"))
    Member.objects.filter(pk__in=[m.pk for m in members]).update(status="in_transit")
    Transfer.objects.bulk_create(
        [
            Transfer(
                kind="within",
                member=m,
                member_name=m.name,
                id_number_masked=m.id_number_masked,
                id_number_digest=m.id_number_digest,
                member_status="full",
                from_org=county.branch_a,
                to_org=county.branch_b,
                letter_number=f"B-{i}",
                issued_on=date(2026, 1, 1),
                valid_until=date(2026, 2, 1 + i % 28),
                due_on=date(2026, 2, 1 + i % 28),
            )
            for i, m in enumerate(members)
        ]
    )


@pytest.mark.parametrize("rows", [10, 300])
def test_query_counts_do_not_grow_with_rows(county, extra, rows, django_assert_max_num_queries):
    bulk_transfers(county, rows)
    # In March every letter (due in February) is overdue.
    with time_machine.travel(datetime(2026, 3, 10, 10, tzinfo=SHANGHAI), tick=False):
        c = client_for(county.county_admin)
        with django_assert_max_num_queries(9):
            listing = c.get(reverse("transfers:list"))
        with django_assert_max_num_queries(9):
            late = c.get(reverse("transfers:list"), {"overdue": "1", "ordering": "-valid_until"})
        with django_assert_max_num_queries(10):
            ledger = c.get(reverse("transfers:overdue"))
        with django_assert_max_num_queries(6):
            response = c.get(reverse("transfer-list"))
        with django_assert_max_num_queries(6):
            panel = c.get(reverse("transfers:org_panel", args=[county.town_a.pk]))
    assert listing.status_code == 200 and listing.context["page_obj"].paginator.count == rows
    assert late.status_code == 200 and late.context["page_obj"].paginator.count == rows
    assert ledger.status_code == 200 and ledger.context["total_overdue"] == rows
    assert len(ledger.context["overdue_rows"]) == min(rows, 200)
    assert response.json()["count"] == rows
    assert panel.status_code == 200 and f'data-figure="outgoing">{rows}<' in panel.content.decode()
    # The command-screen panels: a fixed number of queries whatever the size (two; the
    # dual-registration card is jiceng.dual's, tested there).
    from django.test import RequestFactory

    from jiceng.transfers.panels import command_panels

    request = RequestFactory().get("/")
    request.user = county.county_admin
    with django_assert_max_num_queries(6):
        panels = command_panels(request, county.root, TODAY)
    assert panels[0].context["figures"].in_transit == rows


def test_events_are_append_only_and_audited(county, extra):
    t = within(county)
    services.cancel_transfer(county.secretary_a, t, reason="撤回")
    assert list(TransferEvent.objects.filter(transfer=t).values_list("action", flat=True)) == ["issue", "cancel"]
    assert StatusChange.objects.filter(member=county.member_a, to_status="in_transit").count() == 1
    entry = AuditEntry.objects.filter(object_type="transfers.Transfer").first()
    assert entry.changes["state"] == ["in_transit", "cancelled"] and entry.org_path == county.branch_a.path


def test_overdue_reminder_job_is_idempotent_and_never_needed(county, extra, clock):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from jiceng.core.jobs import run_job

    t = within(county, valid_until=date(2026, 3, 10))
    shanghai = ZoneInfo("Asia/Shanghai")
    run_job("transfers.overdue", datetime(2026, 3, 10, 20, tzinfo=shanghai))
    assert not Notification.objects.filter(kind="transfer_overdue").exists()  # still valid today
    for _ in range(2):
        run_job("transfers.overdue", datetime(2026, 3, 11, 8, tzinfo=shanghai))
    notices = Notification.objects.filter(kind="transfer_overdue")
    assert sorted(n.recipient.username for n in notices) == ["secretary-a", "secretary-b"]
    clock.move_to(date(2026, 3, 12))
    services.extend_transfer(county.secretary_a, t, valid_until=date(2026, 3, 20), reason="本人申请")
    run_job("transfers.overdue", datetime(2026, 3, 15, 8, tzinfo=shanghai))
    assert Notification.objects.filter(kind="transfer_overdue").count() == 2
    run_job("transfers.overdue", datetime(2026, 3, 21, 8, tzinfo=shanghai))
    assert (
        Notification.objects.filter(kind="transfer_overdue").count() == 4
    )  # the new deadline passed too: a new reminder each


def test_a_member_sees_only_their_own_transfers(county, extra):
    t = within(county)
    within(county, member=add_member(county.branch_a, "同支部的人"))
    c = client_for(county.member_user)
    html = c.get(reverse("transfers:list")).content.decode()
    assert "张三" in html and "同支部的人" not in html and "data-transit-figures" not in html
    assert c.get(reverse("transfers:overdue")).status_code == 403
    own = c.get(reverse("transfers:detail", args=[t.pk]))
    assert own.status_code == 200 and own.context["transfer"] == t and "张三" in own.content.decode()
    assert "data-step" not in own.content.decode()


# ---- holidays (民法典第二百零三条) -------------------------------------------------------------


def test_validity_ending_on_national_day_rolls_to_the_first_working_day(county, extra, clock):
    """A letter valid until 1 October 2026 (National Day; 1–7 October are days off) may be used
    until 8 October; out of the county the receipt period runs from that day and ends, if on a
    rest day, on the next working day. The letter keeps the date its issuer wrote."""
    clock.move_to(date(2026, 9, 1))
    t = within(county, issued_on=date(2026, 9, 1), valid_until=date(2026, 10, 1))
    out = services.issue_transfer(
        county.secretary_a,
        add_member(county.branch_a, "县外"),
        kind="out",
        to_name="外县某党支部",
        region="湖北省",
        issued_on=date(2026, 9, 1),
        valid_until=date(2026, 10, 1),
    )
    assert (t.valid_until, t.due_on) == (date(2026, 10, 1), date(2026, 10, 8))
    assert out.due_on == date(2026, 11, 9)  # 8 October + 1 month = Sunday 8 November → Monday
    clock.move_to(date(2026, 10, 8))
    assert not Transfer.objects.filter(queries.overdue_q(date(2026, 10, 8))).exists()
    html = client_for(extra.secretary_b).get(reverse("transfers:detail", args=[t.pk])).content.decode()
    assert "顺延至 2026-10-08" in html and "介绍信有效期还剩 1 天" in html
    services.confirm_transfer(county.admin_b, t, on=date(2026, 10, 8))  # in time on the rolled day
    assert Transfer.objects.filter(queries.overdue_q(date(2026, 11, 9))).count() == 0
    assert list(Transfer.objects.filter(queries.overdue_q(date(2026, 11, 10)))) == [out]
    clock.move_to(date(2026, 11, 10))
    with pytest.raises(ValidationError, match="顺延至2026-10-08"):
        services.confirm_transfer(county.secretary_a, out, on=date(2026, 10, 9), receipt_on=date(2026, 11, 10))
    services.confirm_transfer(county.secretary_a, out, on=date(2026, 10, 8), receipt_on=date(2026, 11, 10))


def test_migration_rolls_the_deadlines_of_open_transfers(county, extra):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("jiceng.transfers.migrations.0002_deadlines_on_working_days")
    t = within(county, valid_until=date(2026, 3, 29))  # a Sunday
    Transfer.objects.filter(pk=t.pk).update(due_on=date(2026, 3, 29))  # as stored before the rule
    migration.roll_deadlines(apps, None)
    t.refresh_from_db()
    assert (t.valid_until, t.due_on) == (date(2026, 3, 29), date(2026, 3, 30))


# ---- 党费交至 agrees with the dues ledger ------------------------------------------------------


def pay(member, *months: date, paid_on: date):
    from decimal import Decimal

    from jiceng.dues.models import DuesPayment

    for month in months:
        DuesPayment.objects.create(
            member=member, month=month, amount=Decimal("5.00"), due_amount=Decimal("5.00"), paid_on=paid_on
        )


def test_dues_paid_until_on_the_letter_is_the_ledgers(county, extra):
    """The issue page, the letter (detail page), the export and the API show the month the dues
    ledger gives (dues.queries.paid_until as of the issue date), not a figure typed in."""
    from jiceng.dues.queries import paid_until

    member = county.member_a
    pay(member, date(2025, 12, 1), date(2026, 1, 1), paid_on=date(2026, 1, 20))
    pay(member, date(2026, 2, 1), paid_on=date(2026, 3, 1))
    assert paid_until(member) == date(2026, 2, 1)
    sender = client_for(county.secretary_a)
    page = sender.get(reverse("transfers:issue"), {"member": member.pk}).content.decode()
    assert "党费交至：2026年2月" in page
    response = sender.post(
        reverse("transfers:issue") + f"?member={member.pk}",
        {
            "kind": "within",
            "to_org_code": "TB01",
            "issued_on": "2026-03-02",
            "reason": "work",
            "dues_paid_until": "2025-06",
        },
    )
    assert response.status_code == 302
    t = Transfer.objects.get(member=member)
    assert t.dues_month == paid_until(member, on=t.issued_on) == date(2026, 2, 1)
    for user in (county.secretary_a, extra.secretary_b):  # both sides read the same month
        html = client_for(user).get(reverse("transfers:detail", args=[t.pk])).content.decode()
        assert "2026年2月" in html.split("党费交至")[1][:120]
    rows = list(load_workbook(io.BytesIO(sender.get(reverse("transfers:export")).content)).active.values)
    header = next(i for i, r in enumerate(rows) if r and r[0] == "介绍信编号")
    assert rows[header + 1][rows[header].index("党费交至")] == "2026-02"
    api = sender.get(reverse("transfer-detail", args=[t.pk])).json()
    assert api["dues_paid_until"] == "2026-02-01"
    # An incoming letter from outside keeps what its issuer wrote.
    coming = incoming(county, "外来党费", dues_paid_until=date(2025, 11, 1))
    assert coming.dues_month == date(2025, 11, 1)


def test_a_members_own_account_follows_a_confirmed_transfer(county, extra):
    """The member's login account is filed under the member's organization; after the move it
    sits under the receiving branch, and the member still opens their own record."""
    t = within(county)
    services.confirm_transfer(county.admin_b, t, on=TODAY)
    account = county.member_user
    account.refresh_from_db()
    assert account.organization == county.branch_b
    assert AuditEntry.objects.filter(object_type="accounts.User", object_id=str(account.pk)).exists()
    own = client_for(account).get(reverse("members:detail", args=[county.member_a.pk]))
    assert own.status_code == 200 and "张三" in own.content.decode()
    # A returned transfer moves nothing: the account stays where the member stays.
    back = services.issue_transfer(
        county.admin_b, county.member_a, kind="within", to_org=county.branch_a, issued_on=TODAY
    )
    services.return_transfer(county.secretary_a, back, on=TODAY, reason="信息有误")
    account.refresh_from_db()
    assert account.organization == county.branch_b
