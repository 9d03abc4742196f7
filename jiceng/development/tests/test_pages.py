"""Pages, exports, API and panels, as the right user, a sibling township's user and a member."""

import io
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from jiceng.core.models import AuditEntry
from jiceng.development import queries, rules, services
from jiceng.development.models import DevelopmentFile, DevelopmentSettings
from jiceng.development.testing import DATES, open_applicant, walk
from jiceng.orgs.services import create_organization
from jiceng.testing import add_member, make_id

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sheet_rows(response):
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def test_create_page_opens_a_file_and_explains_errors(dev, client_as):
    c = client_as(dev.secretary_a)
    page = c.get(reverse("development:create"))
    assert page.status_code == 200 and "新建发展党员档案" in page.content.decode()
    assert list(page.context["form"].fields["organization"].queryset) == [dev.branch_a]  # where she may open files
    data = {
        "name": "周小红",
        "id_number": make_id(date(2008, 12, 1), "female"),
        "ethnicity": "汉族",
        "organization": dev.branch_a.pk,
        "on": "2026-11-30",
    }
    with time_machine.travel(date(2026, 11, 30), tick=False):
        html = c.post(reverse("development:create"), data).content.decode()
        assert "最早可于2026-12-01递交入党申请书" in html and "年满十八周岁" in html
        assert not DevelopmentFile.objects.exists()
    with time_machine.travel(date(2026, 12, 1), tick=False):
        data["on"] = "2026-12-01"
        data["document"] = SimpleUploadedFile("申请书.pdf", PDF, content_type="application/pdf")
        response = c.post(reverse("development:create"), data)
    file = DevelopmentFile.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("development:detail", args=[file.pk])
    assert file.gender == "female" and file.documents.count() == 1
    # A branch secretary cannot open a file in another branch: the choice is not offered.
    data["organization"] = dev.branch_b.pk
    data["id_number"] = make_id(date(1990, 1, 1))
    html = c.post(reverse("development:create"), data).content.decode()
    assert "选择一个有效的选项" in html or "有效" in html
    assert DevelopmentFile.objects.count() == 1


def test_detail_page_shows_timeline_next_step_and_earliest_date(dev, client_as):
    file = walk(dev, open_applicant(dev, "钱进"), 6)
    c = client_as(dev.secretary_a)
    with time_machine.travel(date(2023, 10, 1), tick=False):
        html = c.get(reverse("development:detail", args=[file.pk])).content.decode()
    assert "钱进" in html and "一、入党申请人的确定" in html and "五、预备党员的教育考察和转正" in html
    assert 'data-next="7"' in html and "最早可于 2024-03-10" in html
    assert "培养联系人：" in html and "张三" in html
    with time_machine.travel(date(2024, 3, 10), tick=False):
        html = c.get(reverse("development:detail", args=[file.pk])).content.decode()
    assert "现在可以进行" in html


@pytest.mark.parametrize("number", range(2, 26))
def test_every_step_form_renders(dev, client_as, number):
    file = walk(dev, open_applicant(dev), number - 1)
    c = client_as(dev.admin_a)
    response = c.get(reverse("development:step", args=[file.pk, number]))
    assert response.status_code == 200
    html = response.content.decode()
    assert rules.STEPS[number] in html and "data-blocked" not in html


def test_step_form_explains_a_refusal_in_chinese(dev, client_as):
    file = walk(dev, open_applicant(dev), 8)
    c = client_as(dev.secretary_a)
    url = reverse("development:step", args=[file.pk, 9])
    html = c.get(url).content.decode()
    assert "张三（正式党员" in html and "王五（预备党员" in html
    response = c.post(url, {"on": "2024-03-20", "sponsor_1": dev.member_a.pk, "sponsor_2": dev.wang.pk})
    html = response.content.decode()
    assert response.status_code == 200 and "入党介绍人须为正式党员：王五在2024-03-20不是正式党员" in html
    response = c.post(url, {"on": "2024-03-20", "sponsor_1": dev.member_a.pk, "sponsor_2": dev.li.pk})
    assert response.status_code == 302
    file.refresh_from_db()
    assert file.last_step == 9


