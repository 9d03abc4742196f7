"""Staff pages as the right user, a sibling township and a member: the ledger and its export,
staff entry, a request's page and its actions, publishing, QR posters, the ranking, the
configuration; fixed query counts for the ledger, the ranking and the command-screen card."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiceng.requests import rules, services
from jiceng.requests.models import Category, DeadlineRule, Request, RequestSettings, RoutingRule
from jiceng.requests.testing import file_request
from jiceng.requests.tests.scope import jpeg_upload
from jiceng.testing import at, client_for, export_rows_without_formulas


def bulk_requests(desk, n: int, org=None, prefix="T", **extra) -> None:
    now = timezone.now()
    org = org or desk.county.village_a
    Request.objects.bulk_create(
        [
            Request(
                ticket=f"{prefix}{i:011d}",
                kind="help",
                category=desk.road,
                channel="qr",
                description=f"批量诉求 {i}",
                phone="13812345678",
                name="王小明",
                organization=org,
                holder_org=org,
                received_at=now - timedelta(hours=i),
                assign_due_at=now + timedelta(days=1),
                response_due_at=now - timedelta(hours=1) if i % 3 == 0 else now + timedelta(days=2),
                done_due_at=now + timedelta(days=5),
                **extra,
            )
            for i in range(n)
        ]
    )


def rows_of(response) -> list[list]:
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


# ---- the ledger ----------------------------------------------------------------------------------


def test_ledger_shows_each_user_their_requests(desk):
    c = desk.county
    mine = file_request(desk)
    theirs = file_request(desk, org=c.branch_b, description="乙乡的事")
    html = client_for(desk.village_clerk).get(reverse("requests:inbox")).content.decode()
    assert mine.ticket in html and theirs.ticket not in html
    html = client_for(c.admin_b).get(reverse("requests:inbox")).content.decode()
    assert theirs.ticket in html and mine.ticket not in html
    assert client_for(c.member_user).get(reverse("requests:inbox")).status_code == 403
    assert client_for(desk.handler).get(reverse("requests:inbox")).context["page_obj"].paginator.count == 0


def test_ledger_filters(desk):
    c = desk.county
    with time_machine.travel(at(2026, 10, 12, 9), tick=False):
        late = file_request(desk)
    fresh = file_request(desk, category=desk.dispute)
    fresh = services.accept_request(desk.village_clerk, fresh)
    client = client_for(c.admin_a)

    def tickets(**params):
        return [r.ticket for r in client.get(reverse("requests:inbox"), params).context["rows"]]

    assert tickets(box="overdue") == [late.ticket]
    assert tickets(overdue="assign") == [late.ticket]
    assert tickets(box="mine") == []
    assert tickets(box="todo") == []  # held by the village, not the township itself
    assert set(tickets(organization=c.village_a.pk)) == {late.ticket, fresh.ticket}
    assert tickets(category=desk.dispute.pk) == [fresh.ticket]
    assert tickets(state="accepted") == [fresh.ticket]
    assert tickets(month="2026-10") == [late.ticket]
    assert tickets(month="2026-13") == []
    assert tickets(q=late.ticket.lower()) == [late.ticket]
    assert tickets(q="5678") and tickets(figure="response_missed") == [late.ticket]
    assert client_for(desk.village_clerk).get(reverse("requests:inbox"), {"box": "todo"}).context["rows"]


def test_ledger_export_is_masked_and_filtered(desk):
    file_request(desk, name="王小明", phone="13812345678")
    file_request(desk, category=desk.dispute)
    response = client_for(desk.county.admin_a).get(reverse("requests:export"), {"category": desk.road.pk})
    rows = rows_of(response)
    assert rows[0][0] == "受理编号" and len(rows) == 2
    assert rows[1][8] == "王**" and rows[1][9] == "138****5678"
    assert "13812345678" not in str(rows)


def test_ledger_export_writes_formula_like_text_as_text(desk):
    """Issue 11: a resident's 「=HYPERLINK(…)」 is text in the sheet, not a live link."""
    from jiceng.core.tests.test_xlsx import TRIGGERS

    made = [
        file_request(desk, description=text, place=text, name=text[:20] if text.strip() else "王小明")
        for text in TRIGGERS
    ]
    made = [
        services.resolve_request(desk.village_clerk, services.accept_request(desk.village_clerk, r), result="=1+2")
        for r in made[:2]
    ] + made[2:]
    response = client_for(desk.county.admin_a).get(reverse("requests:export"))
    rows = export_rows_without_formulas(response.content)
    # The value is the text as stored (the service trims the ends, so 「\t=1+1」 is 「=1+1」).
    stored = sorted((r.description, r.place) for r in Request.objects.filter(pk__in=[m.pk for m in made]))
    assert sorted((c["诉求内容"].value, c["地点"].value) for c in rows) == stored
    assert {d for d, _ in stored} == {t.strip() for t in TRIGGERS}
    for cells in rows:
        for header in ("诉求内容", "地点", "群众"):
            assert cells[header].data_type == "s", header
        assert cells["受理时间"].data_type == "d" and cells["上报次数"].data_type == "n"
    assert "=*******************" in [c["群众"].value for c in rows]  # a masked name that starts with =
    assert [c["办理结果"].value for c in rows if c["办理结果"].value] == ["=1+2", "=1+2"]
    assert all(c["办理结果"].data_type == "s" for c in rows if c["办理结果"].value)


