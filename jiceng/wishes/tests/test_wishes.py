"""The wish cycle: posted → pool → claimed → fulfilled → confirmed, with the rules that refuse
a step, the public pages (masked, rate-limited, photos checked), member claims, the
requester's confirmation with ticket and phone, and the sweeps with the clock moved."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from jiceng.core.jobs import run_job
from jiceng.core.models import AuditEntry, Notification
from jiceng.requests import rules as request_rules
from jiceng.testing import add_member, client_for, export_rows_without_formulas, jpeg
from jiceng.wishes import queries, rules, services
from jiceng.wishes.models import Wish, WishEvent, WishSettings

pytestmark = pytest.mark.django_db
# A Monday; 2026-07-01 … 07-03 are working days.
MONDAY = timezone.make_aware(datetime(2026, 6, 29, 9, 0))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def post(county, **extra):
    fields = {
        "organization": county.village_a,
        "phone": "13812345678",
        "description": "孩子上学需要一个书包，联系我 13812345678，我叫王小花",
        "category": "study",
        "requester_name": "王小花",
    }
    fields.update(extra)
    return services.post_wish(None, **fields)


def pooled(county, **extra):
    project = extra.pop("project", "basic")
    wish = post(county, **extra)
    return services.accept_wish(county.admin_a, wish, project=project)


# ---- rules --------------------------------------------------------------------------------------------


def test_masking():
    assert (
        rules.public_name("张三") == "张*"
        and rules.public_name("欧阳小明") == "欧***"
        and rules.public_name("") == "群众"
    )
    text = rules.mask_text("我叫王小花，电话13812345678，身份证430102199001011234", name="王小花", phone="13812345678")
    assert text == "我叫王**，电话138****5678，身份证4301**********1234"
    # One masking function for the wish wall and the request board, for every way a number is typed.
    assert rules.mask_text is request_rules.mask_text
    text = rules.mask_text("电话 138-1234-5678 或 138 1234 5678，座机 (0731)12345678、0731 12345678")
    assert text == "电话 138****5678 或 138****5678，座机 073****5678、073****5678"


def test_transition_table_names_the_allowed_states():
    assert rules.check_transition("claim", "posted") == "心愿当前为「待审核」，不能认领（仅在已入池（待认领）时可以）"
    assert rules.check_transition("confirm", "fulfilled") is None


def test_fulfil_deadline_counts_from_the_next_day():
    claimed = timezone.make_aware(datetime(2026, 6, 29, 23, 59))
    assert rules.fulfil_due(claimed, 30) == timezone.make_aware(datetime(2026, 7, 30))
    assert not rules.is_overdue(rules.fulfil_due(claimed, 30), timezone.make_aware(datetime(2026, 7, 30)))
    assert rules.is_overdue(rules.fulfil_due(claimed, 30), timezone.make_aware(datetime(2026, 7, 30, 0, 0, 1)))


@pytest.mark.parametrize("open_claims,limit,ok", [(0, 3, True), (2, 3, True), (3, 3, False), (9, 0, True)])
def test_open_claims_limit(open_claims, limit, ok):
    assert (rules.open_claims_error(open_claims, limit) is None) == ok


# ---- posting ------------------------------------------------------------------------------------------


def test_resident_posts_from_the_public_page(county, client):
    url = reverse("wishes:post", args=[county.village_a.pk])
    page = client.get(url).content.decode()
    assert "甲镇东村党总支" in page and "提交心愿" in page
    response = client.post(
        url,
        {
            "description": "想要一台轮椅",
            "category": "health",
            "requester_name": "李大爷",
            "phone": "138-1234-5678",
            "agree": "on",
            "photos": [jpeg("a.jpg"), jpeg("b.png")],
        },
        follow=True,
    )
    wish = Wish.objects.get()
    assert wish.ticket in response.content.decode()
    assert (wish.state, wish.phone, wish.channel, wish.photos.count()) == ("posted", "13812345678", "qr", 2)
    # Three working days, the day of posting not counted: Monday → Thursday 24:00.
    assert wish.accept_due_at == timezone.make_aware(datetime(2026, 7, 3))
    assert WishEvent.objects.get(wish=wish).actor_role == "群众"
    # The township admin above the village (the nearest managers) is told.
    assert Notification.objects.filter(recipient=county.admin_a, kind="wishes").count() == 1


@pytest.mark.parametrize(
    "data,message",
    [
        ({"phone": "12345"}, "电话号码格式不对"),
        ({"phone": ""}, "请填写联系电话"),
        ({"description": ""}, "请填写您的心愿"),
        ({"agree": ""}, "请勾选同意后再提交"),
    ],
)
def test_bad_posts_are_explained_and_lose_nothing(county, client, data, message):
    fields = {"description": "书包", "category": "study", "phone": "13812345678", "agree": "on"}
    fields.update(data)
    html = client.post(reverse("wishes:post", args=[county.village_a.pk]), fields).content.decode()
    assert not Wish.objects.exists()
    assert message in html


def test_a_file_that_is_not_a_photo_is_refused(county, client):
    fake = SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>" * 20, content_type="image/jpeg")
    html = client.post(
        reverse("wishes:post", args=[county.village_a.pk]),
        {"description": "书包", "category": "study", "phone": "13812345678", "agree": "on", "photos": [fake]},
    ).content.decode()
    assert "不是可以识别的照片" in html and not Wish.objects.exists()


def test_too_many_photos(county):
    with pytest.raises(ValidationError, match="最多上传 3 张照片"):
        post(county, photos=[jpeg(), jpeg(), jpeg(), jpeg()])
    assert not Wish.objects.exists()


def test_posting_is_rate_limited(county, client):
    url = reverse("wishes:post", args=[county.village_a.pk])
    for i in range(10):
        data = {"description": f"心愿{i}", "category": "goods", "phone": f"1381234{i:04d}", "agree": "on"}
        assert client.post(url, data).status_code == 302
    response = client.post(url, {"description": "第11个", "category": "goods", "phone": "13900000000", "agree": "on"})
    assert response.status_code == 429 and "操作太频繁" in response.content.decode()
    assert Wish.objects.count() == 10


def test_one_phone_posts_at_most_five_a_day(county, client):
    url = reverse("wishes:post", args=[county.village_a.pk])
    typed = ["13812345678", "138 1234 5678", "138-1234-5678", "+8613812345678", "13812345678", "138 12345678"]
    codes = [
        client.post(
            url,
            {"description": f"心愿{i}", "category": "goods", "phone": typed[i], "agree": "on"},
            REMOTE_ADDR=f"10.0.0.{i}",
        ).status_code
        for i in range(6)
    ]
    assert codes == [302] * 5 + [429]


def test_organizations_that_do_not_collect_wishes(county, client):
    assert client.get(reverse("wishes:post", args=[county.root.pk])).status_code == 404
    with pytest.raises(ValidationError, match="该组织不收集微心愿"):
        post(county, organization=county.root)


# ---- the pool, claims --------------------------------------------------------------------------------


def test_accept_masks_the_public_text(county):
    wish = pooled(county)
    assert wish.state == "pooled" and wish.project == "basic"
    assert wish.public_description == "孩子上学需要一个书包，联系我 138****5678，我叫王**"
    assert AuditEntry.objects.filter(object_type="wishes.Wish", note__startswith="审核入池").exists()


def test_public_pool_shows_public_fields_only(county, client):
    wish = pooled(county)
    post(county, description="尚未审核的心愿", phone="13700000000")
    html = client.get(reverse("wishes:pool")).content.decode()
    assert wish.public_description in html and "王*" in html
    assert "13812345678" not in html and "王小花" not in html and "尚未审核的心愿" not in html
    data = client.get(reverse("wishes-pool")).json()
    assert data["count"] == 1 and data["results"][0]["requester"] == "王**"
    assert "13812345678" not in str(data)


def test_member_claims_from_the_phone_page(county):
    wish = pooled(county)
    c = client_for(county.member_user)
    html = c.get(reverse("wishes:claim_pool")).content.decode()
    assert wish.public_description in html and "我来认领" in html
    response = c.post(reverse("wishes:claim", args=[wish.pk]), {"version": wish.version}, follow=True)
    wish.refresh_from_db()
    assert (wish.state, wish.claimant_type, wish.claimed_member) == ("claimed", "member", county.member_a)
    assert wish.fulfil_due_at == timezone.make_aware(datetime(2026, 7, 30))
    # The member who claimed it sees the requester's phone to get in touch.
    assert 'href="tel:13812345678"' in response.content.decode()
    assert Notification.objects.filter(recipient=county.admin_a, title__startswith="心愿已被党员认领").exists()


def test_two_claims_one_winner_and_a_clear_message(county):
    wish = pooled(county)
    other = add_member(county.branch_a, "赵六", phone="13600001111")
    services.claim_wish(county.member_user, wish, member=county.member_a)
    from jiceng.accounts.models import User

    user = User.objects.create_user(
        "member-6", password="x-pass-12345", role="member", organization=county.branch_a, member=other
    )
    with pytest.raises(ValidationError, match="心愿当前为「已认领」，不能认领"):
        services.claim_wish(user, Wish.objects.get(pk=wish.pk), member=other)
    # A stale page (old version) is refused too.
    wish2 = pooled(county, phone="13811112222")
    with pytest.raises(ValidationError, match="页面不是最新的"):
        services.claim_wish(user, wish2, member=other, version=wish2.version - 1)


def test_members_claim_only_basic_projects_and_only_for_themselves(county):
    key = pooled(county, project="key")
    with pytest.raises(ValidationError, match="重点项目"):
        services.claim_wish(county.member_user, key, member=county.member_a)
    basic = pooled(county, phone="13811112222")
    other = add_member(county.branch_a, "赵六")
    with pytest.raises(PermissionDenied, match="本人名义"):
        services.claim_wish(county.member_user, basic, member=other)
    with pytest.raises(PermissionDenied):
        services.claim_wish(county.member_user, basic, organization=county.branch_a)


def test_open_claims_limit_is_enforced(county):
    WishSettings.objects.create(member_open_claims=2)
    wishes = [pooled(county, phone=f"1381111000{i}") for i in range(3)]
    services.claim_wish(county.member_user, wishes[0], member=county.member_a)
    services.claim_wish(county.member_user, wishes[1], member=county.member_a)
    with pytest.raises(ValidationError, match="上限 2 个"):
        services.claim_wish(county.member_user, wishes[2], member=county.member_a)


def test_staff_record_claims_by_organizations(county):
    from jiceng.orgs.models import Enterprise

    key = pooled(county, project="key")
    firm = Enterprise.objects.create(name="甲镇爱心协会", kind="social_org", township=county.town_a)
    c = client_for(county.admin_a)
    response = c.post(
        reverse("wishes:act", args=[key.pk, "claim"]),
        {"claim-claimant_type": "social_org", "claim-enterprise": firm.pk, "version": key.version},
    )
    assert response.status_code == 302
    key.refresh_from_db()
    assert (key.claimant_type, key.claimed_enterprise) == ("social_org", firm)
    # The other township's enterprise cannot be chosen.
    other = pooled(county, project="key", phone="13811112222")
    response = c.post(
        reverse("wishes:act", args=[other.pk, "claim"]),
        {"claim-claimant_type": "social_org", "claim-enterprise": county.enterprise_b.pk, "version": other.version},
    )
    assert response.status_code == 400 and Wish.objects.get(pk=other.pk).state == "pooled"


def test_release_puts_it_back_in_the_pool(county):
    wish = pooled(county)
    services.claim_wish(county.member_user, wish, member=county.member_a)
    c = client_for(county.member_user)
    c.post(reverse("wishes:mine_act", args=[wish.pk, "release"]), {"note": "出差一个月"})
    wish.refresh_from_db()
    assert (wish.state, wish.claimed_member, wish.fulfil_due_at) == ("pooled", None, None)


# ---- fulfilment, publishing, confirmation -----------------------------------------------------------


def claimed(county):
    wish = pooled(county)
    return services.claim_wish(county.member_user, wish, member=county.member_a)


def test_member_reports_fulfilment_with_photos(county):
    wish = claimed(county)
    c = client_for(county.member_user)
    c.post(
        reverse("wishes:mine_act", args=[wish.pk, "fulfil"]),
        {"fulfil-note": "送去了书包和文具", "fulfil-photos": [jpeg("done.jpg")], "version": wish.version},
    )
    wish.refresh_from_db()
    assert wish.state == "fulfilled" and wish.fulfil_note == "送去了书包和文具"
    assert wish.photos.filter(kind="fulfilment").count() == 1


def test_someone_else_cannot_fulfil_a_members_claim(county):
    wish = claimed(county)
    from jiceng.accounts.models import User

    other = add_member(county.branch_a, "赵六")
    user = User.objects.create_user(
        "member-6", password="x-pass-12345", role="member", organization=county.branch_a, member=other
    )
    with pytest.raises(PermissionDenied):
        services.fulfil_wish(user, wish, note="我做的")
    assert (
        client_for(user).post(reverse("wishes:mine_act", args=[wish.pk, "fulfil"]), {"fulfil-note": "x"}).status_code
        == 404
    )


def test_publish_with_chosen_photos(county, client):
    wish = claimed(county)
    wish = services.fulfil_wish(county.admin_a, wish, note="已送到", photos=[jpeg("face.jpg"), jpeg("bag.jpg")])
    face, bag = wish.photos.filter(kind="fulfilment").order_by("pk")
    assert client.get(reverse("wishes:public_photo", args=[bag.pk])).status_code == 404
    services.publish_wish(county.admin_a, wish, photo_ids=[bag.pk])
    html = client.get(reverse("wishes:pool"), {"tab": "wall"}).content.decode()
    assert reverse("wishes:public_photo", args=[bag.pk]) in html
    assert reverse("wishes:public_photo", args=[face.pk]) not in html
    assert "党员 张*" in html and "王小花" not in html
    photo = client.get(reverse("wishes:public_photo", args=[bag.pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert b"".join(photo.streaming_content).startswith(b"\xff\xd8")  # the JPEG itself
    assert client.get(reverse("wishes:public_photo", args=[face.pk])).status_code == 404


def test_staff_see_the_masked_public_text_before_accepting_and_publishing(county):
    """Issue 11: the accept step shows what the pool will show when the text is left blank, the
    publish step what the wall will show, both masked."""
    wish = post(county, description="书包，电话 一三八 1234 5678，身份证 110101-19900307-4514，我叫王小花")
    staff = client_for(county.admin_a)
    html = staff.get(reverse("wishes:detail", args=[wish.pk])).content.decode()
    shown = "书包，电话 138****5678，身份证 1101**********4514，我叫王**"
    assert "data-accept-preview" in html and shown in html
    wish = services.accept_wish(county.admin_a, wish, project="basic")
    assert wish.public_description == shown
    wish = services.claim_wish(county.member_user, wish, member=county.member_a)
    wish = services.fulfil_wish(county.admin_a, wish, note="已送到")
    # Text saved unmasked by an older rule: the wall, and its preview, mask it when they read it.
    Wish.objects.filter(pk=wish.pk).update(public_description="书包，电话 138/1234/5678")
    html = staff.get(reverse("wishes:detail", args=[wish.pk])).content.decode()
    preview = html[html.index("data-publish-preview") :]
    preview = preview[: preview.index("</div></div>")]
    assert "书包，电话 138****5678" in preview and "138/1234/5678" not in preview


def test_requester_confirms_with_ticket_and_phone(county, client):
    wish = claimed(county)
    wish = services.fulfil_wish(county.admin_a, wish, note="已送到")
    url = reverse("wishes:follow")
    wrong = client.post(url, {"step": "lookup", "ticket": wish.ticket, "phone": "13800000000"})
    assert "没有找到" in wrong.content.decode()
    # Without looking it up first, nothing can be done.
    client.post(url, {"w": wish.pk, "action": "confirm", "version": wish.version})
    assert Wish.objects.get(pk=wish.pk).state == "fulfilled"
    response = client.post(url, {"step": "lookup", "ticket": wish.ticket.lower(), "phone": "138 1234 5678"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "心愿实现了吗" in page and "已送到" in page
    client.post(
        url,
        {
            "w": wish.pk,
            "action": "confirm",
            "version": wish.version,
            "confirm-rating": "satisfied",
            "confirm-note": "谢谢",
        },
    )
    wish.refresh_from_db()
    assert (wish.state, wish.confirm_channel, wish.rating) == ("confirmed", "online", "satisfied")
    assert WishEvent.objects.filter(wish=wish, action="confirm", actor_role="群众").exists()


def test_requester_says_not_yet(county, client):
    wish = services.fulfil_wish(county.admin_a, claimed(county), note="已送到")
    client.post(reverse("wishes:follow"), {"step": "lookup", "ticket": wish.ticket, "phone": wish.phone})
    client.post(
        reverse("wishes:follow"), {"w": wish.pk, "action": "dispute", "note": "书包还没收到", "version": wish.version}
    )
    wish.refresh_from_db()
    assert wish.state == "claimed" and wish.fulfilled_at is None
    assert Notification.objects.filter(title__startswith="群众反映心愿尚未实现").exists()


def test_requester_withdraws(county, client):
    wish = pooled(county)
    client.post(reverse("wishes:follow"), {"step": "lookup", "ticket": wish.ticket, "phone": wish.phone})
    client.post(
        reverse("wishes:follow"), {"w": wish.pk, "action": "withdraw", "note": "已经买到了", "version": wish.version}
    )
    wish.refresh_from_db()
    assert (wish.state, wish.closed_reason) == ("withdrawn", "已经买到了")


def test_follow_lookups_are_rate_limited(county, client):
    for _ in range(20):
        client.post(reverse("wishes:follow"), {"step": "lookup", "ticket": "W260629AAAAAA", "phone": "13800000000"})
    response = client.post(
        reverse("wishes:follow"), {"step": "lookup", "ticket": "W260629AAAAAA", "phone": "13800000000"}
    )
    assert response.status_code == 429


def test_timeline_is_append_only(county):
    wish = pooled(county)
    event = wish.events.first()
    event.note = "改写"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


# ---- staff pages and scope ------------------------------------------------------------------------------


def test_staff_detail_and_steps(county):
    wish = post(county)
    c = client_for(county.admin_a)
    html = c.get(reverse("wishes:detail", args=[wish.pk])).content.decode()
    assert "13812345678" in html and "审核入池" in html
    response = c.post(
        reverse("wishes:act", args=[wish.pk, "accept"]),
        {"accept-project": "key", "accept-category": "study", "accept-public_description": "", "version": wish.version},
    )
    assert response.status_code == 302
    assert Wish.objects.get(pk=wish.pk).project == "key"
    response = c.post(reverse("wishes:act", args=[wish.pk, "reject"]), {"note": ""}, follow=True)
    assert "请填写不予采纳的理由" in response.content.decode()


def test_tampered_forms_get_a_message_not_an_error(county):
    wish = pooled(county)
    c = client_for(county.admin_a)
    response = c.post(reverse("wishes:act", args=[wish.pk, "reject"]), {"note": "重复", "version": "abc"}, follow=True)
    assert "页面不是最新的" in response.content.decode()
    done = services.fulfil_wish(
        county.admin_a, services.claim_wish(county.member_user, wish, member=county.member_a), note="好"
    )
    response = c.post(
        reverse("wishes:act", args=[done.pk, "publish"]), {"photo": ["abc", "-1"], "version": done.version}
    )
    assert response.status_code == 302 and Wish.objects.get(pk=done.pk).published


def test_outsiders_members_and_anonymous(county, client):
    wish = pooled(county)
    outsider = client_for(county.admin_b)
    assert outsider.get(reverse("wishes:detail", args=[wish.pk])).status_code == 404
    assert outsider.post(reverse("wishes:act", args=[wish.pk, "reject"]), {"note": "x"}).status_code == 404
    assert "王小花" not in outsider.get(reverse("wishes:list")).content.decode()
    assert client_for(county.member_user).get(reverse("wishes:list")).status_code == 403
    assert client_for(county.member_user).get(reverse("wish-list")).status_code == 403
    assert client.get(reverse("wishes:list"))["Location"].startswith("/login/")
    # A staff user without a member record cannot claim as a member.
    assert client_for(county.admin_b).post(reverse("wishes:claim", args=[wish.pk])).status_code == 403
    assert Wish.objects.get(pk=wish.pk).state == "pooled"


def test_qr_poster(county):
    c = client_for(county.admin_a)
    html = c.get(reverse("wishes:qr", args=[county.village_a.pk])).content.decode()
    assert "<svg" in html and reverse("wishes:post", args=[county.village_a.pk]) in html
    png = c.get(reverse("wishes:qr_png", args=[county.village_a.pk]))
    assert png["Content-Type"] == "image/png" and png.content[:4] == b"\x89PNG"
    assert client_for(county.admin_b).get(reverse("wishes:qr", args=[county.village_a.pk])).status_code == 404


def test_settings_page_for_county_admins_only(county):
    assert client_for(county.admin_a).get(reverse("wishes:settings")).status_code == 403
    c = client_for(county.county_admin)
    c.post(
        reverse("wishes:settings"),
        {"accept_working_days": 5, "claim_days": 10, "fulfil_days": 20, "member_open_claims": 2, "max_photos": 3},
    )
    assert WishSettings.current().fulfil_days == 20
    assert AuditEntry.objects.filter(note="微心愿配置", actor=county.county_admin).exists()


def test_ledger_search(county):
    wish = pooled(county, description="需要一个书包")
    c = client_for(county.admin_a)
    for q in (wish.ticket.lower(), "5678", "王小花", "书包"):
        assert "共 1 条" in c.get(reverse("wishes:list"), {"q": q}).content.decode(), q
    assert "没有符合条件的心愿" in c.get(reverse("wishes:list"), {"q": "567"}).content.decode()


def test_export_writes_formula_like_text_as_text(county):
    """Issue 11: a resident's 「=HYPERLINK(…)」 in a wish is text in the sheet, not a live link."""

    from jiceng.core.tests.test_xlsx import TRIGGERS

    for text in TRIGGERS:
        wish = post(county, description=text, requester_name=text[:20] if text.strip() else "王小花")
        services.accept_wish(county.admin_a, wish, project="basic")
    rows = export_rows_without_formulas(client_for(county.admin_a).get(reverse("wishes:export")).content)
    stored = sorted(Wish.objects.values_list("description", flat=True))
    assert sorted(c["心愿内容"].value for c in rows) == stored  # the text as stored (ends trimmed)
    assert set(stored) == {t.strip() for t in TRIGGERS}
    for cells in rows:
        assert cells["心愿内容"].data_type == "s" and cells["群众"].data_type == "s"
        assert cells["提交时间"].data_type == "d"
    assert any(c["群众"].value.startswith("=*") for c in rows)  # a masked name 「=****」