def test_vote_form_prefills_the_full_members_and_refuses_half(dev, client_as):
    file = walk(dev, open_applicant(dev), 14)
    c = client_as(dev.secretary_a)
    url = reverse("development:step", args=[file.pk, 15])
    response = c.get(url)
    assert response.context["form"].fields["vote_entitled"].initial == 2  # 张三 and 李四; 王五 is probationary
    data = {"on": "2024-06-01", "vote_entitled": 2, "vote_attended": 2, "vote_yes": 1, "vote_no": 1}
    data |= {"vote_abstain": 0, "vote_written": 0}
    html = c.post(url, data).content.decode()
    assert "至少须 2 票赞成，实得 1 票" in html
    data["vote_yes"], data["vote_no"] = 2, 0
    assert c.post(url, data).status_code == 302


def test_a_step_that_is_not_due_says_why(dev, client_as):
    file = open_applicant(dev)
    html = client_as(dev.secretary_a).get(reverse("development:step", args=[file.pk, 9])).content.decode()
    assert "须先完成第2步「党组织派人谈话」" in html


def test_reject_revoke_and_upload_pages(dev, client_as):
    file = walk(dev, open_applicant(dev), 3)
    c = client_as(dev.secretary_a)
    c.post(reverse("development:revoke", args=[file.pk]), {"reason": "录错"})
    file.refresh_from_db()
    assert file.last_step == 2
    c.post(
        reverse("development:upload", args=[file.pk]),
        {"title": "谈话记录", "document": SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")},
    )
    doc = file.documents.get()
    response = c.get(reverse("development:document", args=[file.pk, doc.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert client_as(dev.admin_b).get(reverse("development:document", args=[file.pk, doc.pk])).status_code == 404
    c.post(reverse("development:reject", args=[file.pk]), {"on": "2023-03-01", "reason": "本人撤回申请"})
    file.refresh_from_db()
    assert file.status == "rejected"
    html = c.get(reverse("development:detail", args=[file.pk])).content.decode()
    assert "本人撤回申请" in html and "已撤销：录错" in html


def test_plain_members_and_outsiders_see_no_files(dev, client_as):
    file = open_applicant(dev)
    m = client_as(dev.member_user)
    for name, kwargs in [
        ("development:list", {}),
        ("development:detail", {"pk": file.pk}),
        ("development:due", {}),
        ("development:stats", {}),
        ("development:idle", {}),
    ]:
        # Staff pages refuse a plain member with 403 and say where to go (ADR 0020).
        response = m.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 403 and "我的档案" in response.content.decode(), name
    assert m.get(reverse("development-file-list")).json()["count"] == 0
    b = client_as(dev.admin_b)
    assert b.get(reverse("development:detail", args=[file.pk])).status_code == 404
    assert "申请人甲" not in b.get(reverse("development:list")).content.decode()
    assert b.get(reverse("development-file-detail", args=[file.pk])).status_code == 404
    # The same pages do show it to its own people (the walk is meaningful).
    assert "申请人甲" in client_as(dev.admin_a).get(reverse("development:list")).content.decode()


def test_insider_of_the_victim_township_sees_the_scope_walk_file(dev, client_as):
    from jiceng.development.tests.scope import setup

    victim = setup(dev)
    c = client_as(dev.admin_b)
    assert "秘密申请人" in c.get(reverse("development:detail", args=[victim["victim_file"]])).content.decode()
    assert (
        c.get(reverse("development:document", args=[victim["victim_file"], victim["victim_document"]])).status_code
        == 200
    )


def test_list_filters_and_export(dev, client_as):
    walk(dev, open_applicant(dev, "甲申请"), 1)
    walk(dev, open_applicant(dev, "乙积极"), 4)
    walk(dev, open_applicant(dev, "丙预备"), 18)
    c = client_as(dev.admin_a)
    html = c.get(reverse("development:list"), {"identity": "activist"}).content.decode()
    assert "乙积极" in html and "甲申请" not in html
    html = c.get(reverse("development:list"), {"stage": 4}).content.decode()
    assert "丙预备" in html and "乙积极" not in html
    assert "甲申请" in c.get(reverse("development:list"), {"q": "jsq"}).content.decode()
    rows = sheet_rows(c.get(reverse("development:export"), {"ordering": "name"}))
    assert rows[0][:3] == ["姓名", "性别", "公民身份号码"]
    names = [r[0] for r in rows[1:]]
    assert sorted(names) == sorted(["甲申请", "乙积极", "丙预备"])
    assert all("*" in r[2] for r in rows[1:])
    assert sheet_rows(client_as(dev.admin_b).get(reverse("development:export")))[1:] == []


@pytest.mark.parametrize("files", [3, 30])
def test_list_and_due_pages_have_fixed_query_counts(dev, client_as, django_assert_max_num_queries, files):
    for i in range(files):
        walk(dev, open_applicant(dev, f"人{i:02d}", birth=date(1990, 1, 1 + i % 28)), 1 + i % 16)
    c = client_as(dev.county_admin)
    with time_machine.travel(date(2024, 9, 2), tick=False):
        with django_assert_max_num_queries(9):
            listing = c.get(reverse("development:list"))
        assert listing.status_code == 200 and listing.context["page_obj"].paginator.count == files
        with django_assert_max_num_queries(10):
            response = c.get(reverse("development:due"))
        assert len(response.context["items"]) >= files // 4
        with django_assert_max_num_queries(8):
            stats = c.get(reverse("development:stats"))
        assert stats.status_code == 200 and stats.context["total"].open_total == files
        with django_assert_max_num_queries(13):  # the ledger's seven queries and the page's own
            idle = c.get(reverse("development:idle"))
        assert idle.status_code == 200
        assert {r.organization: r.open_files for r in idle.context["rows"]} == {dev.branch_a: files, dev.branch_b: 0}
        with django_assert_max_num_queries(8):
            api_list = c.get(reverse("development-file-list"))
        assert api_list.status_code == 200 and api_list.json()["count"] == files
        with django_assert_max_num_queries(8):
            api_due = c.get(reverse("development-due"))
        assert api_due.status_code == 200 and api_due.json()["count"] == len(response.context["items"])
        with django_assert_max_num_queries(30):
            screen = c.get(reverse("dashboard:command"))
        assert screen.status_code == 200 and screen.context["root"] == dev.root
        assert screen.context["member_total"] == 4


def test_stats_page_counts_by_stage_and_links_to_the_files(dev, client_as):
    walk(dev, open_applicant(dev, "一"), 2)
    walk(dev, open_applicant(dev, "二"), 4)
    walk(dev, open_applicant(dev, "三"), 25)
    services.open_file(
        None, organization=dev.branch_b, id_number=make_id(date(1995, 5, 5)), name="乙乡人", on=date(2025, 1, 1)
    )
    c = client_as(dev.county_admin)
    response = c.get(reverse("development:stats"))
    rows = {r.organization.name if r.organization else "": r for r in response.context["rows"]}
    assert rows["甲镇党委"].stages == {1: 1, 2: 1, 3: 0, 4: 0, 5: 0} and rows["甲镇党委"].completed == 1
    assert rows["乙乡党委"].stages[1] == 1
    total = response.context["total"]
    assert total.open_total == 3 and total.completed == 1
    html = response.content.decode()
    link = f"{reverse('development:list')}?organization={dev.town_a.pk}&stage=2&status=open"
    assert link in html
    listed = c.get(reverse("development:list"), {"organization": dev.town_a.pk, "stage": 2, "status": "open"})
    assert [f.name for f in listed.context["rows"]] == ["二"]
    # A township admin sees its villages, and only its own township.
    response = client_as(dev.admin_a).get(reverse("development:stats"))
    assert [r.organization.name for r in response.context["rows"]] == ["甲镇东村党总支"]
    assert client_as(dev.admin_a).get(reverse("development:stats"), {"org": dev.town_b.pk}).status_code == 404


def test_stats_page_has_a_column_for_files_that_left_the_county(dev, client_as):
    """A file closed as 随组织关系转出县外 is neither 取消资格 nor lost: it has its own column, whose
    link lists it."""
    from jiceng.transfers import services as transfer_services

    file = walk(dev, open_applicant(dev, "转出县外"), 17)
    today = date.today()
    t = transfer_services.issue_transfer(
        dev.secretary_a, file.member, kind="out", to_name="外县某支部", region="湖北省武汉市", issued_on=today
    )
    transfer_services.confirm_transfer(dev.secretary_a, t, on=today, receipt_on=today)
    rows, total = queries.stage_table(dev.root, today)
    assert (total.transferred, total.cancelled, total.completed, total.open_total) == (1, 0, 0, 0)
    by_name = {r.organization.name: r for r in rows if r.organization}
    assert by_name["甲镇党委"].transferred == 1 and by_name["乙乡党委"].transferred == 0
    c = client_as(dev.county_admin)
    html = c.get(reverse("development:stats")).content.decode()
    assert "转出县外" in html
    link = f"{reverse('development:list')}?organization={dev.town_a.pk}&status=transferred"
    assert link in html
    listed = c.get(reverse("development:list"), {"organization": dev.town_a.pk, "status": "transferred"})
    assert [f.name for f in listed.context["rows"]] == ["转出县外"]
    cancelled = c.get(reverse("development:list"), {"organization": dev.town_a.pk, "status": "cancelled"})
    assert list(cancelled.context["rows"]) == []


def test_stats_page_counts_an_admission_where_it_was_made(dev, client_as):
    """本年接收 counts a file for the organization that voted and approved it (before the file followed
    its member on a transfer), as the idle ledger does (`queries.admissions`), not where it is now."""
    from jiceng.transfers import services as transfer_services

    dates = dict(DATES)
    dates.update(
        {
            1: date(2024, 1, 10), 2: date(2024, 2, 1), 3: date(2024, 3, 10), 4: date(2024, 3, 20),
            5: date(2024, 3, 25), 6: date(2024, 9, 2), 7: date(2025, 3, 10), 8: date(2025, 3, 15),
            9: date(2025, 3, 20), 10: date(2025, 4, 1), 11: date(2025, 4, 10), 12: date(2025, 4, 20),
            13: date(2025, 5, 6), 14: date(2025, 5, 10), 15: date(2026, 1, 5), 16: date(2026, 1, 15),
            17: date(2026, 2, 2),
        }
    )  # fmt: skip
    with time_machine.travel(date(2026, 11, 25), tick=False):
        file = walk(dev, open_applicant(dev, "甲镇发展", on=dates[1]), 17, dates=dates)
        t = transfer_services.issue_transfer(
            dev.secretary_a, file.member, kind="within", to_org=dev.branch_b, issued_on=date(2026, 11, 2)
        )
        transfer_services.confirm_transfer(dev.admin_b, t, on=date(2026, 11, 5))
        rows, total = queries.stage_table(dev.root, date(2026, 11, 25))
        by_name = {r.organization.name: r for r in rows if r.organization}
        assert by_name["甲镇党委"].admitted_this_year == 1 and by_name["甲镇党委"].open_total == 0
        assert by_name["乙乡党委"].admitted_this_year == 0 and by_name["乙乡党委"].open_total == 1
        assert total.admitted_this_year == 1
        # The same place as the idle ledger.
        ledger = queries.admissions(dev.root.path, (date(2026, 1, 1), date(2026, 12, 31)))
        assert ledger[dev.branch_a.path] == (date(2026, 1, 5), 1) and ledger[dev.branch_b.path][1] == 0
        # The figure links to the files it counts.
        c = client_as(dev.county_admin)
        html = c.get(reverse("development:stats")).content.decode()
        link = f"{reverse('development:list')}?admitted_by={dev.town_a.pk}&approved_year=2026"
        assert link in html
        listed = c.get(reverse("development:list"), {"admitted_by": dev.town_a.pk, "approved_year": 2026})
        assert [f.name for f in listed.context["rows"]] == ["甲镇发展"]
        listed = c.get(reverse("development:list"), {"admitted_by": dev.town_b.pk, "approved_year": 2026})
        assert list(listed.context["rows"]) == []


def test_idle_ledger(dev, client_as):
    c = client_as(dev.county_admin)
    with time_machine.travel(date(2026, 3, 1), tick=False):
        response = c.get(reverse("development:idle"))  # 2024 and 2025
        names = [r.organization.name for r in response.context["rows"]]
        assert names == ["东村第一党支部", "乙乡秘密村党支部"]
        # 王五 joined on 2026-01-10: a ledger up to 2026 does not list 东村.
        response = c.get(reverse("development:idle"), {"year": 2026})
        assert [r.organization.name for r in response.context["rows"]] == ["乙乡秘密村党支部"]
        walk(dev, open_applicant(dev), 17)  # admitted by the vote of 2024-06-01
        response = c.get(reverse("development:idle"))
        assert [r.organization.name for r in response.context["rows"]] == ["乙乡秘密村党支部"]
        row = response.context["rows"][0]
        assert row.last_join_date == date(2010, 7, 1) and row.full_members == 1
        new = create_organization(
            None,
            parent=dev.town_b,
            code="TB02",
            name="乙乡新建党支部",
            type="branch",
            domain="rural",
            founded_on=date(2025, 3, 1),
        )
        assert new.pk not in [r.organization.pk for r in c.get(reverse("development:idle")).context["rows"]]
        services.update_settings(dev.county_admin, idle_years=1)
        response = c.get(reverse("development:idle"), {"year": 2025})
        assert "连续1年" in response.content.decode()
        rows = sheet_rows(c.get(reverse("development:idle_export"), {"year": 2025}))
        assert rows[0][2] == "党支部" and [r[2] for r in rows[1:]] == ["东村第一党支部", "乙乡秘密村党支部"]
        # The ledger of one branch: the branch is its own root, with no level between (was a 500).
        own = c.get(reverse("development:idle"), {"year": 2025, "org": dev.branch_b.pk})
        assert own.status_code == 200
        assert [(r.organization.name, r.under) for r in own.context["rows"]] == [("乙乡秘密村党支部", None)]
        assert '<td class="small hide-sm">—</td>' in own.content.decode()


def test_idle_ledger_counts_an_admission_at_the_branch_that_admitted_the_person(dev, client_as):
    """A member who moved in by transfer is not an admission of the receiving branch: a file counts
    where its vote and approval were (steps 15 and 17), a member record without a file where the member
    was before any transfer, and someone who came from outside the county counts nowhere here. The
    date is the 入党日期 (the vote) throughout."""
    from jiceng.core import idnumbers
    from jiceng.transfers import services as transfer_services

    town_b = dev.town_b
    branch_c = create_organization(
        None, parent=town_b, code="TB03", name="乙乡丙村党支部", type="branch", domain="rural"
    )
    branch_d = create_organization(
        None, parent=town_b, code="TB04", name="乙乡丁村党支部", type="branch", domain="rural"
    )
    today = date.today()
    # A: admitted by branch A (vote 2024-06-01), then transferred to branch B with the open file.
    file = walk(dev, open_applicant(dev, "本支部发展"), 20)
    t = transfer_services.issue_transfer(
        dev.secretary_a, file.member, kind="within", to_org=dev.branch_b, issued_on=today
    )
    transfer_services.confirm_transfer(dev.admin_b, t, on=today)
    # B: a member on record before the platform, admitted by branch C in 2025, moved to branch B.
    old = add_member(branch_c, "外调", status="probationary", join_date=date(2025, 3, 1), full_date=None)
    t = transfer_services.issue_transfer(dev.admin_b, old, kind="within", to_org=dev.branch_b, issued_on=today)
    transfer_services.confirm_transfer(dev.admin_b, t, on=today)
    # C: admitted outside the county in 2025, received by branch D.
    incoming = transfer_services.record_incoming(
        dev.admin_b,
        to_org=branch_d,
        name="县外来",
        id_number=idnumbers.make("420100", date(1990, 3, 3), 7, "male"),
        member_status="probationary",
        join_date=date(2025, 5, 1),
        full_date=None,
        from_name="外县某党支部",
        region="湖北省",
        letter_number="外-1",
        issued_on=today,
        valid_until=today,
    )
    transfer_services.confirm_transfer(dev.admin_b, incoming, on=today)

    rows = queries.idle_branches(dev.root, 2025, 2)
    assert [r.organization.name for r in rows] == ["乙乡秘密村党支部", "乙乡丁村党支部"]
    by_name = {r.organization.name: r for r in rows}
    assert by_name["乙乡秘密村党支部"].last_join_date == date(2010, 7, 1)  # 赵秘密; nobody admitted since
    assert by_name["乙乡丁村党支部"].last_join_date is None
    everyone = {r.organization.name: r for r in queries.idle_branches(dev.root, 2023, 1)}  # nobody in 2023
    assert everyone["东村第一党支部"].last_join_date == date(2026, 1, 10)  # 王五, after the ledger's years
    assert everyone["乙乡丙村党支部"].last_join_date == date(2025, 3, 1)
    # The pages read the same ledger.
    c = client_as(dev.county_admin)
    html = c.get(reverse("development:idle"), {"year": 2025}).content.decode()
    assert f'data-idle="{dev.branch_b.pk}"' in html and f'data-idle="{dev.branch_a.pk}"' not in html


def test_settings_page_for_county_admins_only(dev, client_as):
    assert client_as(dev.admin_a).get(reverse("development:settings")).status_code == 403
    c = client_as(dev.county_admin)
    response = c.post(reverse("development:settings"), {"idle_years": 3, "due_soon_days": 30})
    assert response.status_code == 302
    config = DevelopmentSettings.current()
    assert (config.idle_years, config.due_soon_days) == (3, 30)
    assert AuditEntry.objects.filter(object_type="development.DevelopmentSettings").exists()
    html = c.post(reverse("development:settings"), {"idle_years": 30, "due_soon_days": 30}).content.decode()
    assert "连续未发展年数应为1至10年" in html


def test_api_lists_files_masked_with_steps_and_next_steps(dev, client_as):
    file = walk(dev, open_applicant(dev, "接口人", phone="13711112222"), 6)
    c = client_as(dev.admin_a)
    data = c.get(reverse("development-file-list")).json()
    assert data["count"] == 1
    row = data["results"][0]
    assert row["id_number"].count("*") == 10 and row["phone"] == "137****2222"
    assert row["identity"] == "activist" and row["stage"] == 2 and row["last_step"] == 6
    detail = c.get(reverse("development-file-detail", args=[file.pk])).json()
    assert [s["number"] for s in detail["steps"]] == list(range(1, 7))
    assert detail["steps"][4]["people"][0]["role"] == "contact"
    nxt = {s["number"]: s for s in detail["next_steps"]}
    assert nxt[7]["earliest"] == "2024-03-10"
    assert c.get(reverse("development-file-list"), {"identity": "applicant"}).json()["count"] == 0
    with time_machine.travel(date(2024, 3, 2), tick=False):
        due = c.get(reverse("development-due")).json()
    assert due["count"] == 1 and due["results"][0]["kind"] == "review" and due["results"][0]["state"] == "overdue"
    assert client_as(dev.admin_b).get(reverse("development-due"), {"org": dev.town_a.pk}).status_code == 404
    assert client_as(dev.member_user).get(reverse("development-due")).json()["count"] == 0


def test_api_token_auth(dev, client):
    from rest_framework.authtoken.models import Token

    open_applicant(dev, "令牌人")
    token = Token.objects.create(user=dev.admin_a)
    response = client.get(reverse("development-file-list"), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.json()["results"][0]["name"] == "令牌人"
    assert client.get(reverse("development-file-list")).status_code in (401, 403)


def test_member_page_and_organization_page_panels(dev, client_as, django_assert_max_num_queries):
    file = walk(dev, open_applicant(dev, "面板人"), 20)
    c = client_as(dev.admin_a)
    html = c.get(reverse("members:detail", args=[file.member.pk])).content.decode()
    assert "入党材料（发展党员档案）" in html and reverse("development:detail", args=[file.pk]) in html
    assert "2024-06-01" in html and "预备期满：2025-06-01" in html
    html = c.get(reverse("orgs:detail", args=[dev.branch_a.pk])).content.decode()
    fragment = reverse("development:panel", args=[dev.branch_a.pk])
    assert f'hx-get="{fragment}?kind=org"' in html
    with django_assert_max_num_queries(5):
        html = c.get(fragment, {"kind": "org"}).content.decode()
    assert f"?organization={dev.branch_a.pk}&amp;stage=5&amp;status=open" in html
    assert 'data-dev-stage="5">1<' in html
    assert client_as(dev.admin_b).get(fragment).status_code == 404
    assert client_as(dev.member_user).get(fragment).status_code == 403
    html = client_as(dev.member_user).get(reverse("members:detail", args=[dev.member_a.pk])).content.decode()
    assert "发展党员" not in html


def test_command_screen_card_costs_no_query_and_its_figures_a_fixed_number(
    dev, client_as, rf, django_assert_num_queries, django_assert_max_num_queries
):
    from jiceng.development.panels import command_panels

    for i in range(4):
        walk(dev, open_applicant(dev, f"指挥{i}", birth=date(1990, 1, 1 + i)), 1 + 5 * i)
    request = rf.get("/")
    request.user = dev.county_admin
    with django_assert_num_queries(0):
        (panel,) = command_panels(request, dev.root, date(2024, 9, 3))
    request.user = dev.member_user
    assert command_panels(request, dev.root, date(2024, 9, 3)) == []
    c = client_as(dev.county_admin)
    with time_machine.travel(date(2024, 9, 3), tick=False):
        assert 'data-panel="development"' in c.get(reverse("dashboard:command")).content.decode()
        with django_assert_max_num_queries(5):
            html = c.get(panel.context["url"]).content.decode()
    for stage, n in {1: 1, 2: 1, 3: 1, 4: 1, 5: 0}.items():
        assert f'data-dev-stage="{stage}">{n}<' in html
    # Overdue on 2024-09-03: the talk (applied 2023-01-10), the review (due 2024-03-01) and the
    # approval of the vote of 2024-06-01 (three months end on Sunday 2024-09-01: due Monday 09-02).
    assert "data-dev-overdue>3<" in html


def test_audit_trail_for_each_step(dev):
    file = walk(dev, open_applicant(dev), 3)
    entries = AuditEntry.objects.filter(object_type="development.Step").order_by("id")
    assert [e.changes["number"] for e in entries] == [2, 3]
    assert all(e.org_path == dev.branch_a.path and e.actor == dev.secretary_a for e in entries)
    assert file.steps.get(number=3).recommendation == "党员推荐"
    assert DATES[3] == file.activist_on


def test_a_back_dated_step_may_name_a_sponsor_who_has_died_since(dev, client_as):
    """The page offers whoever may have been a full member on the step's date — also a member who
    has died since — listed after the active members; the rules check the date."""
    from jiceng.members import services as member_services

    file = walk(dev, open_applicant(dev), 8)
    member_services.change_status(dev.admin_a, dev.li, to_status="deceased", on=date(2024, 5, 1), reason="病故")
    c = client_as(dev.secretary_a)
    url = reverse("development:step", args=[file.pk, 9])
    html = c.get(url).content.decode()
    assert "李四（已去世" in html and html.index("张三（正式党员") < html.index("李四（已去世")
    response = c.post(url, {"on": "2024-03-20", "sponsor_1": dev.member_a.pk, "sponsor_2": dev.li.pk})
    assert response.status_code == 302, response.content.decode()
    file.refresh_from_db()
    assert file.last_step == 9