@pytest.mark.parametrize("n", [5, 120])
def test_ledger_has_a_fixed_number_of_queries(desk, n, django_assert_max_num_queries):
    bulk_requests(desk, n)
    client = client_for(desk.county.admin_a)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("requests:inbox"))
    assert response.status_code == 200 and response.context["page_obj"].paginator.count == n
    with django_assert_max_num_queries(11):  # + the chosen category
        overdue = client.get(reverse("requests:inbox"), {"box": "overdue", "category": desk.road.pk})
    # Every third request is past its response deadline (bulk_requests).
    assert overdue.status_code == 200 and overdue.context["page_obj"].paginator.count == len(range(0, n, 3))
    with django_assert_max_num_queries(7):
        api = client.get(reverse("request-list"))
    assert api.status_code == 200 and api.json()["count"] == n


# ---- staff entry and a request's page -------------------------------------------------------------


def test_staff_entry_on_the_spot(desk):
    client = client_for(desk.village_clerk)
    page = client.get(reverse("requests:create"))
    assert page.status_code == 200 and "登记群众诉求（说事厅来访、来电）" in page.content.decode()
    assert desk.county.village_a in page.context["form"].fields["organization"].queryset  # the clerk's village
    data = {
        "organization": desk.county.village_a.pk,
        "channel": "walk_in",
        "kind": "help",
        "category": desk.road.pk,
        "priority": "normal",
        "tier": "on_spot",
        "description": "说事厅：门口排水沟堵了",
        "phone": "0731-12345678",
        "accept_now": "on",
        "result": "当场联系保洁员疏通",
    }
    response = client.post(reverse("requests:create"), data)
    req = Request.objects.get(description__startswith="说事厅")
    assert response.status_code == 302 and response["Location"] == reverse("requests:detail", args=[req.pk])
    assert (req.state, req.channel, req.holder_user, req.phone) == (
        "resolved",
        "walk_in",
        desk.village_clerk,
        "073112345678",
    )
    assert req.responded_at and req.resolved_level == "village"
    bad = client.post(reverse("requests:create"), {**data, "phone": "12345", "description": ""})
    assert bad.status_code == 200
    assert "电话号码格式不对" in bad.content.decode() and "该字段是必填项" in bad.content.decode()
    assert client_for(desk.county.member_user).get(reverse("requests:create")).status_code == 403