def test_export_masks_the_requester(county):
    import io

    from openpyxl import load_workbook

    pooled(county)
    wb = load_workbook(io.BytesIO(client_for(county.admin_a).get(reverse("wishes:export")).content), read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[1][4:6] == ("王**", "138****5678")


# ---- sweeps with the clock moved ---------------------------------------------------------------------


def test_sweeps_are_idempotent_with_the_clock_moved(county, _clock):
    WishSettings.objects.create(claim_days=10, fulfil_days=5)
    late = post(county)
    waiting = pooled(county, phone="13811112222")
    taken = services.claim_wish(county.member_user, pooled(county, phone="13811113333"), member=county.member_a)
    notices = Notification.objects.filter(key__startswith="wishes:overdue")

    _clock.move_to(timezone.make_aware(datetime(2026, 7, 2, 23, 59)))  # before the acceptance deadline
    run_job("wishes.overdue")
    assert notices.count() == 0

    _clock.move_to(timezone.make_aware(datetime(2026, 7, 3, 0, 1)))  # Friday 00:01: late
    run_job("wishes.overdue")
    run_job("wishes.overdue")
    assert list(notices.values_list("key", flat=True)) == [f"wishes:overdue:accept:{late.pk}:20260703"]

    _clock.move_to(timezone.make_aware(datetime(2026, 7, 10, 12, 0)))  # claim deadline 07-04 24:00; pool 10 days
    run_job("wishes.overdue")
    run_job("wishes.overdue")
    keys = set(notices.values_list("key", flat=True))
    assert f"wishes:overdue:fulfil:{taken.pk}:20260705" in keys
    assert f"wishes:overdue:claim:{waiting.pk}:20260629" in keys
    # The member who claimed it is told too, once.
    assert notices.filter(recipient=county.member_user).count() == 1
    assert notices.count() == 4  # accept, claim, fulfil to the township admin, fulfil to the member

    _clock.move_to(timezone.make_aware(datetime(2026, 7, 20)))
    run_job("wishes.overdue")
    assert notices.count() == 4


def test_overdue_is_computed_at_read_time_without_a_sweep(county, _clock):
    wish = post(county)
    _clock.move_to(timezone.make_aware(datetime(2026, 7, 3, 0, 1)))
    f = queries.figures(county.county_admin, county.root, None, None)
    assert f.overdue == 1
    assert Wish.objects.get(pk=wish.pk).overdue_step(timezone.now()) == "审核超期"


# ---- figures -------------------------------------------------------------------------------------------


def test_figures_by_hand(county, _clock):
    from jiceng.orgs.models import Enterprise

    firm = Enterprise.objects.create(name="甲镇爱心协会", kind="social_org", township=county.town_a)
    services.post_wish(None, organization=county.branch_b, phone="13911112222", description="乙乡心愿")  # pending
    a1 = post(county)  # pending
    a2 = pooled(county, phone="13800000002")  # in the pool
    a3 = services.claim_wish(county.member_user, pooled(county, phone="13800000003"), member=county.member_a)
    a4 = pooled(county, project="key", phone="13800000004")
    a4 = services.claim_wish(county.admin_a, a4, enterprise=firm)
    a4 = services.fulfil_wish(county.admin_a, a4, note="送到")
    a5 = pooled(county, project="key", phone="13800000005")
    a5 = services.claim_wish(county.admin_a, a5, organization=county.branch_a)
    a5 = services.confirm_wish(None, services.fulfil_wish(county.admin_a, a5, note="送到"), by_requester=True)
    services.reject_wish(county.admin_a, post(county, phone="13800000006"), note="不属于微心愿")
    services.withdraw_wish(county.admin_a, pooled(county, phone="13800000007"), note="群众撤回")
    # Posted on the last day of last month: outside a period that starts today.
    _clock.move_to(MONDAY - timedelta(days=1))
    post(county, phone="13800000008")
    _clock.move_to(MONDAY)

    f = queries.figures(county.county_admin, county.root, MONDAY.date(), MONDAY.date())
    assert f == queries.Figures(
        collected=8,
        pending=2,
        pooled=1,
        claimed=3,
        fulfilled=2,
        confirmed=1,
        rejected=1,
        withdrawn=1,
        by_member=1,
        by_party_org=1,
        by_social_org=1,
        overdue=0,
    )
    town_a = queries.figures(county.admin_a, county.town_a, MONDAY.date(), MONDAY.date())
    assert (town_a.collected, town_a.pending) == (7, 1)
    assert queries.sentence(county.root, f) == (
        "全县收集群众微心愿 8 个，已认领 3 个（党员认领 1 个，党组织认领 1 个，社会组织认领 1 个），已实现 2 个，"
        "群众确认 1 个，心愿池中待认领 1 个。"
    )
    # Every figure opens a ledger of exactly those wishes.
    c = client_for(county.county_admin)
    links = queries.figure_links(county.root, MONDAY.date(), MONDAY.date())
    for key in queries.FIGURE_LABELS:
        html = c.get(links[key]).content.decode()
        expected = getattr(f, key)
        assert (f"共 {expected} 条" in html) if expected else ("没有符合条件的心愿" in html), key
    assert {a1.pk, a2.pk, a3.pk} <= set(Wish.objects.values_list("pk", flat=True))


def test_wishes_claimed_by_members_for_dual_registration(county, _clock):
    from jiceng.members.models import Member

    services.claim_wish(county.member_user, pooled(county), member=county.member_a)
    released = services.claim_wish(county.member_user, pooled(county, phone="13800000009"), member=county.member_a)
    services.release_wish(county.member_user, released, note="不便")
    counts = queries.wishes_claimed_by_members(
        Member.objects.filter(organization__path__startswith=county.root.path), 2026
    )
    assert counts[county.member_a.pk] == 1 and counts[county.member_b.pk] == 0
    assert queries.wishes_claimed_by_members(
        Member.objects.filter(pk=county.member_a.pk).values_list("pk", flat=True), 2025
    ) == {county.member_a.pk: 0}


# ---- query counts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 15])
def test_pages_have_a_fixed_number_of_queries(county, django_assert_max_num_queries, client, n):
    for i in range(n):
        wish = pooled(county, phone=f"138000{i:05d}")
        if i % 2:
            services.claim_wish(county.admin_a, wish, organization=county.branch_a)
    staff = client_for(county.admin_a)
    with django_assert_max_num_queries(12):
        ledger = staff.get(reverse("wishes:list"))
    assert ledger.status_code == 200 and ledger.context["page_obj"].paginator.count == n
    with django_assert_max_num_queries(12):
        report = staff.get(reverse("wishes:report"))
    assert report.status_code == 200 and report.context["total"].collected == n
    waiting = n - n // 2  # every second wish was claimed by branch A
    with django_assert_max_num_queries(6):
        pool = client.get(reverse("wishes:pool"))
    assert pool.status_code == 200 and pool.context["page_obj"].paginator.count == waiting
    member = client_for(county.member_user)
    with django_assert_max_num_queries(14):
        claimable = member.get(reverse("wishes:claim_pool"))
    assert claimable.status_code == 200 and claimable.context["page_obj"].paginator.count == waiting


@pytest.mark.parametrize("n", [1, 12])
def test_command_panel_has_a_fixed_number_of_queries(county, rf, n, django_assert_num_queries):
    from jiceng.wishes.panels import command_panels

    for i in range(n):
        post(county, phone=f"138000{i:05d}")
    request = rf.get("/")
    request.user = county.county_admin
    with django_assert_num_queries(0):
        panels = command_panels(request, county.root, MONDAY.date())
    c = client_for(county.county_admin)
    # Session, user, the user's organization, the root, notices count, calendar banner; the figures.
    with django_assert_num_queries(7):
        html = c.get(panels[0].context["url"]).content.decode()
    assert f'data-figure="collected">{n}<' in html


def test_member_page_panel(county):
    services.claim_wish(county.member_user, pooled(county), member=county.member_a)
    html = client_for(county.member_user).get(reverse("members:detail", args=[county.member_a.pk])).content.decode()
    assert 'data-figure="member-wishes-year">1<' in html
