"""The public side: filing from a village's QR page without an account, following up with
ticket + phone, rating; the public board; malformed, oversized and too many inputs."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from jiceng.requests import services
from jiceng.requests.models import Request, RequestSettings
from jiceng.requests.testing import file_request
from jiceng.requests.tests.scope import jpeg_upload


def intake_data(desk, **extra):
    data = {
        "kind": "help",
        "category": desk.road.pk,
        "description": "三组路口的路灯坏了",
        "place": "三组路口",
        "name": "李大妈",
        "phone": "13712345678",
    }
    data.update(extra)
    return data


def file_online(desk, client=None, **extra):
    client = client or Client()
    response = client.post(reverse("resident:intake", args=[desk.county.village_a.code]), intake_data(desk, **extra))
    return client, response


def test_resident_files_and_follows_up(desk):
    client = Client()
    page = client.get(reverse("resident:intake", args=["TA01"]))
    assert page.status_code == 200 and "甲镇东村党总支" in page.content.decode()
    _, response = file_online(desk, client, photos=[jpeg_upload(), jpeg_upload("b.jpg")])
    req = Request.objects.get(phone="13712345678")
    assert (
        response.status_code == 302
        and response["Location"] == reverse("resident:progress", args=[req.ticket]) + "?new=1"
    )
    assert (req.channel, req.organization, req.photos.count()) == ("qr", desk.county.village_a, 2)
    progress = client.get(response["Location"]).content.decode()
    assert req.ticket in progress and "已受理" in progress
    # Another browser needs the ticket and the phone.
    other = Client()
    assert other.get(reverse("resident:progress", args=[req.ticket]))["Location"].startswith(reverse("resident:track"))
    wrong = other.post(reverse("resident:track"), {"ticket": req.ticket, "phone": "13700000000"})
    assert wrong.status_code == 400 and "受理编号或联系电话不对" in wrong.content.decode()
    right = other.post(reverse("resident:track"), {"ticket": req.ticket.lower(), "phone": "137-1234-5678"})
    assert right["Location"] == reverse("resident:progress", args=[req.ticket])
    photo = req.photos.first()
    assert other.get(reverse("resident:photo", args=[req.ticket, photo.pk]))["Content-Type"] == "image/jpeg"
    assert Client().get(reverse("resident:photo", args=[req.ticket, photo.pk])).status_code == 404


def test_progress_shows_roles_not_staff_names_and_takes_the_rating(desk):
    client, _ = file_online(desk)
    req = Request.objects.get(phone="13712345678")
    req = services.accept_request(desk.village_clerk, req, contacted=True, note="已电话联系，明天上门")
    req = services.escalate_request(desk.village_clerk, req, note="内部：村里没钱修")
    req = services.accept_request(desk.county.admin_a, req)
    req = services.resolve_request(desk.county.admin_a, req, result="乡镇已安排电工更换灯具")
    html = client.get(reverse("resident:progress", args=[req.ticket])).content.decode()
    assert "乡镇已安排电工更换灯具" in html and "已电话联系，明天上门" in html
    assert "东村书记" not in html and "admin-a" not in html and "村里没钱修" not in html
    assert "乡镇（街道）工作人员" in html and "请您评价" in html
    bad = client.post(reverse("resident:rate", args=[req.ticket]), {"rating": "great"})
    assert bad.status_code == 400
    client.post(
        reverse("resident:rate", args=[req.ticket]),
        {"rating": "unsatisfied", "solved": "0", "note": "灯还是不亮", "reopen": "on", "version": req.version},
    )
    req.refresh_from_db()
    assert req.state == "reopened" and req.rating == "unsatisfied"
    req = services.accept_request(desk.county.admin_a, req)
    req = services.resolve_request(desk.county.admin_a, req, result="更换了线路")
    page = client.get(reverse("resident:progress", args=[req.ticket]))
    assert "reopen" not in page.context["form"].fields  # only once
    client.post(reverse("resident:rate", args=[req.ticket]), {"rating": "basic", "solved": "1", "version": req.version})
    req.refresh_from_db()
    assert (req.state, req.rating, req.solved) == ("closed", "basic", True)


@pytest.mark.parametrize(
    "extra,message",
    [
        ({"phone": "1234"}, "电话号码格式不对"),
        ({"phone": ""}, "该字段是必填项"),
        ({"description": "长" * 2001}, "最多 2000 个字（现有 2001 个字）"),
        ({"name": "名" * 51}, "最多 50 个字"),
        ({"category": "999999"}, "选择一个有效的选项"),
        ({"kind": "rumor"}, "选择一个有效的选项"),
    ],
)
def test_bad_intake_is_refused_in_chinese_and_nothing_is_saved(desk, extra, message):
    _, response = file_online(desk, **extra)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Request.objects.exists()


def test_uploads_are_checked_by_content_count_and_size(desk, settings):
    fake = SimpleUploadedFile("路灯.jpg", b"<html>not a photo</html>" * 20, content_type="image/jpeg")
    _, response = file_online(desk, photos=[fake])
    assert response.status_code == 400 and "不是可以识别的照片" in response.content.decode()
    _, response = file_online(desk, photos=[jpeg_upload(f"{i}.jpg") for i in range(4)])
    assert response.status_code == 400 and "最多上传 3 张照片" in response.content.decode()
    settings.JICENG_PHOTO_MAX_BYTES = 2000
    big = io.BytesIO()
    Image.effect_noise((300, 300), 80).convert("RGB").save(big, "JPEG", quality=95)
    _, response = file_online(desk, photos=[SimpleUploadedFile("big.jpg", big.getvalue(), content_type="image/jpeg")])
    assert response.status_code == 400 and (
        "大小限制" in response.content.decode() or "太大" in response.content.decode()
    )
    assert not Request.objects.exists()


def test_oversized_body_is_refused_before_reading_it(desk, settings):
    settings.JICENG_PHOTO_MAX_BYTES = 1000
    RequestSettings.objects.create(max_photos=1)
    big = io.BytesIO()
    Image.effect_noise((700, 700), 80).convert("RGB").save(big, "JPEG", quality=98)
    assert len(big.getvalue()) > 300 * 1024
    upload = SimpleUploadedFile("big.jpg", big.getvalue(), content_type="image/jpeg")
    _, response = file_online(desk, photos=[upload])
    assert response.status_code == 400 and "上传的内容太大" in response.content.decode()


def test_robots_filling_the_hidden_field_are_refused(desk):
    _, response = file_online(desk, website="http://spam.example")
    assert response.status_code == 400 and not Request.objects.exists()


def test_intake_is_rate_limited(desk):
    client = Client()
    for _ in range(20):
        client.post(reverse("resident:intake", args=["TA01"]), intake_data(desk))
    assert Request.objects.count() == 20
    response = client.post(reverse("resident:intake", args=["TA01"]), intake_data(desk))
    assert response.status_code == 429 and "提交过于频繁" in response.content.decode()
    assert Request.objects.count() == 20


def test_guessing_the_phone_for_a_ticket_is_rate_limited(desk):
    req = file_request(desk)
    client = Client()
    for n in range(5):
        client.post(reverse("resident:track"), {"ticket": req.ticket, "phone": f"1370000000{n}"})
    response = client.post(reverse("resident:track"), {"ticket": req.ticket, "phone": req.phone})
    assert response.status_code == 429  # even the right number waits now, from this client


def test_a_guesser_elsewhere_cannot_lock_the_resident_out_of_their_ticket(desk, settings):
    settings.JICENG_TRUSTED_PROXIES = ["127.0.0.1"]
    req = file_request(desk)
    url = reverse("resident:track")
    for n in range(12):  # from many addresses, behind the documented nginx
        Client().post(url, {"ticket": req.ticket, "phone": f"1370000{n:04d}"}, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    Client().post(url, {"ticket": req.ticket, "phone": "13700000000"}, HTTP_X_FORWARDED_FOR="203.0.113.1")
    resident = Client().post(url, {"ticket": req.ticket, "phone": req.phone}, HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert resident.status_code == 302


def test_behind_the_trusted_proxy_each_resident_has_their_own_intake_limit(desk, settings):
    settings.JICENG_TRUSTED_PROXIES = ["127.0.0.1"]
    url = reverse("resident:intake", args=["TA01"])
    for _ in range(20):
        Client().post(url, intake_data(desk), HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert Client().post(url, intake_data(desk), HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    # Another resident, through the same nginx (REMOTE_ADDR 127.0.0.1 for both): not limited.
    assert Client().post(url, intake_data(desk), HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 302
    # A client that writes the header itself, not through the proxy, cannot escape its limit.
    for n in range(20):
        Client().post(url, intake_data(desk), REMOTE_ADDR="198.51.100.99", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")
    spoofed = Client().post(url, intake_data(desk), REMOTE_ADDR="198.51.100.99", HTTP_X_FORWARDED_FOR="10.9.9.200")
    assert spoofed.status_code == 429


def test_no_intake_page_for_the_county_or_an_unknown_code(desk):
    assert Client().get(reverse("resident:intake", args=["T"])).status_code == 404
    assert Client().get(reverse("resident:intake", args=["NOPE"])).status_code == 404


def test_board_shows_only_published_with_details_masked(desk):
    req = file_request(
        desk, name="钱多多", phone="13812345678", description="钱多多反映路灯坏了", photos=[jpeg_upload()]
    )
    hidden = file_request(desk, description="没有公开的诉求")
    req = services.resolve_request(
        desk.village_clerk, services.accept_request(desk.village_clerk, req), result="已修好"
    )
    photo = req.photos.get()
    client = Client()
    assert client.get(reverse("resident:board_detail", args=[req.pk])).status_code == 404
    assert client.get(reverse("resident:board_photo", args=[photo.pk])).status_code == 404
    services.publish_request(
        desk.village_clerk, req, public_description=req.description, public_result=req.result, photo_ids=[]
    )
    html = client.get(reverse("resident:board")).content.decode()
    assert "钱**反映路灯坏了" in html and "钱多多" not in html and "138****5678" in html
    assert (
        "没有公开的诉求" not in html
        and client.get(reverse("resident:board_detail", args=[hidden.pk])).status_code == 404
    )
    assert client.get(reverse("resident:board_photo", args=[photo.pk])).status_code == 404  # not chosen by staff
    services.publish_request(
        desk.village_clerk, req, public_description=req.description, public_result=req.result, photo_ids=[photo.pk]
    )
    assert client.get(reverse("resident:board_photo", args=[photo.pk]))["Content-Type"] == "image/jpeg"
    services.unpublish_request(desk.village_clerk, req)
    assert client.get(reverse("resident:board_detail", args=[req.pk])).status_code == 404