def test_request_page_actions_through_the_form(desk):
    req = file_request(desk)
    client = client_for(desk.village_clerk)
    page = client.get(reverse("requests:detail", args=[req.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "13812345678" in html  # the handler needs the number to call back
    assert page.context["actions"] == ["accept", "assign", "transfer", "escalate"]
    url = reverse("requests:act", args=[req.pk])
    client.post(url, {"action": "accept", "version": req.version, "contacted": "1"})
    req.refresh_from_db()
    assert req.state == "accepted" and req.responded_at
    response = client.post(url, {"action": "accept", "version": 0}, follow=True)
    assert "当前状态为「已签收」，不能签收" in response.content.decode()
    client.post(
        url, {"action": "resolve", "version": req.version, "note": "已修复", "photos": [jpeg_upload("修好.jpg")]}
    )
    req.refresh_from_db()
    assert req.state == "resolved" and req.photos.get().kind == "result"
    photo = req.photos.get()
    image = client.get(reverse("requests:photo", args=[req.pk, photo.pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert client_for(desk.county.admin_b).get(reverse("requests:photo", args=[req.pk, photo.pk])).status_code == 404
    # The sibling township cannot open or act.
    outsider = client_for(desk.county.admin_b)
    assert outsider.get(reverse("requests:detail", args=[req.pk])).status_code == 404
    assert outsider.post(url, {"action": "close", "note": "关掉"}).status_code == 404


@pytest.mark.parametrize(
    "data,message",
    [
        ({"action": "accept", "version": "abc"}, "版本号不正确"),
        ({"action": "accept", "version": "1.5"}, "版本号不正确"),
        ({"action": "accept", "version": "²"}, "版本号不正确"),
        ({"action": "accept", "version": "99999999999999999999999"}, "版本号不正确"),
        ({"action": "callback", "rating": "satisfied", "version": "1.5"}, "版本号不正确"),
        ({"action": "transfer", "org": "²", "note": "转办"}, "所选对象不存在或不可选"),
        ({"action": "transfer", "department": "٣", "note": "转办"}, "所选对象不存在或不可选"),
        ({"action": "assign", "org": "99999999999999999999999"}, "所选对象不存在或不可选"),
        ({"action": "escalate", "department": "-1", "note": "上报"}, "所选对象不存在或不可选"),
    ],
)
def test_mangled_action_forms_get_a_message_not_an_error(desk, data, message):
    req = file_request(desk)
    client = client_for(desk.county.county_admin)
    response = client.post(reverse("requests:act", args=[req.pk]), data, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Request.objects.get(pk=req.pk).version == req.version  # nothing happened


def test_escalate_form_offers_the_whistle_default(desk):
    c = desk.county
    RoutingRule.objects.create(organization=c.root, category=desk.road, target_department=desk.housing, mode="whistle")
    req = services.create_request(
        c.admin_a, organization=c.village_a, category=desk.road, kind="help", description="来访", channel="walk_in"
    )
    page = client_for(c.admin_a).get(reverse("requests:detail", args=[req.pk]))
    assert page.context["escalate_default"] == desk.housing
    client_for(c.admin_a).post(
        reverse("requests:act", args=[req.pk]),
        {"action": "escalate", "version": req.version, "note": "部门职责", "department": desk.housing.pk},
    )
    assert Request.objects.get(pk=req.pk).holder_department == desk.housing
    page = client_for(desk.handler).get(reverse("requests:detail", args=[req.pk]))
    assert page.status_code == 200 and "accept" in page.context["actions"]


def test_publish_masks_the_resident(desk):
    req = file_request(desk, description="我是王小明，电话13812345678，路灯坏了", photos=[jpeg_upload()])
    req = services.accept_request(desk.village_clerk, req)
    req = services.resolve_request(desk.village_clerk, req, result="已修好，已告知王小明")
    client = client_for(desk.village_clerk)
    form = client.get(reverse("requests:publish", args=[req.pk]))
    assert "王*" in form.content.decode() and "138****5678" in form.content.decode()
    photo = req.photos.get()
    data = {
        "public_description": form.context["form"].initial["public_description"],
        "public_result": "已修好，已告知王小明",  # staff forgot the name: masked again
        "photos": [str(photo.pk)],
    }
    # Publishing takes the preview's confirmation (issue 11): a post without it only previews.
    preview = client.post(reverse("requests:publish", args=[req.pk]), data)
    assert preview.status_code == 200 and not Request.objects.get(pk=req.pk).published
    assert preview.context["preview"]["result"] == "已修好，已告知王**"
    client.post(reverse("requests:publish", args=[req.pk]), {**data, "confirm": preview.context["preview"]["key"]})
    req.refresh_from_db()
    assert req.published and "王小明" not in req.public_result
    board = client_for(desk.county.admin_b).get(reverse("resident:board_detail", args=[req.pk])).content.decode()
    assert "王小明" not in board and "13812345678" not in board and "138****5678" in board
    report = services.resolve_request(
        desk.village_clerk,
        services.accept_request(desk.village_clerk, file_request(desk, kind="report")),
        result="查处",
    )
    assert client.get(reverse("requests:publish", args=[report.pk])).status_code == 403


def test_publish_previews_the_masked_text_before_staff_confirm(desk):
    """Issue 11: staff see, masked, what the board will show, and only that is published."""
    req = file_request(desk, description="我是王小明，身份证 110101-19900307-4514，电话 一三八 1234 5678")
    req = services.resolve_request(desk.village_clerk, services.accept_request(desk.village_clerk, req), result="已办")
    client = client_for(desk.village_clerk)
    url = reverse("requests:publish", args=[req.pk])
    page = client.get(url)
    html = page.content.decode()
    shown = "我是王**，身份证 1101**********4514，电话 138****5678"
    assert page.context["preview"]["description"] == shown and "data-publish-preview" in html and shown in html
    assert "19900307" not in page.context["preview"]["description"]
    # Staff add a phone number after the preview and press 「确认公开」 at once: nothing is
    # published; the page shows the new text masked and asks again.
    typed = "路灯已修好，有事打 138_0000_1234"
    changed = client.post(
        url, {"public_description": typed, "public_result": "已办", "confirm": page.context["preview"]["key"]}
    )
    assert changed.status_code == 200 and changed.context["changed"]
    assert not Request.objects.get(pk=req.pk).published
    assert changed.context["preview"]["description"] == "路灯已修好，有事打 138****1234"
    assert "138****1234" in changed.content.decode() and "公开内容有改动" in changed.content.decode()
    done = client.post(
        url, {"public_description": typed, "public_result": "已办", "confirm": changed.context["preview"]["key"]}
    )
    assert done.status_code == 302
    req.refresh_from_db()
    assert req.published and req.public_description == "路灯已修好，有事打 138****1234"
    board = client_for(desk.county.admin_b).get(reverse("resident:board_detail", args=[req.pk])).content.decode()
    assert "138****1234" in board and "138_0000" not in board


def test_the_board_masks_texts_published_before_a_rule_existed(desk):
    """A text stored unmasked by an older rule is masked when the board and Open311 read it."""
    req = file_request(desk, description="路灯坏了")
    req = services.resolve_request(desk.village_clerk, services.accept_request(desk.village_clerk, req), result="已办")
    req = services.publish_request(desk.village_clerk, req, public_description="路灯坏了", public_result="已办")
    Request.objects.filter(pk=req.pk).update(public_description="联系 138/1234/5678，身份证 1101 0119 9003 0745 14")
    board = client_for(desk.county.admin_b).get(reverse("resident:board_detail", args=[req.pk])).content.decode()
    assert "138****5678" in board and "1101**********4514" in board and "1234/5678" not in board


def test_qr_poster_and_png(desk):
    client = client_for(desk.village_clerk)
    page = client.get(reverse("requests:qr_poster", args=[desk.county.village_a.pk]))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    assert "/r/TA01/" in page.context["url"]
    png = client.get(reverse("requests:qr_png", args=[desk.county.village_a.pk]))
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    assert client.get(reverse("requests:qr_png", args=[desk.county.town_b.pk])).status_code == 404
    assert (
        client_for(desk.county.county_admin).get(reverse("requests:qr_png", args=[desk.county.root.pk])).status_code
        == 404
    )


# ---- ranking and configuration -------------------------------------------------------------------


def test_ranking_page_export_and_scope(desk):
    c = desk.county
    with time_machine.travel(at(2026, 10, 12, 9), tick=False):
        req = services.accept_request(desk.village_clerk, file_request(desk), contacted=True)
        services.rate_request(
            services.resolve_request(desk.village_clerk, req, result="好了"), rating="satisfied", solved=True
        )
        file_request(desk, org=c.branch_b)
    client = client_for(c.county_admin)
    page = client.get(reverse("requests:ranking"), {"month": "2026-10"})
    rows = {r["label"]: r for r in page.context["rows"]}
    assert rows["甲镇"]["score"] == 100 and rows["甲镇"]["rank"] == 1
    assert rows["乙乡"]["figures"].received == 1
    sheet = rows_of(client.get(reverse("requests:ranking_export"), {"month": "2026-10"}))
    assert sheet[0][:3] == ["名次", "单位", "综合得分"] and sheet[1][1] == "甲镇"
    departments = client.get(reverse("requests:ranking"), {"month": "2026-10", "by": "department"})
    assert departments.status_code == 200
    assert [r["label"] for r in departments.context["rows"]] == ["县住房和城乡建设局", "县水利局"]
    township = client_for(c.admin_a)
    assert township.get(reverse("requests:ranking"), {"by": "department"}).status_code == 403
    assert township.get(reverse("requests:ranking"), {"org": c.town_b.pk}).status_code == 404
    assert [r["label"] for r in township.get(reverse("requests:ranking")).context["rows"]] == ["甲镇东村党总支"]


@pytest.mark.parametrize("n", [5, 150])
def test_ranking_and_command_card_have_fixed_query_counts(desk, n, django_assert_max_num_queries):
    # The requests go back up to n hours (six days for 150) and the card counts this year's: in
    # mid-June all of them are this year's, in the first week of January they would not be. The
    # clock ticks: the newest requests are received "now", and the card counts those received before.
    with time_machine.travel(at(2026, 6, 15, 10), tick=True):
        bulk_requests(desk, n)
        bulk_requests(desk, n, org=desk.county.branch_b, prefix="B", state="resolved", resolved_at=timezone.now())
        client = client_for(desk.county.county_admin)
        with django_assert_max_num_queries(14):
            ranking = client.get(reverse("requests:ranking"), {"month": "2026-06"})  # not last month's, empty
        with django_assert_max_num_queries(10):  # session, user, organization, settings, card: 4 + notices
            card = client.get(reverse("requests:panel", args=[desk.county.root.pk]))
    assert ranking.status_code == 200
    received = {r["label"]: r["figures"].received for r in ranking.context["rows"]}
    assert received == {"甲镇": n, "乙乡": n}  # by township
    assert card.context["figures"][0][1] == 2 * n


def test_command_screen_card_costs_the_screen_no_query(desk, django_assert_num_queries):
    from django.test import RequestFactory

    from jiceng.requests import panels

    file_request(desk)
    request = RequestFactory().get("/")
    request.user = desk.county.county_admin
    with django_assert_num_queries(0):
        [card] = panels.command_panels(request, desk.county.root, timezone.localdate())
    html = client_for(desk.county.county_admin).get(reverse("dashboard:command")).content.decode()
    assert card.context["url"] in html and "hx-get" in html
    body = client_for(desk.county.county_admin).get(card.context["url"]).content.decode()
    assert "data-requests-panel" in body and "村级化解率" in body
    assert (
        client_for(desk.county.admin_b).get(reverse("requests:panel", args=[desk.county.town_a.pk])).status_code == 404
    )
    assert client_for(desk.handler).get(reverse("requests:panel", args=[desk.county.root.pk])).status_code == 404


def test_county_admin_configures_the_system(desk):
    c = desk.county
    client = client_for(c.county_admin)
    bad = client.post(
        reverse("requests:settings"),
        {
            "weight_response": 40,
            "weight_resolution": 35,
            "weight_satisfaction": 35,
            "township_depth": 1,
            "escalate_after_hours": 24,
            "auto_close_days": 15,
            "reopen_limit": 1,
            "max_photos": 3,
        },
    )
    assert "三项权重之和应为 100%" in bad.content.decode()
    client.post(
        reverse("requests:settings"),
        {
            "weight_response": 50,
            "weight_resolution": 25,
            "weight_satisfaction": 25,
            "township_depth": 1,
            "escalate_after_hours": 0,
            "auto_close_days": 15,
            "reopen_limit": 1,
            "max_photos": 3,
        },
    )
    assert RequestSettings.current().weights == {"response": 50, "resolution": 25, "satisfaction": 25}
    client.post(reverse("requests:categories"), {"code": "housing", "name": "住房保障", "order": 70, "is_active": "on"})
    assert Category.objects.filter(code="housing", is_active=True).exists()
    assert (
        "编码只能用"
        in client.post(reverse("requests:categories"), {"code": "住房", "name": "x", "order": 1}).content.decode()
    )
    response = client.post(
        reverse("requests:deadlines"),
        {"category": desk.dispute.pk, "tier": "", "priority": "", "done_amount": 10, "done_unit": ""},
    )
    assert "要同时填写或同时留空" in response.content.decode()
    client.post(
        reverse("requests:deadlines"),
        {"category": desk.dispute.pk, "tier": "", "priority": "", "done_amount": 10, "done_unit": "working_days"},
    )
    assert DeadlineRule.objects.filter(category=desk.dispute, done_amount=10).exists()
    client.post(
        reverse("requests:routing"),
        {
            "mode": "intake",
            "organization": c.town_a.pk,
            "category": desk.utilities.pk,
            "target_department": desk.water.pk,
        },
    )
    rule = RoutingRule.objects.get(organization=c.town_a)
    listing = client.get(reverse("requests:routing"))
    assert listing.status_code == 200 and "县水利局" in listing.content.decode()
    req = file_request(desk, category=desk.utilities)
    assert req.holder_department == desk.water
    # A department hands it to another department: the page names the sending department.
    req = services.transfer_request(desk.water_handler, req, department=desk.housing, note="住建职责")
    page = client_for(desk.handler).get(reverse("requests:detail", args=[req.pk]))
    assert page.status_code == 200 and "县水利局" in page.content.decode()
    for mangled in ("²", "99999999999999999999999", "x"):
        assert client.post(reverse("requests:routing"), {"delete": mangled}).status_code == 404
    client.post(reverse("requests:routing"), {"delete": rule.pk})
    assert not RoutingRule.objects.exists()
    client.post(
        reverse("requests:department_edit", args=[desk.housing.pk]),
        {"form": "account", "username": "zj2", "display_name": "住建二", "password": "a-long-pass-9"},
    )
    handler = c.county_admin.__class__.objects.get(username="zj2")
    assert handler.role == "department_handler" and handler.department_staff.department == desk.housing
    for user in (c.admin_a, c.member_user, desk.handler):
        assert client_for(user).get(reverse("requests:settings")).status_code == 403


def test_menu_by_role(desk):
    from jiceng.requests.nav import items

    assert [i.url_name for i in items(desk.county.member_user)] == []
    assert "requests:settings" in [i.url_name for i in items(desk.county.county_admin)]
    handler_items = [i.url_name for i in items(desk.handler)]
    assert handler_items == ["requests:inbox", "resident:board"]


def test_deadline_shows_24_hours_of_the_last_day(desk):
    with time_machine.travel(at(2026, 9, 30, 10), tick=False):
        req = file_request(desk)
    html = client_for(desk.village_clerk).get(reverse("requests:detail", args=[req.pk])).content.decode()
    assert "2026-10-15 24:00" in html and rules.STAGE_LABELS["done"] in html


def test_organization_page_card(desk, django_assert_num_queries):
    from django.test import RequestFactory

    from jiceng.requests import panels

    c = desk.county
    with time_machine.travel(at(2026, 11, 2, 9), tick=False):
        file_request(desk)
    file_request(desk)
    request = RequestFactory().get("/")
    request.user = c.admin_a
    with django_assert_num_queries(0):
        [card] = panels.organization_panels(request, c.village_a)
    assert panels.organization_panels(request, c.root) == []  # an agency takes no requests
    html = client_for(c.admin_a).get(reverse("orgs:detail", args=[c.village_a.pk])).content.decode()
    assert card.context["url"] in html
    body = client_for(c.admin_a).get(card.context["url"])
    assert body.context["counts"] == {"open": 2, "overdue": 1, "total": 2}
    assert "/requests/qr/" in body.content.decode()
    assert client_for(c.admin_b).get(card.context["url"]).status_code == 404
    assert client_for(c.member_user).get(card.context["url"]).status_code == 403


def test_every_page_renders_in_every_state(desk):
    """Templates must not fail on any combination of holder, sender, result and rating."""
    c = desk.county
    admin = client_for(c.county_admin)
    rule = DeadlineRule.objects.first()
    for name, args, shows in [
        ("requests:settings", [], "诉求配置"),
        ("requests:categories", [], "道路交通"),
        ("requests:category_edit", [desk.road.pk], "修改诉求类别：道路交通"),
        ("requests:deadlines", [], reverse("requests:deadline_edit", args=[rule.pk])),
        ("requests:deadline_edit", [rule.pk], f"修改时限规则：{rule}"),
        ("requests:routing", [], "诉求配置 · 分派规则"),
        ("requests:departments", [], "县水利局"),
        ("requests:department_edit", [desk.housing.pk], "县直部门：县住房和城乡建设局"),
        ("requests:ranking", [], "诉求办理排名 · 测试县委"),
        ("requests:create", [], "登记群众诉求（说事厅来访、来电）"),
    ]:
        response = admin.get(reverse(name, args=args))
        assert response.status_code == 200, name
        assert shows in response.content.decode(), name
    received = file_request(desk)
    to_department = services.create_request(
        c.admin_a, organization=c.village_a, category=desk.road, kind="consult", description="问", channel="phone"
    )
    to_department = services.escalate_request(c.admin_a, to_department, note="部门", department=desk.housing)
    returned = services.return_request(desk.handler, file_request_escalated(desk), note="不归本部门")
    answered = services.answer_request(
        desk.handler, services.accept_request(desk.handler, to_department), result="答复"
    )
    rated = services.rate_request(_resolved_by_clerk(desk), rating="basic", solved=False, note="还行")
    reopened = services.rate_request(_resolved_by_clerk(desk), rating="unsatisfied", solved=False, reopen=True)
    dismissed = services.dismiss_request(c.admin_a, file_request(desk), note="重复")
    published = services.publish_request(
        c.admin_a, rated, public_description="东村路灯不亮", public_result="已更换灯泡"
    )
    for req in (received, returned, answered, rated, reopened, dismissed, published):
        req.refresh_from_db()
        for user in (c.county_admin, c.admin_a, desk.village_clerk):
            response = client_for(user).get(reverse("requests:detail", args=[req.pk]))
            assert response.status_code == 200, (req.state, user)
            assert response.context["item"] == req, (req.state, user)
            assert f'data-state="{req.state}"' in response.content.decode(), (req.state, user)
    handled = client_for(desk.handler).get(reverse("requests:detail", args=[answered.pk]))
    assert handled.status_code == 200 and answered.ticket in handled.content.decode()
    publish = admin.get(reverse("requests:publish", args=[published.pk]))
    assert publish.status_code == 200 and f"在公开栏公开：{published.ticket}" in publish.content.decode()
    assert admin.get(reverse("requests:inbox")).context["page_obj"].paginator.count == 6
    board = client_for(c.admin_b).get(reverse("resident:board_detail", args=[published.pk]))
    assert board.status_code == 200
    assert "东村路灯不亮" in board.content.decode() and "已更换灯泡" in board.content.decode()


def file_request_escalated(desk):
    req = services.create_request(
        desk.county.admin_a,
        organization=desk.county.village_a,
        category=desk.road,
        kind="help",
        description="事",
        channel="walk_in",
    )
    return services.escalate_request(desk.county.admin_a, req, note="部门", department=desk.housing)


def _resolved_by_clerk(desk):
    req = services.accept_request(desk.village_clerk, file_request(desk), contacted=True)
    return services.resolve_request(desk.village_clerk, req, result="已修好")
